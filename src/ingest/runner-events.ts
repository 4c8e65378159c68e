// ansible-runner artifacts (artifacts/<ident>/job_events/*.json) → the frames of docs/protocol.md,
// so an imported run goes through the same pipeline as a live one. The conversion is pure
// (events in, frames out); readRunnerArtifacts below is the small file reader around it.
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import type { Frame, HostStats, ResultSubset, Scope } from '../protocol/frames.js';
import { PROTOCOL_VERSION } from '../protocol/frames.js';
import { stripUrlCredentials } from '../util/redact.js';
import { stripAnsi } from '../util/strip-ansi.js';

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
  command?: string[];
  cwd?: string;
  /** As the shim's max_result_bytes (default 4096). */
  maxResultBytes?: number;
}

export const CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
const RES_KEYS = [
  'msg',
  'rc',
  'stdout',
  'stderr',
  'exception',
  'skip_reason',
  'reason',
  'changed',
  'failed',
  'attempts',
  'retries',
  'ansible_job_id',
  'finished',
  'warnings',
  'deprecations',
] as const;
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

/** ISO time as ansible-runner writes it (UTC, no zone, microseconds) → ns since the epoch. */
export function isoToNs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]!.replace(' ', 'T')}${m[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1e6 + Number((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/** ansible-runner gives each serial batch's play (and repeated task starts) a `_N` suffix. */
export function stripBatchSuffix(uuid: string): string {
  return uuid.replace(/_\d+$/, '');
}

function clipString(s: string, max: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (max <= 0 || bytes.length <= max) return s;
  const head = bytes
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${head}…[truncated ${bytes.length - Buffer.byteLength(head)} bytes]`;
}

function clipValue(v: unknown, max: number): unknown {
  if (typeof v === 'string') return stripUrlCredentials(clipString(v, max));
  if (v !== null && typeof v === 'object') {
    const text = JSON.stringify(v);
    return Buffer.byteLength(text) <= max ? JSON.parse(stripUrlCredentials(text)) : stripUrlCredentials(clipString(text, max));
  }
  return v;
}

/** The protocol's result subset: the listed keys only, strings cut; exactly the censored marker under no_log. */
export function resultSubset(res: unknown, max = 4096): { res: ResultSubset; noLog: boolean } {
  const r = res !== null && typeof res === 'object' ? (res as Record<string, unknown>) : {};
  if ('censored' in r || r._ansible_no_log === true) return { res: { censored: CENSORED }, noLog: true };
  const out: Record<string, unknown> = {};
  for (const key of RES_KEYS) if (key in r && r[key] !== undefined) out[key] = clipValue(r[key], max);
  if (Array.isArray(r.results)) out.results_count = r.results.length;
  return { res: out as ResultSubset, noLog: false };
}

/** argv as the shim sends it: -e values redacted (unless @file), URL credentials stripped. */
export function redactArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(stripUrlCredentials(a));
    const m = /^(--extra-vars=|-e)(.+)$/.exec(a);
    if (m && !m[2]!.startsWith('@')) out[out.length - 1] = `${m[1]}<redacted>`;
    else if ((a === '-e' || a === '--extra-vars') && i + 1 < argv.length) {
      const v = argv[++i]!;
      out.push(v.startsWith('@') ? stripUrlCredentials(v) : '<redacted>');
    }
  }
  return out;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const hostKey = (task: string, host: string): string => `${task}\u0000${host}`;
const fileOf = (taskPath: unknown): string | undefined => str(taskPath)?.replace(/:\d+$/, '');

interface OpenScope extends Scope {
  /** include: the included file, the includer's file, the files seen before it opened. */
  file?: string;
  parentFile?: string;
  before?: Set<string>;
  tasks: Set<string>;
  /** Task paths (file:line) run in this instance: ansible-core 2.19 gives an included role's tasks new uuids, so a repeated path, not only a repeated uuid, starts a new instance. */
  paths: Set<string>;
}

/** Role and include scopes from what runner events carry (role name, task file, include events). */
class ScopeTracker {
  private stack: OpenScope[] = [];
  private pending: { id: string; file: string; name: string; parentFile?: string }[] = [];
  private files = new Set<string>();
  private roleIds = new Map<string, string>();
  private roleCount = 0;
  private plainTaskSeen = false;
  private previous: { uuid: string; action?: string } | undefined;

  constructor(private play = '') {}

  reset(play: string): void {
    this.stack = [];
    this.pending = [];
    this.files = new Set();
    this.roleIds = new Map();
    this.roleCount = 0;
    this.plainTaskSeen = false;
    this.previous = undefined;
    this.play = play;
  }

  include(task: string, file: string, includerFile: string | undefined): void {
    const base = includerFile ? dirname(includerFile) : undefined;
    const rel = base ? relative(base, file) : '';
    const name = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : basename(file);
    this.pending.push({ id: task, file, name, parentFile: includerFile });
  }

  taskStart(uuid: string, path: string | undefined, role: string | undefined, action: string | undefined, handler: boolean): Scope[] {
    const file = fileOf(path);
    if (handler) {
      this.stack = role
        ? [{ kind: 'role', id: this.roleIds.get(role) ?? this.roleId(role), name: role, via: 'roles', tasks: new Set(), paths: new Set() }]
        : [];
    } else {
      while (this.stack.length && !this.contains(this.stack[this.stack.length - 1]!, uuid, path, role)) this.stack.pop();
      const inc = file ? this.pending.findIndex((p) => p.file === file) : -1;
      if (inc >= 0) {
        const p = this.pending.splice(inc, 1)[0]!;
        this.stack.push({
          kind: 'include',
          id: p.id,
          name: p.name,
          via: 'include_tasks',
          file: p.file,
          parentFile: p.parentFile,
          before: new Set(this.files),
          tasks: new Set(),
          paths: new Set(),
        });
      }
      if (role && !this.stack.some((s) => s.kind === 'role' && s.name === role)) {
        const prev = this.previous;
        const included = prev && /(^|\.)include_role$/.test(prev.action ?? '');
        const via = included ? 'include_role' : this.plainTaskSeen ? 'import_role' : 'roles';
        const id = included ? prev.uuid : this.roleId(role);
        this.roleIds.set(role, id);
        this.stack.push({ kind: 'role', id, name: role, via, tasks: new Set(), paths: new Set() });
      }
      if (!role && this.stack.length === 0) this.plainTaskSeen = true;
    }
    for (const s of this.stack) {
      s.tasks.add(uuid);
      if (path) s.paths.add(path);
    }
    if (file) this.files.add(file);
    this.previous = { uuid, action };
    return this.stack.map(({ kind, id, name, via }) => ({ kind, id, name, via }));
  }

  private roleId(role: string): string {
    this.roleCount += 1;
    return `${this.play}:role:${role}:${this.roleCount}`;
  }

  private contains(s: OpenScope, uuid: string, path: string | undefined, role: string | undefined): boolean {
    if (s.tasks.has(uuid) || (path && s.paths.has(path))) return false; // the same task again: a new instance of the scope
    const file = fileOf(path);
    if (s.kind === 'role') return role === s.name;
    if (!file) return true;
    return file === s.file || (file !== s.parentFile && !s.before?.has(file));
  }
}

/**
 * Failed, not ignored results that a rescue caught: ansible-runner does not say which. A failed
 * host that still starts tasks later in the same play was rescued (or ran an `always:`); the
 * playbook's stats say how many rescues each host had, so the first that many such failures count.
 */
function rescuedIndexes(events: RunnerEvent[]): Set<number> {
  const stats = events.find((e) => e.event === 'playbook_on_stats')?.event_data?.rescued;
  const budget = new Map<string, number>(Object.entries(stats && typeof stats === 'object' ? (stats as Record<string, number>) : {}));
  const out = new Set<number>();
  events.forEach((e, i) => {
    const d = e.event_data ?? {};
    const host = str(d.host);
    if (e.event !== 'runner_on_failed' || d.ignore_errors === true || !host || !((budget.get(host) ?? 0) > 0)) return;
    const play = stripBatchSuffix(String(d.play_uuid ?? ''));
    for (const later of events.slice(i + 1)) {
      const ld = later.event_data ?? {};
      if (later.event === 'playbook_on_play_start' && stripBatchSuffix(String(ld.play_uuid ?? '')) !== play) return;
      if (later.event === 'runner_on_start' && ld.host === host) {
        out.add(i);
        budget.set(host, (budget.get(host) ?? 0) - 1);
        return;
      }
    }
  });
  return out;
}

/**
 * One ident's job events (any order) → the frames the shim would have sent for that run.
 * A run without playbook_on_stats gets no `stats` and no `bye`: it ends as interrupted.
 */
export function runnerEventsToFrames(input: RunnerEvent[], info: RunnerRunInfo): Frame[] {
  const events = [...input].sort((a, b) => a.counter - b.counter);
  const max = info.maxResultBytes ?? 4096;
  const run = runnerRunId(info.ident);
  const frames: Frame[] = [];
  let lastTs = 0;
  const push = (ts: number | undefined, body: Record<string, unknown> & { t: Frame['t'] }): void => {
    const at = ts ?? lastTs;
    lastTs = Math.max(lastTs, at);
    frames.push({ v: PROTOCOL_VERSION, run, seq: frames.length, ts: at, ...body } as Frame);
  };
  // A host's start is its result's event_data.start (runner_on_start carries only `created`).
  const starts = new Map<string, number[]>();
  for (const e of events) {
    const d = e.event_data ?? {};
    const start = isoToNs(d.start);
    if (HOST_RESULTS[e.event] && start !== undefined && str(d.task_uuid) && str(d.host)) {
      const key = hostKey(stripBatchSuffix(String(d.task_uuid)), String(d.host));
      starts.set(key, [...(starts.get(key) ?? []), start]);
    }
  }
  const rescued = rescuedIndexes(events);
  const scopes = new ScopeTracker();
  const taskFiles = new Map<string, string | undefined>();
  const lastTaskOfHost = new Map<string, string>();
  // Retries of a host (or of one loop item) so far: a retry's `attempt` is this count, the attempt
  // that just failed. ansible-core's own `attempts` in the retry result means that up to 2.19 and
  // the attempt about to run from 2.22 on (docs/compatibility.md), and the events do not say which
  // ansible-core wrote them.
  const retriesSoFar = new Map<string, number>();
  const first = events[0];
  const argv = info.command ? redactArgv(info.command) : undefined;
  push(isoToNs(first?.created), {
    t: 'hello',
    shim_version: 'ansible-runner-import',
    pid: first?.pid,
    argv,
    cwd: info.cwd,
    check: argv ? argv.some((a) => a === '--check' || a === '-C') : undefined,
    diff: argv ? argv.some((a) => a === '--diff' || a === '-D') : undefined,
    traceparent: null,
    tracestate: null,
  });
  let stats = false;
  // biome-ignore lint/suspicious/useIterableCallbackReturn: each case ends by returning push()'s undefined
  events.forEach((e, i) => {
    const d = e.event_data ?? {};
    const created = isoToNs(e.created);
    const task = str(d.task_uuid) ? stripBatchSuffix(String(d.task_uuid)) : '';
    const host = str(d.host) ?? '';
    const play = str(d.play_uuid) ? stripBatchSuffix(String(d.play_uuid)) : null;
    switch (e.event) {
      case 'playbook_on_start': {
        const pb = str(d.playbook) ?? 'playbook';
        return push(created, { t: 'playbook_start', path: isAbsolute(pb) || !info.cwd ? pb : join(info.cwd, pb), name: basename(pb) });
      }
      case 'playbook_on_play_start':
        scopes.reset(play ?? '');
        return push(created, {
          t: 'play_start',
          play: play ?? 'unknown',
          name: str(d.play) ?? str(d.name) ?? '',
          hosts: str(d.play_pattern) ? [String(d.play_pattern)] : [],
          serial: null,
          check: null,
        });
      case 'playbook_on_task_start':
      case 'playbook_on_handler_task_start':
      case 'playbook_on_cleanup_task_start': {
        if (!task) return;
        const role = str(d.role);
        const handler = e.event === 'playbook_on_handler_task_start' || (e.event === 'playbook_on_task_start' && d.is_conditional === true);
        const file = fileOf(d.task_path);
        taskFiles.set(task, file);
        const action = str(d.task_action);
        const name = str(d.name) ?? (role && str(d.task) ? `${role} : ${d.task}` : str(d.task)) ?? action ?? 'task';
        return push(created, {
          t: 'task_start',
          task,
          play,
          name: stripUrlCredentials(name),
          action,
          handler,
          path: str(d.task_path) ?? null,
          role: role ?? null,
          tags: [],
          scopes: scopes.taskStart(task, str(d.task_path), role, action, handler),
        });
      }
      case 'runner_on_start': {
        if (!task || !host) return;
        lastTaskOfHost.set(host, task);
        return push(starts.get(hostKey(task, host))?.shift() ?? created, { t: 'host_start', task, host });
      }
      case 'playbook_on_notify':
        if (!host) return;
        return push(created, { t: 'notify', handler: stripUrlCredentials(String(d.handler ?? '')), host });
      case 'playbook_on_include': {
        const file = str(d.included_file);
        if (!task || !file) return;
        // 2.19 also sends it for include_role, with the role's name as the file: no task include
        if (isAbsolute(file)) scopes.include(task, file, taskFiles.get(task) ?? fileOf(d.task_path));
        const hosts = /\bfor (.+)$/.exec(stripAnsi(e.stdout ?? '').trim())?.[1]?.split(/,\s*/);
        return push(created, { t: 'include', file, hosts, task });
      }
      case 'runner_retry': {
        if (!task || !host) return;
        const { res } = resultSubset(d.res, max);
        const raw = (d.res ?? {}) as Record<string, unknown>;
        const attempt = (retriesSoFar.get(hostKey(task, host)) ?? 0) + 1;
        retriesSoFar.set(hostKey(task, host), attempt);
        return push(created, { t: 'retry', task, host, attempt, retries: numberOr(raw.retries), no_log: 'censored' in res, res });
      }
      case 'playbook_on_stats': {
        stats = true;
        const hosts: Record<string, HostStats> = {};
        for (const [key, source] of STATS_KEYS) {
          const counts = d[source];
          if (!counts || typeof counts !== 'object') continue;
          for (const [h, n] of Object.entries(counts as Record<string, unknown>)) {
            hosts[h] ??= { ok: 0, changed: 0, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
            hosts[h][key] = Number(n) || 0;
          }
        }
        return push(created, { t: 'stats', hosts });
      }
      case 'playbook_on_no_hosts_matched':
      case 'playbook_on_no_hosts_remaining':
        return push(created, { t: e.event.slice('playbook_on_'.length) as 'no_hosts_matched', play });
    }
    const hostStatus = HOST_RESULTS[e.event];
    if ((hostStatus || ITEM_RESULTS[e.event]) && task && host) retriesSoFar.delete(hostKey(task, host));
    if (hostStatus && task && host) {
      const { res, noLog } = resultSubset(d.res, max);
      const raw = (d.res ?? {}) as Record<string, unknown>;
      const ignored = hostStatus === 'failed' || hostStatus === 'unreachable' ? d.ignore_errors === true : false;
      return push(isoToNs(d.end) ?? created, {
        t: 'host_result',
        task,
        host,
        status: hostStatus,
        changed: raw.changed === true,
        ignored,
        rescued: rescued.has(i),
        action: str(d.resolved_action) ?? str(d.task_action),
        delegated_to: null,
        no_log: noLog,
        res,
      });
    }
    const itemStatus = ITEM_RESULTS[e.event];
    if (itemStatus && task && host) {
      const { res, noLog } = resultSubset(d.res, max);
      const raw = (d.res ?? {}) as Record<string, unknown>;
      const item = raw._ansible_item_label ?? raw.item;
      const label = noLog
        ? '(censored due to no_log)'
        : item === undefined
          ? undefined
          : stripUrlCredentials(clipString(typeof item === 'string' ? item : JSON.stringify(item), max));
      return push(created, { t: 'item_result', task, host, status: itemStatus, changed: raw.changed === true, label, no_log: noLog, res });
    }
    const asyncType = ASYNC[e.event];
    if (asyncType && host) {
      // ansible-core polls under a throw-away async_status task: report the task the host started.
      const { res } = resultSubset(d.res, max);
      const raw = (d.res ?? {}) as Record<string, unknown>;
      const job = str(raw.ansible_job_id) ?? str(d.jid) ?? null;
      return push(created, {
        t: asyncType,
        task: asyncType === 'async_poll' ? (lastTaskOfHost.get(host) ?? task) : task || (lastTaskOfHost.get(host) ?? ''),
        host,
        job,
        no_log: 'censored' in res,
        res,
      });
    }
  });
  if (stats) push(lastTs, { t: 'bye', dropped: 0 });
  return frames;
}

function numberOr(v: unknown): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

// ---- files ---------------------------------------------------------------------------------

export interface RunnerArtifact {
  ident: string;
  /** artifacts/<ident> */
  dir: string;
  events: RunnerEvent[];
  command?: string[];
  cwd?: string;
}

export interface ArtifactProblem {
  file: string;
  message: string;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** The artifacts/<ident> dirs under DIR: a private data dir, its artifacts/ dir or one artifacts/<ident>/. */
export async function findRunnerIdentDirs(dir: string): Promise<string[]> {
  if (await isDir(join(dir, 'job_events'))) return [dir];
  const artifacts = (await isDir(join(dir, 'artifacts'))) ? join(dir, 'artifacts') : dir;
  const out: string[] = [];
  for (const name of (await readdir(artifacts)).sort()) {
    if (await isDir(join(artifacts, name, 'job_events'))) out.push(join(artifacts, name));
  }
  return out;
}

/** Reads every ident's job events; a file that is not one whole event is reported and skipped. */
export async function readRunnerArtifacts(dir: string, onProblem: (p: ArtifactProblem) => void): Promise<RunnerArtifact[]> {
  const out: RunnerArtifact[] = [];
  for (const identDir of await findRunnerIdentDirs(dir)) {
    const eventsDir = join(identDir, 'job_events');
    const events: RunnerEvent[] = [];
    for (const name of (await readdir(eventsDir)).filter((n) => n.endsWith('.json'))) {
      const file = join(eventsDir, name);
      try {
        const e = JSON.parse(await readFile(file, 'utf8')) as RunnerEvent;
        if (!e || typeof e !== 'object' || typeof e.event !== 'string' || typeof e.counter !== 'number')
          throw new Error('not a job event (event, counter missing)');
        events.push(e);
      } catch (err) {
        onProblem({ file, message: (err as Error).message });
      }
    }
    let command: string[] | undefined;
    let cwd: string | undefined;
    try {
      const c = JSON.parse(await readFile(join(identDir, 'command'), 'utf8')) as { command?: unknown; cwd?: unknown };
      if (Array.isArray(c.command)) command = c.command.map(String);
      if (typeof c.cwd === 'string') cwd = c.cwd;
    } catch {
      // optional: without it the playbook path stays as ansible-runner recorded it
    }
    out.push({ ident: basename(identDir), dir: identDir, events, command, cwd });
  }
  return out;
}
