// Spans back into the lifecycle events that made them, so a traces file feeds the same
// ReportBuilder as a live run: one way to build the report, two ways in.
import { ATTR, type CicdResult, type HostSpanStatus } from '../model/attributes.js';
import type { RunObserver, RunRef } from '../model/run-observer.js';
import { CriticalPathObserver } from '../analysis/path-observer.js';
import { recordedAnalysis } from '../analysis/recorded.js';
import type { SlimSpan } from './otlp-json-lines.js';
import type { Attributes } from '../model/trace-writer.js';

const isRoot = (s: SlimSpan): boolean => s.attributes[ATTR.PLAYBOOK_PATH] !== undefined;

/** The traces to report: the one asked for, else every playbook of the latest run in the file. */
export function selectTraces(spans: SlimSpan[], traceId?: string): Set<string> {
  if (traceId) return new Set([traceId.toLowerCase()]);
  const roots = spans.filter(isRoot);
  const latest = roots.reduce<SlimSpan | undefined>((a, b) => (!a || b.startNs > a.startNs ? b : a), undefined);
  if (!latest) return new Set();
  const run = latest.attributes[ATTR.SESSION];
  return new Set(roots.filter((r) => r.attributes[ATTR.SESSION] === run).map((r) => r.traceId));
}

/**
 * Emits, per trace and in time order, the events the run model emitted for these spans; each
 * playbook end with its analysis (src/analysis), as a live run's has it.
 */
export function replaySpans(spans: SlimSpan[], traces: Set<string>, observer: RunObserver, forks?: number[]): void {
  const byTrace = new Map<string, SlimSpan[]>();
  for (const s of spans) {
    if (!traces.has(s.traceId)) continue;
    const list = byTrace.get(s.traceId);
    if (list) list.push(s);
    else byTrace.set(s.traceId, [s]);
  }
  const ordered = [...byTrace.values()]
    .map((list) => ({ list, root: list.find(isRoot) }))
    .filter((t) => t.root)
    .sort((a, b) => a.root!.startNs - b.root!.startNs);
  for (const { list, root } of ordered) replayTrace(list, root as SlimSpan, new CriticalPathObserver(observer, forks));
}

/** Whether every host result has its span (--host-spans all, or a trace from before the option). */
const complete = (spans: SlimSpan[]): boolean => spans.every((s) => (s.attributes[ATTR.TASK_HOSTS_SPANS] ?? 'all') === 'all');

function replayTrace(spans: SlimSpan[], root: SlimSpan, observer: RunObserver): void {
  const a = root.attributes;
  const ref: RunRef = {
    runId: String(a[ATTR.SESSION] ?? ''),
    pipelineRunId: String(a[ATTR.CICD_PIPELINE_RUN_ID] ?? a[ATTR.SESSION] ?? ''),
    playbook: String(a[ATTR.PLAYBOOK_NAME] ?? root.name),
    playbookPath: String(a[ATTR.PLAYBOOK_PATH]),
    traceId: root.traceId,
    rootSpanId: root.spanId,
  };
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const playOf = (s: SlimSpan): SlimSpan | undefined => {
    for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) if (p.attributes[ATTR.PLAY_UUID] !== undefined) return p;
    return undefined;
  };
  /** The role and include spans around a task, outermost first (their names: what tasks are matched by). */
  const scopesOf = (s: SlimSpan): string[] => {
    const out: string[] = [];
    for (let p = byId.get(s.parentSpanId); p && p.attributes[ATTR.PLAY_UUID] === undefined; p = byId.get(p.parentSpanId))
      if (p.attributes[ATTR.SCOPE_KIND] !== undefined) out.unshift(p.name);
    return out;
  };
  // [time, order at equal times, emit]: plays before their tasks before their results.
  const steps: [number, number, () => void][] = [];
  for (const s of spans) {
    const at = s.attributes;
    if (at[ATTR.PLAY_UUID] !== undefined) {
      const batches = Number(at[ATTR.PLAY_BATCHES] ?? 1);
      const play = { ...ref, play: s.name, playUuid: String(at[ATTR.PLAY_UUID]), startNs: s.startNs, spanId: s.spanId };
      const strategy = at[ATTR.PLAY_STRATEGY] as string | undefined;
      steps.push([
        s.startNs,
        0,
        () => {
          // the span keeps the count of `serial` batches, not when each began
          for (let batch = 1; batch <= batches; batch++) observer.playStart?.({ ...play, batch, strategy, serial: batches > 1 });
        },
      ]);
    } else if (at[ATTR.TASK_UUID] !== undefined && at[ATTR.TASK_HOST_NAME] === undefined) {
      const play = playOf(s)?.name ?? '';
      const role = at[ATTR.TASK_ROLE] === undefined ? undefined : String(at[ATTR.TASK_ROLE]);
      steps.push([
        s.startNs,
        1,
        () =>
          observer.taskStart?.({
            ...ref,
            play,
            task: s.name,
            taskUuid: String(at[ATTR.TASK_UUID]),
            action: at[ATTR.TASK_ACTION] as string | undefined,
            role,
            handler: at[ATTR.TASK_HANDLER] === true,
            startNs: s.startNs,
            spanId: s.spanId,
            throttle: at[ATTR.TASK_THROTTLE] as number | undefined,
            scopes: scopesOf(s),
            path:
              at[ATTR.CODE_FILE_PATH] === undefined
                ? undefined
                : `${at[ATTR.CODE_FILE_PATH]}${at[ATTR.CODE_LINE_NUMBER] === undefined ? '' : `:${at[ATTR.CODE_LINE_NUMBER]}`}`,
            args: { [ATTR.TASK_ARGS_NAME]: at[ATTR.TASK_ARGS_NAME], [ATTR.TASK_ARGS_VALUE]: at[ATTR.TASK_ARGS_VALUE] } as Attributes,
            changesEveryRun: at[ATTR.TASK_CHANGES_EVERY_RUN] === true,
          }),
      ]);
    } else if (at[ATTR.TASK_HOST_NAME] !== undefined && at[ATTR.TASK_ITEM_LABEL] === undefined && at[ATTR.TASK_UUID] !== undefined) {
      const task = byId.get(s.parentSpanId);
      const status = (at[ATTR.TASK_HOST_STATUS] ?? 'ok') as HostSpanStatus;
      steps.push([
        s.endNs,
        2,
        () =>
          observer.hostResult?.({
            ...ref,
            play: task ? (playOf(task)?.name ?? '') : '',
            task: String(at[ATTR.TASK_NAME] ?? task?.name ?? ''),
            taskUuid: String(at[ATTR.TASK_UUID]),
            taskRunId: String(task?.attributes[ATTR.CICD_PIPELINE_TASK_RUN_ID] ?? at[ATTR.TASK_UUID]),
            module: at[ATTR.TASK_MODULE] as string | undefined,
            role: task?.attributes[ATTR.TASK_ROLE] as string | undefined,
            handler: task?.attributes[ATTR.TASK_HANDLER] === true,
            host: String(at[ATTR.TASK_HOST_NAME]),
            status,
            startNs: s.startNs,
            endNs: s.endNs,
            message: at[ATTR.TASK_MESSAGE] as string | undefined,
            rc: at[ATTR.TASK_RESULT] as number | undefined,
            items: 0,
            retries: 0,
            spanId: s.spanId,
            changed: at[ATTR.TASK_CHANGED] === true,
            taskSpanId: s.parentSpanId,
            delegatedTo: at[ATTR.TASK_DELEGATED_TO] as string | undefined,
          }),
      ]);
    }
  }
  steps.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  observer.playbookStart?.({
    ...ref,
    startNs: root.startNs,
    ansibleVersion: a[ATTR.VERSION] as string | undefined,
    check: a[ATTR.CHECK_MODE] as boolean | undefined,
    controller: a[ATTR.HOST_NAME] as string | undefined,
    user: a[ATTR.HOST_USER] as string | undefined,
    spanId: root.spanId,
    forks: a[ATTR.RUN_FORKS] as number | undefined,
    cpus: a[ATTR.RUN_CPUS] as number | undefined,
    workerCpu: a[ATTR.RUN_WORKER_CPU] as number | undefined,
    otherCpu: a[ATTR.RUN_OTHER_CPU] as number | undefined,
  });
  for (const [, , emit] of steps) emit();
  observer.playbookEnd?.({
    ...ref,
    startNs: root.startNs,
    endNs: root.endNs,
    result: (a[ATTR.CICD_PIPELINE_RESULT] ?? 'error') as CicdResult,
    errorType: a[ATTR.ERROR_TYPE] as string | undefined,
    interrupted: a[ATTR.RUN_INTERRUPTED] === true,
    stats: {},
    failedHosts: (a[ATTR.FAILED_HOSTS] as string[] | undefined) ?? [],
    unreachableHosts: (a[ATTR.UNREACHABLE_HOSTS] as string[] | undefined) ?? [],
    spanId: root.spanId,
    // without every host span the timeline is not whole: the answer the live run put on the trace
    analysis: complete(spans) ? undefined : recordedAnalysis(root, spans),
  });
}
