// What a host span carries: its status and attributes, from the task and the host_result frame.
// A host span is the part of a task run done on one host: a plain INTERNAL span under the task-run
// span, with `ansible.*` attributes and, when ERROR, `error.type`. It carries no
// `cicd.pipeline.task.*` key: those describe the whole task run, on its span
// (docs/semantic-conventions.md, "Host and item spans").
// Per host result, so built by plain stores with only the keys that have values: no computed-key
// literals, spreads or undefined values for the SDK to walk (bench/analysis.md, hotspot 1).
import type { FrameOf } from '../protocol/frames.js';
import { ATTR, type HostSpanStatus } from './attributes.js';
import type { Attributes } from './trace-writer.js';
import { asText } from './result-text.js';

/** The span's status from the frame's (ignored and rescued failures, changed oks told apart). */
export function hostSpanStatus(f: FrameOf<'host_result'>): HostSpanStatus {
  if (f.status === 'failed') return f.ignored ? 'ignored' : f.rescued ? 'rescued' : 'failed';
  if (f.status === 'ok') return f.changed ? 'changed' : 'ok';
  // ignore_unreachable: ansible counts it ok and ignored, and the host goes on
  if (f.status === 'unreachable' && f.ignored) return 'ignored';
  return f.status;
}

/** include_tasks, include_role and the old include, however written (import_* leave no result). */
export function isIncludeAction(action: string | undefined): boolean {
  return action !== undefined && /^(?:ansible\.(?:builtin|legacy)\.)?include(?:_tasks|_role)?$/.test(action);
}

export function isErrorStatus(status: HostSpanStatus): boolean {
  return status === 'failed' || status === 'rescued' || status === 'unreachable';
}

/** Attributes of a host span at its start. */
export function hostStartAttributes(host: string, task: { name: string; uuid: string; action: string | undefined; argsAttrs: Attributes }): Attributes {
  const a: Attributes = {};
  a[ATTR.TASK_HOST_NAME] = host;
  a[ATTR.TASK_NAME] = task.name;
  a[ATTR.TASK_UUID] = task.uuid;
  if (task.action !== undefined) a[ATTR.TASK_MODULE] = task.action;
  for (const key in task.argsAttrs) a[key] = task.argsAttrs[key];
  return a;
}

/** Attributes a host result adds to its span (`module`: the frame's action, else the task's). */
export function hostResultAttributes(f: FrameOf<'host_result'>, status: HostSpanStatus, module: string | undefined, message: string | undefined): Attributes {
  const isError = isErrorStatus(status);
  const a: Attributes = {};
  a[ATTR.TASK_HOST_STATUS] = status;
  if (module !== undefined) a[ATTR.TASK_MODULE] = module;
  if (message !== undefined) a[ATTR.TASK_MESSAGE] = message;
  const rc = f.res?.rc;
  if (typeof rc === 'number') a[ATTR.TASK_RESULT] = rc;
  a[ATTR.TASK_CHANGED] = f.changed ?? false;
  if (f.delegated_to != null) a[ATTR.TASK_DELEGATED_TO] = f.delegated_to;
  const skipReason = f.res?.skip_reason;
  if (skipReason != null) a[ATTR.TASK_SKIP_REASON] = asText(skipReason);
  if (f.no_log) a[ATTR.TASK_NO_LOG] = f.no_log;
  // failed, unreachable or rescued: the host status, the same value the failure's log record carries
  if (isError) a[ATTR.ERROR_TYPE] = status;
  return a;
}
