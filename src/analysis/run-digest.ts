// A playbook run in the few facts a comparison needs: per task, by play, scope path and name,
// its duration and per host its status, `changed` and duration, and a digest of its args. What
// the history keeps (src/history) and what `compare` and `--baseline` compare (compare.ts): one
// shape whether it came from a live run's events, a traces file, a frames recording or the history.
import { createHash } from 'node:crypto';
import { ATTR, type CicdResult, type HostSpanStatus } from '../model/attributes.js';
import type { HostResultEvent, PlaybookEndEvent, PlaybookStartEvent, RunObserver, TaskStartEvent } from '../model/run-observer.js';
import type { Attributes } from '../model/trace-writer.js';
import { keyId, type RunKey } from './run-key.js';

/** One host's result of one task: status, changed (1/0), duration in ns. Short keys: the history holds many. */
export interface HostRun {
  s: HostSpanStatus;
  c: 0 | 1;
  d: number;
}

export interface TaskDigest {
  play: string;
  /** Enclosing roles and includes, outermost first, as their spans are named: `role web`, `include setup.yml`. */
  scopes: string[];
  /** As ansible shows it without the role prefix (the task span's name). */
  name: string;
  handler?: true;
  action?: string;
  /** `file:line` where it is written. */
  path?: string;
  /** argsDigest() of its args as the sidecar received them; absent when the shim sent none (no_log). */
  args?: string;
  spanId: string;
  startNs: number;
  /** Its start to its last host result. */
  durationNs: number;
  hosts: Record<string, HostRun>;
  /** Read back from a trace that carries ansible.task.changes_every_run. */
  changesEveryRun?: true;
}

export interface RunDigest {
  v: 1;
  /** Present for live runs (the shim's command line): what the history files runs under. */
  key?: RunKey;
  keyId?: string;
  runId: string;
  playbook: string;
  playbookPath: string;
  traceId: string;
  rootSpanId: string;
  startNs: number;
  durationNs: number;
  result: CicdResult;
  interrupted?: true;
  /**
   * Set when the run had more host results than a digest holds (DIGEST_MAX_HOST_RESULTS): the
   * later ones are not in it, so it is neither kept in the history nor compared.
   */
  tooLarge?: true;
  tasks: TaskDigest[];
}

/**
 * The host results one digest holds. A digest lives until its playbook ends, so it is the one
 * per-run structure that grows with the run: as objects (a HostRun a result, a key in its task's
 * hosts) it took about 150 bytes of heap a host result, and a run of 1,000,000 results held
 * 150 MB (V8 let the heap grow past 1 GB before collecting). Built in columns (HostColumns) it
 * takes about 24; a record of this many is still over the history's record bound (16 MiB at 88
 * bytes a host result, docs/scale.md), so the history could not keep a bigger one.
 */
export const DIGEST_MAX_HOST_RESULTS = 200_000;

/**
 * 16 hex digits of sha256 over the task's args as the task span carries them (names, values as
 * text): the args the shim sent, already censored (no_log, hide_task_arguments) and truncated, so
 * the digest tells only whether they changed, never what they hold.
 */
export function argsDigest(attributes: Attributes | Record<string, unknown>): string | undefined {
  const names = attributes[ATTR.TASK_ARGS_NAME];
  const values = attributes[ATTR.TASK_ARGS_VALUE];
  if (!Array.isArray(names) || names.length === 0) return undefined;
  return createHash('sha256')
    .update(JSON.stringify([names, values ?? []]))
    .digest('hex')
    .slice(0, 16);
}

/**
 * A task's host results while its playbook runs, in columns: its `hosts` as objects would hold
 * a HostRun and a dictionary entry a result until the playbook ends (about 150 bytes of heap, and
 * a run's history made serve's peak RSS 75 MiB higher at 200,000 results); columns of host names
 * (one string a host, shared), statuses (constants), changed and durations take about 24. The
 * objects are built when the digest is read: at the playbook's end, or for a task at its end.
 */
class HostColumns {
  private readonly host: string[] = [];
  private readonly status: HostSpanStatus[] = [];
  private readonly changed: (0 | 1)[] = [];
  private readonly ns: number[] = [];

  push(host: string, status: HostSpanStatus, changed: 0 | 1, ns: number): void {
    this.host.push(host);
    this.status.push(status);
    this.changed.push(changed);
    this.ns.push(ns);
  }

  /** As `hosts` had them assigned in turn: a host's first result places it, its last one counts. */
  hosts(): Record<string, HostRun> {
    const out: Record<string, HostRun> = {};
    for (let i = 0; i < this.host.length; i++)
      out[this.host[i] as string] = { s: this.status[i] as HostSpanStatus, c: this.changed[i] as 0 | 1, d: this.ns[i] as number };
    return out;
  }
}

interface OpenTask {
  digest: TaskDigest;
  columns: HostColumns;
}

interface Building {
  digest: RunDigest;
  hostResults: number;
  bySpan: Map<string, OpenTask>;
  byUuid: Map<string, OpenTask>;
  /** One string a host name for the columns, not one a result (each frame parses its own). */
  names: Map<string, string>;
}

/**
 * A RunObserver that records each playbook's digest from the run events it passes on. The run
 * model owns one when the history or a baseline needs it; a traces file replayed into events and
 * a frames recording go through one too, so every source gives the same digest.
 */
export class DigestRecorder implements RunObserver {
  private readonly open = new Map<string, Building>();

  constructor(
    private readonly inner: RunObserver = {},
    private readonly onDigest: (d: RunDigest) => void = () => {},
  ) {}

  /** A task instance of an open playbook, by its span id, with its host results so far. */
  task(traceId: string, spanId: string): TaskDigest | undefined {
    const t = this.open.get(traceId)?.bySpan.get(spanId);
    return t && { ...t.digest, hosts: t.columns.hosts() };
  }

  /** The playbook ended: its digest, and it is let go. */
  finish(e: Pick<PlaybookEndEvent, 'traceId' | 'startNs' | 'endNs' | 'result' | 'interrupted'>): RunDigest | undefined {
    const b = this.open.get(e.traceId);
    if (!b) return undefined;
    this.open.delete(e.traceId);
    for (const t of b.bySpan.values()) t.digest.hosts = t.columns.hosts();
    const d = b.digest;
    d.durationNs = e.endNs - d.startNs;
    d.result = e.result;
    if (e.interrupted) d.interrupted = true;
    return d;
  }

  playbookStart(e: PlaybookStartEvent): void {
    const digest: RunDigest = {
      v: 1,
      ...(e.key ? { key: e.key, keyId: keyId(e.key) } : {}),
      runId: e.runId,
      playbook: e.playbook,
      playbookPath: e.playbookPath,
      traceId: e.traceId,
      rootSpanId: e.rootSpanId,
      startNs: e.startNs,
      durationNs: 0,
      result: 'error',
      tasks: [],
    };
    this.open.set(e.traceId, { digest, hostResults: 0, bySpan: new Map(), byUuid: new Map(), names: new Map() });
    this.inner.playbookStart?.(e);
  }

  taskStart(e: TaskStartEvent): void {
    const b = this.open.get(e.traceId);
    if (b) {
      const t: TaskDigest = { play: e.play, scopes: e.scopes ?? [], name: e.task, spanId: e.spanId, startNs: e.startNs, durationNs: 0, hosts: {} };
      if (e.handler) t.handler = true;
      if (e.action !== undefined) t.action = e.action;
      if (e.path) t.path = e.path;
      const args = e.args && argsDigest(e.args);
      if (args) t.args = args;
      if (e.changesEveryRun) t.changesEveryRun = true;
      b.digest.tasks.push(t);
      const open = { digest: t, columns: new HostColumns() };
      b.bySpan.set(e.spanId, open);
      b.byUuid.set(e.taskUuid, open);
    }
    this.inner.taskStart?.(e);
  }

  hostResult(e: HostResultEvent): void {
    const b = this.open.get(e.traceId);
    const t = b && ((e.taskSpanId !== undefined ? b.bySpan.get(e.taskSpanId) : undefined) ?? b.byUuid.get(e.taskUuid));
    if (t && b) {
      t.digest.durationNs = Math.max(t.digest.durationNs, e.endNs - t.digest.startNs);
      if (++b.hostResults > DIGEST_MAX_HOST_RESULTS) b.digest.tooLarge = true;
      else {
        let host = b.names.get(e.host);
        if (host === undefined) b.names.set(e.host, (host = e.host));
        t.columns.push(host, e.status, e.changed || e.status === 'changed' ? 1 : 0, Math.max(0, e.endNs - e.startNs));
      }
    }
    this.inner.hostResult?.(e);
  }

  playStart = (e: Parameters<NonNullable<RunObserver['playStart']>>[0]): void => this.inner.playStart?.(e);
  hostStart = (e: Parameters<NonNullable<RunObserver['hostStart']>>[0]): void => this.inner.hostStart?.(e);
  itemResult = (e: Parameters<NonNullable<RunObserver['itemResult']>>[0]): void => this.inner.itemResult?.(e);
  retry = (e: Parameters<NonNullable<RunObserver['retry']>>[0]): void => this.inner.retry?.(e);

  /** An end that comes without a digest (a traces file's, a recording's) gets one here. */
  playbookEnd(e: PlaybookEndEvent): void {
    const digest = e.digest ?? this.finish(e);
    if (digest) this.onDigest(digest);
    this.inner.playbookEnd?.(digest && !e.digest ? { ...e, digest } : e);
  }
}
