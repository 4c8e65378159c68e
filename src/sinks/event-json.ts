// The one JSON form of the run's lifecycle events, shared by `--format json` and `--events-file`:
// one object per event, one line each, with the trace and span id it belongs to.
import type { ResultSubset } from '../protocol/frames.js';
import type {
  HostResultEvent,
  ItemResultEvent,
  PlayStartEvent,
  PlaybookEndEvent,
  PlaybookStartEvent,
  RetryEvent,
  RunObserver,
  RunRef,
  TaskStartEvent,
} from '../model/run-observer.js';

export type EventType = 'playbook_start' | 'play_start' | 'task_start' | 'host_result' | 'item_result' | 'retry' | 'playbook_end';

/** Result keys left out, as the seed's JSON callback does: bulky or internal. */
const DROPPED_RESULT_KEYS = new Set(['invocation', 'diff', 'stdout_lines', 'stderr_lines']);

/** The result without invocation, diff, stdout_lines, stderr_lines and `_`-prefixed keys. */
export function sanitizeResult(res: ResultSubset | undefined): Record<string, unknown> | undefined {
  if (!res) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(res)) {
    if (DROPPED_RESULT_KEYS.has(k) || k.startsWith('_')) continue;
    out[k] = v;
  }
  return out;
}

/** ns since the epoch → RFC 3339 UTC with microseconds (frame timestamps carry that much). */
export function isoFromNs(ns: number): string {
  const ms = Math.floor(ns / 1e6);
  const micros = Math.floor((ns / 1e3) % 1000);
  return new Date(ms).toISOString().replace(/Z$/, `${String(micros).padStart(3, '0')}Z`);
}

const ms = (startNs: number, endNs: number): number => Math.round((endNs - startNs) / 1e3) / 1e3;

function base(event: EventType, tsNs: number, e: RunRef & { spanId: string }): Record<string, unknown> {
  return { event, timestamp: isoFromNs(tsNs), run_id: e.runId, playbook: e.playbook, trace_id: e.traceId, span_id: e.spanId };
}

/** Each event as the object its JSON line holds (undefined fields are left out by JSON). */
export const eventRecord = {
  playbookStart: (e: PlaybookStartEvent) => ({
    ...base('playbook_start', e.startNs, e),
    playbook_path: e.playbookPath,
    ansible_version: e.ansibleVersion,
    check: e.check,
    controller: e.controller,
    user: e.user,
  }),
  playStart: (e: PlayStartEvent) => ({ ...base('play_start', e.startNs, e), play: e.play, play_uuid: e.playUuid, batch: e.batch }),
  taskStart: (e: TaskStartEvent) => ({
    ...base('task_start', e.startNs, e),
    play: e.play,
    task: e.task,
    task_uuid: e.taskUuid,
    action: e.action,
    role: e.role,
    handler: e.handler,
  }),
  hostResult: (e: HostResultEvent) => ({
    ...base('host_result', e.endNs, e),
    play: e.play,
    task: e.task,
    task_uuid: e.taskUuid,
    module: e.module,
    role: e.role,
    handler: e.handler,
    host: e.host,
    status: e.status,
    changed: e.changed,
    start: isoFromNs(e.startNs),
    duration_ms: ms(e.startNs, e.endNs),
    message: e.message,
    rc: e.rc,
    items: e.items || undefined,
    retries: e.retries || undefined,
    result: sanitizeResult(e.result),
  }),
  itemResult: (e: ItemResultEvent) => ({
    ...base('item_result', e.endNs, e),
    play: e.play,
    task: e.task,
    host: e.host,
    item: e.label,
    status: e.status,
    duration_ms: ms(e.startNs, e.endNs),
    message: e.message,
    result: sanitizeResult(e.result),
  }),
  retry: (e: RetryEvent) => ({ ...base('retry', e.tsNs, e), task: e.task, host: e.host, attempt: e.attempt, result: sanitizeResult(e.result) }),
  playbookEnd: (e: PlaybookEndEvent) => ({
    ...base('playbook_end', e.endNs, e),
    result: e.result,
    interrupted: e.interrupted,
    duration_ms: ms(e.startNs, e.endNs),
    stats: e.stats,
    failed_hosts: e.failedHosts,
    unreachable_hosts: e.unreachableHosts,
  }),
} satisfies { [M in Exclude<keyof RunObserver, 'hostStart'>]-?: (e: Parameters<NonNullable<RunObserver[M]>>[0]) => Record<string, unknown> };
// hostStart is left out: a line per host and task start would double the file for what host_result's `start` says.

/** A RunObserver that turns every event into one JSON line (with its `\n`) for `write`. */
export function jsonLines(write: (line: string) => void): RunObserver {
  const observer: Partial<Record<keyof RunObserver, (e: never) => void>> = {};
  for (const [method, record] of Object.entries(eventRecord) as [keyof RunObserver, (e: never) => Record<string, unknown>][]) {
    observer[method] = (e) => write(`${JSON.stringify(record(e))}\n`);
  }
  return observer as RunObserver;
}
