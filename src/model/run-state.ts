// What the run model keeps between frames: the open playbook, play, scopes, tasks and hosts,
// and the run's summary. Only open spans are held; finished ones are let go as they end.
import type { HostStats } from '../protocol/frames.js';
import type { CicdResult, HostSpanStatus } from './attributes.js';
import type { RunRef } from './run-observer.js';
import type { DeferredSpan } from './deferred-span.js';
import type { HostSpanChoice, HostSpanMode, Slowest, TaskHostFacts } from './host-spans.js';
import type { SpanNode } from './span-node.js';
import type { PlaybookAnalysis } from '../analysis/playbook-analysis.js';
import type { Attributes, SpanStatus } from './trace-writer.js';
import type { BaselineInstance } from '../analysis/baseline.js';
import type { BaselineOutcome } from '../analysis/compare.js';
import type { SteadyMap } from './steady-map.js';

export interface PlaybookState<S> {
  node: SpanNode<S>;
  name: string;
  ref: RunRef;
  stats: Record<string, Partial<HostStats>>;
  play?: PlayState<S> | undefined;
  /** Its stats came (at `ts`): the plays are over, the root waits for how the command ends. */
  settled?: { ts: number; failed: string[]; unreachable: string[] };
  /** The run's span count before this trace's root: the trace's size is what came after. */
  spansBefore: number;
}

export interface PlayState<S> {
  node: SpanNode<S>;
  uuid: string;
  name: string;
  batches: number;
  /** Hosts of the current batch (the shim's `host_count`), for `--host-spans auto:N`. */
  hostCount: number | undefined;
  /** A free strategy (free, host_pinned): hosts run the tasks on their own timelines. */
  free: boolean;
  /** Linear: the open role/include spans, outermost first (the stack the current task is in). */
  scopes: ScopeState<S>[];
  /** Free: the role/include spans of the batch, by scope path, open until it ends. */
  freeScopes: Map<string, ScopeState<S>>;
  /** Free: the open span of each task, by task uuid and scope path. */
  freeTasks: Map<string, TaskState<S>>;
  tasks: Map<string, TaskState<S>>;
  /** How many task spans each task uuid has had in this play: its task run ids (`uuid`, `uuid#2`, …). */
  taskRuns: Map<string, number>;
  openTasks: Set<TaskState<S>>;
  failedHosts: Set<string>;
  /** error.type of the play span: `failed` if a host failed, else `unreachable`. */
  errorType?: 'failed' | 'unreachable';
}

export interface ScopeState<S> {
  node: SpanNode<S>;
  id: string;
}

export interface TaskState<S> {
  node: SpanNode<S>;
  uuid: string;
  /** cicd.pipeline.task.run.id: the uuid, with `#n` from its second run in the play on. */
  runId: string;
  name: string;
  action: string | undefined;
  role: string | undefined;
  handler: boolean;
  argsAttrs: Attributes;
  /** The ids of its scopes (roles, includes), outermost first. */
  scopeIds: string[];
  /** Its open hosts by name (a SteadyMap: cleared when the task closes). */
  hosts: SteadyMap<string, HostState<S>>;
  openHosts: number;
  /** A later task has started; end as soon as the last open host is done. */
  superseded: boolean;
  results: Partial<Record<HostSpanStatus, number>>;
  /** Every host result so far, for the task span's aggregates at its end. */
  facts: TaskHostFacts;
  /** Which host spans this task gets (`auto:N` resolved against its play's host count). */
  spanMode: HostSpanMode;
  /** `problems` mode: the slowest hosts without a span yet, created when the task ends. */
  slowest: Slowest<DeferredSpan<S>>;
  /** Linear plays: the host span of the latest result, ended when it is known whether it is the task's last. */
  held?: HeldHost<S> | undefined;
  /** run --baseline: its baseline instance (src/analysis/baseline.ts). */
  baseline: BaselineInstance | undefined;
}

/** A host span whose result came, not yet ended (RunModel.hold). */
export interface HeldHost<S> {
  hs: HostState<S>;
  endNs: number;
  end: SpanStatus;
  status: HostSpanStatus;
  durationNs: number;
}

export interface HostState<S> {
  node: DeferredSpan<S>;
  task: TaskState<S>;
  host: string;
  itemEndNs: number;
  items: number;
  polls: number;
  retries: number;
}

export interface TraceSummary {
  traceId: string;
  rootSpanId: string;
  playbook: string;
  result: CicdResult;
  /** Spans in the trace, its root included. */
  spans: number;
  /** The host span mode of the run (--host-spans, or its shim's choice). */
  hostSpans: HostSpanChoice;
  /** Where the time went (src/analysis), when it could be computed. */
  analysis?: PlaybookAnalysis | undefined;
  /** run --baseline: what changed since the baseline, or why there was none. */
  baseline?: BaselineOutcome | undefined;
}

export interface RunSummary {
  runId: string;
  traces: TraceSummary[];
  hostResults: Partial<Record<HostSpanStatus, number>>;
  interrupted: boolean;
  /** Set when applying a frame failed: the run was ended there (RunModel.abort). */
  failure?: string;
  framesMissing: number;
  shimDropped: number;
}
