// Spans back into the lifecycle events that made them, so a traces file feeds the same
// ReportBuilder as a live run: one way to build the report, two ways in.
import { ATTR, HOST_SPAN_STATUSES, RESULT } from '../model/attributes.js';
import type { RunObserver, RunRef } from '../model/run-observer.js';
import { CriticalPathObserver } from '../analysis/path-observer.js';
import { recordedAnalysis } from '../analysis/recorded.js';
import type { SlimSpan } from './otlp-json-lines.js';
import { flag, num, oneOf, text, texts } from './slim-attributes.js';

const RESULTS = Object.values(RESULT);

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
 * Emits, per playbook and in time order, the events the run model emitted for these spans; each
 * playbook end with its analysis (src/analysis), as a live run's has it.
 */
export function replaySpans(spans: SlimSpan[], traces: Set<string>, observer: RunObserver, forks?: number[]): void {
  for (const { list, root } of playbooks(spans.filter((s) => traces.has(s.traceId))).sort((a, b) => a.root.startNs - b.root.startNs))
    replayTrace(list, root, new CriticalPathObserver(observer, forks));
}

/**
 * The spans of each playbook. Usually a playbook is a trace; under a W3C parent (TRACEPARENT)
 * every playbook of the command shares the parent's trace, so each span goes to the root above it.
 */
function playbooks(spans: SlimSpan[]): { root: SlimSpan; list: SlimSpan[] }[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const rootOf = new Map<SlimSpan, SlimSpan | undefined>();
  /** Walks up, without recursion (a hand-made file may nest deep), and remembers the answer for the whole way. */
  const find = (s: SlimSpan): SlimSpan | undefined => {
    const way: SlimSpan[] = [];
    let at: SlimSpan | undefined = s;
    let root: SlimSpan | undefined;
    while (at) {
      if (isRoot(at)) {
        root = at;
        break;
      }
      if (rootOf.has(at)) {
        root = rootOf.get(at);
        break;
      }
      rootOf.set(at, undefined); // a parent cycle ends here
      way.push(at);
      const parent = byId.get(at.parentSpanId);
      at = parent?.traceId === at.traceId ? parent : undefined;
    }
    for (const w of way) rootOf.set(w, root);
    return root;
  };
  const out = new Map<SlimSpan, SlimSpan[]>();
  for (const s of spans) {
    const root = find(s);
    if (!root) continue;
    const list = out.get(root);
    if (list) list.push(s);
    else out.set(root, [s]);
  }
  return [...out].map(([root, list]) => ({ root, list }));
}

/** Whether every host result has its span (--host-spans all, or a trace from before the option). */
const complete = (spans: SlimSpan[]): boolean => spans.every((s) => (s.attributes[ATTR.TASK_HOSTS_SPANS] ?? 'all') === 'all');

function replayTrace(spans: SlimSpan[], root: SlimSpan, observer: RunObserver): void {
  const a = root.attributes;
  const ref: RunRef = {
    runId: String(a[ATTR.SESSION] ?? ''),
    pipelineRunId: String(a[ATTR.CICD_PIPELINE_RUN_ID] ?? a[ATTR.SESSION] ?? ''),
    playbook: String(a[ATTR.PLAYBOOK_NAME] ?? root.name),
    playbookPath: String(a[ATTR.PLAYBOOK_PATH] ?? ''),
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
      const batches = num(at, ATTR.PLAY_BATCHES) ?? 1;
      const play = { ...ref, play: s.name, playUuid: String(at[ATTR.PLAY_UUID]), startNs: s.startNs, spanId: s.spanId };
      const strategy = text(at, ATTR.PLAY_STRATEGY);
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
            action: text(at, ATTR.TASK_ACTION),
            role,
            handler: at[ATTR.TASK_HANDLER] === true,
            startNs: s.startNs,
            spanId: s.spanId,
            throttle: num(at, ATTR.TASK_THROTTLE),
            scopes: scopesOf(s),
            path:
              at[ATTR.CODE_FILE_PATH] === undefined
                ? undefined
                : `${at[ATTR.CODE_FILE_PATH]}${at[ATTR.CODE_LINE_NUMBER] === undefined ? '' : `:${at[ATTR.CODE_LINE_NUMBER]}`}`,
            args: { [ATTR.TASK_ARGS_NAME]: at[ATTR.TASK_ARGS_NAME], [ATTR.TASK_ARGS_VALUE]: at[ATTR.TASK_ARGS_VALUE] },
            changesEveryRun: at[ATTR.TASK_CHANGES_EVERY_RUN] === true,
          }),
      ]);
    } else if (at[ATTR.TASK_HOST_NAME] !== undefined && at[ATTR.TASK_ITEM_LABEL] === undefined && at[ATTR.TASK_UUID] !== undefined) {
      const task = byId.get(s.parentSpanId);
      const status = oneOf(at, ATTR.TASK_HOST_STATUS, HOST_SPAN_STATUSES) ?? 'ok';
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
            module: text(at, ATTR.TASK_MODULE),
            role: task && text(task.attributes, ATTR.TASK_ROLE),
            handler: task?.attributes[ATTR.TASK_HANDLER] === true,
            host: String(at[ATTR.TASK_HOST_NAME]),
            status,
            startNs: s.startNs,
            endNs: s.endNs,
            message: text(at, ATTR.TASK_MESSAGE),
            rc: num(at, ATTR.TASK_RESULT),
            items: 0,
            retries: 0,
            spanId: s.spanId,
            changed: at[ATTR.TASK_CHANGED] === true,
            taskSpanId: s.parentSpanId,
            delegatedTo: text(at, ATTR.TASK_DELEGATED_TO),
          }),
      ]);
    }
  }
  steps.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  observer.playbookStart?.({
    ...ref,
    startNs: root.startNs,
    ansibleVersion: text(a, ATTR.VERSION),
    check: flag(a, ATTR.CHECK_MODE),
    controller: text(a, ATTR.HOST_NAME),
    user: text(a, ATTR.HOST_USER),
    spanId: root.spanId,
    forks: num(a, ATTR.RUN_FORKS),
    cpus: num(a, ATTR.RUN_CPUS),
    workerCpu: num(a, ATTR.RUN_WORKER_CPU),
    otherCpu: num(a, ATTR.RUN_OTHER_CPU),
  });
  for (const [, , emit] of steps) emit();
  observer.playbookEnd?.({
    ...ref,
    startNs: root.startNs,
    endNs: root.endNs,
    result: oneOf(a, ATTR.CICD_PIPELINE_RESULT, RESULTS) ?? RESULT.ERROR,
    errorType: text(a, ATTR.ERROR_TYPE),
    interrupted: a[ATTR.RUN_INTERRUPTED] === true,
    stats: {},
    failedHosts: texts(a, ATTR.FAILED_HOSTS) ?? [],
    unreachableHosts: texts(a, ATTR.UNREACHABLE_HOSTS) ?? [],
    spanId: root.spanId,
    // without every host span the timeline is not whole: the answer the live run put on the trace
    analysis: complete(spans) ? undefined : recordedAnalysis(root, spans),
  });
}
