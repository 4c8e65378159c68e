// ansible-runner job events (artifacts/<ident>/job_events/*.json) → the frames of docs/protocol.md,
// so an imported run goes through the same pipeline as a live one. Pure: events in, frames out
// (artifacts.ts reads the files). One handler per kind of event, each making the frame the shim
// would have sent for the callback ansible-runner recorded.
import { createHash } from 'node:crypto';
import { basename, isAbsolute, join } from 'node:path';
import type { Frame, HostStats } from '../../protocol/frames.js';
import { PROTOCOL_VERSION } from '../../protocol/frames.js';
import { stripUrlCredentials } from '../../util/redact.js';
import { stripVTControlCharacters } from 'node:util';
import { fileOf, isoToNs, numberOr, str, stripBatchSuffix } from './event-fields.js';
import { rescuedIndexes } from './rescues.js';
import { itemLabel, redactArgv, resultSubset } from './results.js';
import { ScopeTracker } from './scopes.js';

/** One ansible-runner job event, as written to job_events/<counter>-<uuid>.json. */
export interface RunnerEvent {
  event: string;
  counter: number;
  uuid?: string;
  parent_uuid?: string;
  created?: string;
  stdout?: string;
  pid?: number;
  event_data?: Record<string, unknown>;
}

export interface RunnerRunInfo {
  /** The runner ident (artifacts/<ident>). */
  ident: string;
  /** artifacts/<ident>/command: the command line and the directory ansible-playbook ran in. */
  command?: string[] | undefined;
  cwd?: string | undefined;
  /** As the shim's max_result_bytes (default 4096). */
  maxResultBytes?: number;
}

const STATS_KEYS: [keyof HostStats, string][] = [
  ['ok', 'ok'],
  ['changed', 'changed'],
  ['failures', 'failures'],
  ['unreachable', 'dark'],
  ['skipped', 'skipped'],
  ['rescued', 'rescued'],
  ['ignored', 'ignored'],
];
const HOST_RESULTS: Record<string, 'ok' | 'failed' | 'skipped' | 'unreachable'> = {
  runner_on_ok: 'ok',
  runner_on_failed: 'failed',
  runner_on_skipped: 'skipped',
  runner_on_unreachable: 'unreachable',
};
const ITEM_RESULTS: Record<string, 'ok' | 'failed' | 'skipped'> = {
  runner_item_on_ok: 'ok',
  runner_item_on_failed: 'failed',
  runner_item_on_skipped: 'skipped',
};
const ASYNC: Record<string, 'async_poll' | 'async_ok' | 'async_failed'> = {
  runner_on_async_poll: 'async_poll',
  runner_on_async_ok: 'async_ok',
  runner_on_async_failed: 'async_failed',
};

/** The run id of an ident: a hash, so span ids stay the same however often it is imported. */
export function runnerRunId(ident: string): string {
  return createHash('sha256').update(`ansible-runner:${ident}`).digest('hex').slice(0, 32);
}

const hostKey = (task: string, host: string): string => `${task}\u0000${host}`;

/** What every handler reads of its event. */
interface Current {
  e: RunnerEvent;
  /** Its index in the sorted events. */
  i: number;
  d: Record<string, unknown>;
  created: number | undefined;
  /** The task uuid without its batch suffix, or ''. */
  task: string;
  host: string;
  play: string | null;
  /** event_data.res as an object (never null). */
  raw: Record<string, unknown>;
}

type FrameBody = Record<string, unknown> & { t: Frame['t'] };

/** The conversion of one ident: the frames so far and what later events need of earlier ones. */
class Conversion {
  readonly frames: Frame[] = [];
  private lastTs = 0;
  /** A host's start is its result's event_data.start (runner_on_start carries only `created`). */
  private readonly starts = new Map<string, number[]>();
  private readonly rescued: Set<number>;
  private readonly scopes = new ScopeTracker();
  private readonly taskFiles = new Map<string, string | undefined>();
  private readonly lastTaskOfHost = new Map<string, string>();
  // Retries of a host (or of one loop item) so far: a retry's `attempt` is this count, the attempt
  // that just failed. ansible-core's own `attempts` in the retry result means that up to 2.19 and
  // the attempt about to run from 2.22 on (docs/compatibility.md), and the events do not say which
  // ansible-core wrote them.
  private readonly retriesSoFar = new Map<string, number>();
  sawStats = false;

  constructor(
    private readonly run: string,
    private readonly events: RunnerEvent[],
    private readonly info: RunnerRunInfo,
    private readonly max: number,
  ) {
    for (const e of events) {
      const d = e.event_data ?? {};
      const start = isoToNs(d.start);
      if (HOST_RESULTS[e.event] && start !== undefined && str(d.task_uuid) && str(d.host)) {
        const key = hostKey(stripBatchSuffix(String(d.task_uuid)), String(d.host));
        const list = this.starts.get(key);
        if (list) list.push(start);
        else this.starts.set(key, [start]);
      }
    }
    this.rescued = rescuedIndexes(events);
  }

  push(ts: number | undefined, body: FrameBody): void {
    const at = ts ?? this.lastTs;
    this.lastTs = Math.max(this.lastTs, at);
    this.frames.push({ v: PROTOCOL_VERSION, run: this.run, seq: this.frames.length, ts: at, ...body } as Frame);
  }

  hello(): void {
    const first = this.events[0];
    const argv = this.info.command ? redactArgv(this.info.command) : undefined;
    this.push(isoToNs(first?.created), {
      t: 'hello',
      shim_version: 'ansible-runner-import',
      pid: first?.pid,
      argv,
      cwd: this.info.cwd,
      check: argv ? argv.some((a) => a === '--check' || a === '-C') : undefined,
      diff: argv ? argv.some((a) => a === '--diff' || a === '-D') : undefined,
      traceparent: null,
      tracestate: null,
    });
  }

  bye(): void {
    if (this.sawStats) this.push(this.lastTs, { t: 'bye', dropped: 0 });
  }

  event(e: RunnerEvent, i: number): void {
    const d = e.event_data ?? {};
    const res = d.res;
    const c: Current = {
      e,
      i,
      d,
      created: isoToNs(e.created),
      task: str(d.task_uuid) ? stripBatchSuffix(String(d.task_uuid)) : '',
      host: str(d.host) ?? '',
      play: str(d.play_uuid) ? stripBatchSuffix(String(d.play_uuid)) : null,
      raw: res !== null && typeof res === 'object' ? (res as Record<string, unknown>) : {},
    };
    const handler = HANDLERS[e.event];
    if (handler) {
      handler(this, c);
      return;
    }
    if ((HOST_RESULTS[e.event] || ITEM_RESULTS[e.event]) && c.task && c.host) this.retriesSoFar.delete(hostKey(c.task, c.host));
    if (HOST_RESULTS[e.event]) this.hostResult(c, HOST_RESULTS[e.event]!);
    else if (ITEM_RESULTS[e.event]) this.itemResult(c, ITEM_RESULTS[e.event]!);
    else if (ASYNC[e.event]) this.asyncResult(c, ASYNC[e.event]!);
  }

  playbookStart(c: Current): void {
    const pb = str(c.d.playbook) ?? 'playbook';
    const cwd = this.info.cwd;
    this.push(c.created, { t: 'playbook_start', path: isAbsolute(pb) || !cwd ? pb : join(cwd, pb), name: basename(pb) });
  }

  playStart(c: Current): void {
    this.scopes.reset(c.play ?? '');
    this.push(c.created, {
      t: 'play_start',
      play: c.play ?? 'unknown',
      name: str(c.d.play) ?? str(c.d.name) ?? '',
      hosts: str(c.d.play_pattern) ? [String(c.d.play_pattern)] : [],
      serial: null,
      check: null,
    });
  }

  taskStart(c: Current): void {
    const { d, e, task } = c;
    if (!task) return;
    const role = str(d.role);
    const handler = e.event === 'playbook_on_handler_task_start' || (e.event === 'playbook_on_task_start' && d.is_conditional === true);
    this.taskFiles.set(task, fileOf(d.task_path));
    const action = str(d.task_action);
    const name = str(d.name) ?? (role && str(d.task) ? `${role} : ${d.task}` : str(d.task)) ?? action ?? 'task';
    this.push(c.created, {
      t: 'task_start',
      task,
      play: c.play,
      name: stripUrlCredentials(name),
      action,
      handler,
      path: str(d.task_path) ?? null,
      role: role ?? null,
      tags: [],
      scopes: this.scopes.taskStart(task, str(d.task_path), role, action, handler),
    });
  }

  hostStart(c: Current): void {
    if (!c.task || !c.host) return;
    this.lastTaskOfHost.set(c.host, c.task);
    this.push(this.starts.get(hostKey(c.task, c.host))?.shift() ?? c.created, { t: 'host_start', task: c.task, host: c.host });
  }

  notify(c: Current): void {
    if (c.host) this.push(c.created, { t: 'notify', handler: stripUrlCredentials(String(c.d.handler ?? '')), host: c.host });
  }

  include(c: Current): void {
    const file = str(c.d.included_file);
    if (!c.task || !file) return;
    // 2.19 also sends it for include_role, with the role's name as the file: no task include
    if (isAbsolute(file)) this.scopes.include(c.task, file, this.taskFiles.get(c.task) ?? fileOf(c.d.task_path));
    const hosts = /\bfor (.+)$/.exec(stripVTControlCharacters(c.e.stdout ?? '').trim())?.[1]?.split(/,\s*/);
    this.push(c.created, { t: 'include', file, hosts, task: c.task });
  }

  retry(c: Current): void {
    if (!c.task || !c.host) return;
    const { res } = resultSubset(c.d.res, this.max);
    const key = hostKey(c.task, c.host);
    const attempt = (this.retriesSoFar.get(key) ?? 0) + 1;
    this.retriesSoFar.set(key, attempt);
    this.push(c.created, { t: 'retry', task: c.task, host: c.host, attempt, retries: numberOr(c.raw.retries), no_log: 'censored' in res, res });
  }

  stats(c: Current): void {
    this.sawStats = true;
    const hosts: Record<string, HostStats> = {};
    for (const [key, source] of STATS_KEYS) {
      const counts = c.d[source];
      if (!counts || typeof counts !== 'object') continue;
      for (const [h, n] of Object.entries(counts as Record<string, unknown>)) {
        hosts[h] ??= { ok: 0, changed: 0, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
        hosts[h][key] = Number(n) || 0;
      }
    }
    this.push(c.created, { t: 'stats', hosts });
  }

  noHosts(c: Current): void {
    this.push(c.created, { t: c.e.event.slice('playbook_on_'.length) as 'no_hosts_matched', play: c.play });
  }

  private hostResult(c: Current, status: 'ok' | 'failed' | 'skipped' | 'unreachable'): void {
    if (!c.task || !c.host) return;
    const { res, noLog } = resultSubset(c.d.res, this.max);
    const ignored = status === 'failed' || status === 'unreachable' ? c.d.ignore_errors === true : false;
    this.push(isoToNs(c.d.end) ?? c.created, {
      t: 'host_result',
      task: c.task,
      host: c.host,
      status,
      changed: c.raw.changed === true,
      ignored,
      rescued: this.rescued.has(c.i),
      action: str(c.d.resolved_action) ?? str(c.d.task_action),
      delegated_to: null,
      no_log: noLog,
      res,
    });
  }

  private itemResult(c: Current, status: 'ok' | 'failed' | 'skipped'): void {
    if (!c.task || !c.host) return;
    const { res, noLog } = resultSubset(c.d.res, this.max);
    const label = itemLabel(c.raw, noLog, this.max);
    this.push(c.created, { t: 'item_result', task: c.task, host: c.host, status, changed: c.raw.changed === true, label, no_log: noLog, res });
  }

  private asyncResult(c: Current, t: 'async_poll' | 'async_ok' | 'async_failed'): void {
    if (!c.host) return;
    // ansible-core polls under a throw-away async_status task: report the task the host started.
    const { res } = resultSubset(c.d.res, this.max);
    const started = this.lastTaskOfHost.get(c.host);
    this.push(c.created, {
      t,
      task: t === 'async_poll' ? (started ?? c.task) : c.task || (started ?? ''),
      host: c.host,
      job: str(c.raw.ansible_job_id) ?? str(c.d.jid) ?? null,
      no_log: 'censored' in res,
      res,
    });
  }
}

/** The events with a frame of their own kind; results (host, item, async) are dispatched by table above. */
const HANDLERS: Record<string, (conv: Conversion, c: Current) => void> = {
  playbook_on_start: (conv, c) => conv.playbookStart(c),
  playbook_on_play_start: (conv, c) => conv.playStart(c),
  playbook_on_task_start: (conv, c) => conv.taskStart(c),
  playbook_on_handler_task_start: (conv, c) => conv.taskStart(c),
  playbook_on_cleanup_task_start: (conv, c) => conv.taskStart(c),
  runner_on_start: (conv, c) => conv.hostStart(c),
  playbook_on_notify: (conv, c) => conv.notify(c),
  playbook_on_include: (conv, c) => conv.include(c),
  runner_retry: (conv, c) => conv.retry(c),
  playbook_on_stats: (conv, c) => conv.stats(c),
  playbook_on_no_hosts_matched: (conv, c) => conv.noHosts(c),
  playbook_on_no_hosts_remaining: (conv, c) => conv.noHosts(c),
};

/**
 * One ident's job events (any order) → the frames the shim would have sent for that run.
 * A run without playbook_on_stats gets no `stats` and no `bye`: it ends as interrupted.
 */
export function runnerEventsToFrames(input: RunnerEvent[], info: RunnerRunInfo): Frame[] {
  const events = [...input].sort((a, b) => a.counter - b.counter);
  const conv = new Conversion(runnerRunId(info.ident), events, info, info.maxResultBytes ?? 4096);
  conv.hello();
  for (const [i, e] of events.entries()) conv.event(e, i);
  conv.bye();
  return conv.frames;
}
