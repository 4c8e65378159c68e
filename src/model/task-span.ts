// What a task-run span carries: its name, run id and attributes at start, and its result at the
// end, from the task_start frame and the host results counted on it. Pure but for the run counter
// it is given: the run model calls these.
import type { FrameOf, Scope } from '../protocol/frames.js';
import { ATTR, TASK_RESULT, TASK_TYPE, type CicdTaskResult } from './attributes.js';
import { codeAttributes } from './result-text.js';
import type { Attributes } from './trace-writer.js';

/** ansible shows role tasks as "role : name"; under a role span the plain name reads better. */
export function taskSpanName(f: FrameOf<'task_start'>): string {
  return (f.role && f.name?.startsWith(`${f.role} : `) ? f.name.slice(f.role.length + 3) : f.name) || f.action || 'task';
}

/**
 * A task runs again under the same uuid (each serial batch, each flush of a handler, a role
 * reused): its task run id must still be unique in the pipeline run. The first run keeps the
 * uuid; the next ones add `#2`, `#3`, counted (in `runs`) from the frames, so a replay gives the same ids.
 */
export function nextTaskRunId(runs: Map<string, number>, uuid: string): string {
  const runNo = (runs.get(uuid) ?? 0) + 1;
  runs.set(uuid, runNo);
  return runNo === 1 ? uuid : `${uuid}#${runNo}`;
}

/** A task's scopes as their spans are named: what tasks are matched by across runs (src/analysis/task-match.ts). */
export function scopeSpanNames(scopes: readonly Scope[]): string[] {
  return scopes.map((s) => `${s.kind === 'include' ? 'include' : 'role'} ${s.name}`);
}

/** The task-run span's attributes at its start; `check`: a check-mode run (it only tests what would change). */
export function taskStartAttributes(f: FrameOf<'task_start'>, name: string, runId: string, play: string, check: boolean, argsAttrs: Attributes): Attributes {
  return {
    [ATTR.TASK_NAME]: name,
    [ATTR.TASK_UUID]: f.task,
    [ATTR.TASK_MODULE]: f.action,
    [ATTR.TASK_ACTION]: f.action,
    [ATTR.TASK_ROLE]: f.role ?? undefined,
    [ATTR.TASK_TAGS]: f.tags?.length ? f.tags.map(String) : undefined,
    [ATTR.TASK_HANDLER]: f.handler ?? false,
    [ATTR.TASK_NO_LOG]: f.no_log || undefined,
    [ATTR.PLAY_NAME]: play,
    [ATTR.CICD_PIPELINE_TASK_NAME]: name,
    [ATTR.CICD_PIPELINE_TASK_RUN_ID]: runId,
    // A check-mode run only tests what would change; any other run deploys it.
    [ATTR.CICD_PIPELINE_TASK_TYPE]: check ? TASK_TYPE.TEST : TASK_TYPE.DEPLOY,
    [ATTR.TASK_THROTTLE]: f.throttle || undefined,
    ...codeAttributes(f.path),
    ...argsAttrs,
  };
}

export interface TaskOutcome {
  result: CicdTaskResult;
  /** error.type, conditionally required on a failed or errored task run: the same values as the root's. */
  errorType: string | undefined;
  /** Hosts failed or unreachable (a rescued failure is ERROR on its host span only: the block's rescue handled it). */
  failures: number;
}

/** A task run's result from its hosts' statuses counted; an interrupted run is an error whatever they were. */
export function taskOutcome(r: Partial<Record<string, number>>, interrupted: boolean): TaskOutcome {
  const failures = (r.failed ?? 0) + (r.unreachable ?? 0);
  const total = Object.values(r).reduce((a: number, b) => a + (b ?? 0), 0);
  let result: CicdTaskResult = failures ? TASK_RESULT.FAILURE : total > 0 && r.skipped === total ? TASK_RESULT.SKIP : TASK_RESULT.SUCCESS;
  if (interrupted) result = TASK_RESULT.ERROR;
  const errorType = interrupted ? 'interrupted' : failures ? (r.failed ? 'failed' : 'unreachable') : undefined;
  return { result, errorType, failures };
}
