// The second port of the run model, beside TraceWriter: lifecycle events for everything that is
// not a span — metrics, console output, notifications, reports, live watchers. Same frames,
// same timestamps (ns since the epoch, from the shim), no I/O in the model.
import type { HostStats, ResultSubset } from '../protocol/frames.js';
import type { CicdResult, HostSpanStatus } from './attributes.js';
import type { PlaybookAnalysis } from '../analysis/playbook-analysis.js';
import type { RunKey } from '../analysis/run-key.js';
import type { RunDigest } from '../analysis/run-digest.js';
import type { BaselineOutcome } from '../analysis/compare.js';
import type { Attributes } from './trace-writer.js';

// An optional field is one the frames may not say: the model fills every event field by field from
// them (a literal of one shape, fast on the per-frame path), so it may hold `undefined` rather than
// be absent. Observers read the value; none tests for the key.

export interface RunRef {
  runId: string;
  /** cicd.pipeline.run.id of this playbook: the run id, with `#n` for the n-th playbook of a command from the second on. */
  pipelineRunId: string;
  /** Playbook file name (the root span's name). */
  playbook: string;
  playbookPath: string;
  traceId: string;
  /** The playbook's root span: a trace link names it (ANSIBLE_OTEL_TRACE_URL's `{span_id}`). */
  rootSpanId: string;
}

export interface PlaybookStartEvent extends RunRef {
  startNs: number;
  ansibleVersion?: string | undefined;
  check?: boolean | undefined;
  controller?: string | undefined;
  user?: string | undefined;
  /** The playbook's root span. */
  spanId: string;
  /** The run's forks (the shim's `hello`), when known. */
  forks?: number | undefined;
  /** The controller's CPUs (the shim's `hello`), when known. */
  cpus?: number | undefined;
  /**
   * Mean CPU seconds of one host's worker per task, when an event source knows it only as a
   * whole (a traces file's root span); live runs give it task by task (TaskStartEvent.workerCpu).
   */
  workerCpu?: number | undefined;
  /** The same for the mean CPUs other processes kept busy of the controller's (live: from the tasks' machineCpu). */
  otherCpu?: number | undefined;
  /** What makes runs comparable (playbook, inventory, limit, tags, check), from the shim's command line. */
  key?: RunKey | undefined;
}

export interface PlayStartEvent extends RunRef {
  play: string;
  playUuid: string;
  startNs: number;
  /** 1 for the first `serial` batch, then 2, 3, … */
  batch: number;
  /** Hosts in this batch (the shim's `host_count`); undefined when the shim did not say. */
  hostCount?: number | undefined;
  /** The play span (the same for every batch). */
  spanId: string;
  /** The strategy plugin (`linear` when the shim did not say). */
  strategy?: string | undefined;
  /** The play has `serial` batches. */
  serial?: boolean | undefined;
}

export interface TaskStartEvent extends RunRef {
  play: string;
  task: string;
  taskUuid: string;
  action?: string | undefined;
  role?: string | undefined;
  handler: boolean;
  startNs: number;
  /** The task span. */
  spanId: string;
  /** Its `throttle`, when it has one. */
  throttle?: number | undefined;
  /** CPU seconds the controller's finished workers had used when it started (the shim's `worker_cpu`). */
  workerCpu?: number | undefined;
  /** CPU seconds the controller process had used (the shim's `controller_cpu`). */
  controllerCpu?: number | undefined;
  /** Busy seconds of the controller's CPUs since boot, whoever ran on them (the shim's `machine_cpu`). */
  machineCpu?: number | undefined;
  /** Enclosing roles and includes, outermost first, as their spans are named (`role web`, `include x.yml`). */
  scopes?: string[] | undefined;
  /** `file:line` where the task is written. */
  path?: string | undefined;
  /** Its args as the task span carries them (ansible.task.args.name / .value): already censored by the shim. */
  args?: Attributes | undefined;
  /** A traces file's task span that says ansible.task.changes_every_run. */
  changesEveryRun?: boolean | undefined;
}

export interface HostStartEvent extends RunRef {
  task: string;
  taskUuid: string;
  host: string;
  startNs: number;
  /** The task span of the instance the host runs (a task uuid can start more than once). */
  taskSpanId?: string | undefined;
}

export interface HostResultEvent extends RunRef {
  play: string;
  task: string;
  taskUuid: string;
  /** cicd.pipeline.task.run.id of the task span: unique in the pipeline run. */
  taskRunId: string;
  /** Resolved action, e.g. ansible.builtin.command. */
  module?: string | undefined;
  role?: string | undefined;
  handler: boolean;
  host: string;
  status: HostSpanStatus;
  startNs: number;
  endNs: number;
  message?: string | undefined;
  rc?: number | undefined;
  items: number;
  retries: number;
  spanId: string;
  /** The frame's `changed` (a failed or ignored result can be changed too). */
  changed: boolean;
  /** The result subset the shim sent (docs/protocol.md, `res`): already truncated and censored. */
  result?: ResultSubset | undefined;
  /** The task span of the instance (a task uuid can start more than once). */
  taskSpanId?: string | undefined;
  delegatedTo?: string | undefined;
}

export interface ItemResultEvent extends RunRef {
  play: string;
  task: string;
  taskUuid: string;
  taskRunId: string;
  /** The task's action, e.g. ansible.builtin.command. */
  module?: string | undefined;
  host: string;
  label: string;
  status: 'ok' | 'changed' | 'failed' | 'skipped';
  startNs: number;
  endNs: number;
  message?: string | undefined;
  /** The item span. */
  spanId: string;
  result?: ResultSubset | undefined;
}

export interface RetryEvent extends RunRef {
  task: string;
  host: string;
  attempt?: number | undefined;
  tsNs: number;
  /** The host span the retry is an event of. */
  spanId: string;
  result?: ResultSubset | undefined;
}

export interface PlaybookEndEvent extends RunRef {
  startNs: number;
  endNs: number;
  result: CicdResult;
  /** error.type of the root, unless it succeeded (docs/semantic-conventions.md). */
  errorType?: string | undefined;
  /** Why it did not succeed: the root span's status message. */
  message?: string | undefined;
  interrupted: boolean;
  /** Per-host stats of this playbook (empty when the run was cut off before them). */
  stats: Record<string, Partial<HostStats>>;
  failedHosts: string[];
  unreachableHosts: string[];
  /** The playbook's root span. */
  spanId: string;
  /** Where the time went: critical path and what-if (src/analysis), when it could be computed. */
  analysis?: PlaybookAnalysis | undefined;
  /** The playbook's digest, when the history or a baseline asked for one (src/analysis/run-digest.ts). */
  digest?: RunDigest | undefined;
  /** run --baseline: what changed since the baseline run, or why there was none to compare with. */
  baseline?: BaselineOutcome | undefined;
}

/** Every method optional: an observer takes what it needs. */
export interface RunObserver {
  playbookStart?(e: PlaybookStartEvent): void;
  playStart?(e: PlayStartEvent): void;
  taskStart?(e: TaskStartEvent): void;
  hostStart?(e: HostStartEvent): void;
  hostResult?(e: HostResultEvent): void;
  itemResult?(e: ItemResultEvent): void;
  retry?(e: RetryEvent): void;
  playbookEnd?(e: PlaybookEndEvent): void;
}

type Method = keyof RunObserver;

/** Fans events out to several observers; one that throws is reported and does not stop the rest. */
export class ObserverFanout implements Required<RunObserver> {
  constructor(
    private readonly observers: RunObserver[],
    private readonly onError: (method: string, error: unknown) => void = () => {},
  ) {}

  private emit<M extends Method>(method: M, event: Parameters<NonNullable<RunObserver[M]>>[0]): void {
    for (const o of this.observers) {
      const fn = o[method] as ((e: typeof event) => void) | undefined;
      if (!fn) continue;
      try {
        fn.call(o, event);
      } catch (error) {
        this.onError(method, error);
      }
    }
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.emit('playbookStart', e);
  }
  playStart(e: PlayStartEvent): void {
    this.emit('playStart', e);
  }
  taskStart(e: TaskStartEvent): void {
    this.emit('taskStart', e);
  }
  hostStart(e: HostStartEvent): void {
    this.emit('hostStart', e);
  }
  hostResult(e: HostResultEvent): void {
    this.emit('hostResult', e);
  }
  itemResult(e: ItemResultEvent): void {
    this.emit('itemResult', e);
  }
  retry(e: RetryEvent): void {
    this.emit('retry', e);
  }
  playbookEnd(e: PlaybookEndEvent): void {
    this.emit('playbookEnd', e);
  }
}
