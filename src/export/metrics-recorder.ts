import { ValueType, type Attributes, type Counter, type Histogram, type Meter, type UpDownCounter } from '@opentelemetry/api';
import {
  METRIC_CICD_PIPELINE_RUN_ACTIVE,
  METRIC_CICD_PIPELINE_RUN_DURATION,
  METRIC_CICD_PIPELINE_RUN_ERRORS,
} from '@opentelemetry/semantic-conventions/incubating';
import { ATTR, ERROR_OTHER, RESULT, RUN_STATE_EXECUTING } from '../model/attributes.js';
import type { HostResultEvent, ItemResultEvent, PlaybookEndEvent, PlaybookStartEvent, RetryEvent } from '../model/run-observer.js';
import type { Sink } from '../sinks/sink.js';
import { beforeEachCollection, SummedCounter } from './summed-counter.js';
import type { DurationHistogram, DurationSeries, HistogramDescriptor } from './duration-histogram.js';

/** Instrument names (docs/metrics.md lists each with its unit, attributes and a PromQL query). */
export const METRIC = {
  TASK_DURATION: 'ansible.task.duration',
  HOST_RESULTS: 'ansible.task.host.results',
  ITEMS: 'ansible.task.items',
  RETRIES: 'ansible.task.retries',
  PLAYBOOK_DURATION: 'ansible.playbook.duration',
  PLAYBOOK_RUNS: 'ansible.playbook.runs',
  CICD_RUN_DURATION: METRIC_CICD_PIPELINE_RUN_DURATION,
  CICD_RUN_ACTIVE: METRIC_CICD_PIPELINE_RUN_ACTIVE,
  CICD_RUN_ERRORS: METRIC_CICD_PIPELINE_RUN_ERRORS,
  RUN_FORK_WAIT: 'ansible.run.fork_wait',
  RUN_CONTROLLER: 'ansible.run.controller',
} as const;

/** Seconds, not the SDK's millisecond defaults: a task takes from tens of ms to an hour. */
export const TASK_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];
/** The task duration histogram, recorded per host result: by the SDK instrument or by a DurationHistogram. */
export const TASK_DURATION: HistogramDescriptor = {
  name: METRIC.TASK_DURATION,
  unit: 's',
  description: 'Duration of a task on one host, runner start to result',
  boundaries: TASK_BUCKETS,
};
/** A playbook takes from seconds to hours. */
export const PLAYBOOK_BUCKETS = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14400];
/** A critical path's fork wait or controller time: from nothing to most of a long playbook. */
export const PATH_BUCKETS = [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];

export interface RecorderOptions {
  /** Add ansible.task.host.name to per-host instruments: one series per host, so opt-in only. */
  hostAttribute: boolean;
  /**
   * Resolves once what was recorded so far is in an acknowledged export (metric-acks.ts): then
   * the recorder is an output the output marks keep a replay's results from counting twice.
   */
  taken?: (since: number) => Promise<void>;
  /** Its name in the output marks (default `metrics`): which destinations took what is marked. */
  mark?: string;
  /**
   * Where task durations go when the readers have its producer (duration-histogram.ts): no
   * attribute hashing per result. Without it, the SDK instrument (e.g. for exponential histograms).
   */
  durations?: DurationHistogram | undefined;
}

/** The attribute objects of one (status, playbook, play, module, host) series, built once per collection interval. */
interface HostSeries {
  key: string;
  duration: Attributes;
  /** Its series in `durations`, looked up at the first host result. */
  durations?: DurationSeries;
  /** host.results' attributes, by ansible.task.changed: [false, true]. */
  results: [Attributes | undefined, Attributes | undefined];
  items?: Attributes;
}

const seconds = (startNs: number, endNs: number): number => Math.max(0, endNs - startNs) / 1e9;

/** error.type of a run that did not succeed: a small fixed set, never free text. */
function errorType(e: PlaybookEndEvent): string {
  if (e.errorType) return e.errorType;
  if (e.interrupted) return 'interrupted';
  if (e.failedHosts.length) return 'failed';
  if (e.unreachableHosts.length) return 'unreachable';
  return ERROR_OTHER;
}

/**
 * Whether ansible's PLAY RECAP counts this result in `changed`: a changed ok result, and an ignored
 * failure that changed (counted as both ignored and changed). A failed, rescued or unreachable
 * result is never counted changed by ansible, whatever its `changed` says (strategy/__init__.py,
 * `_process_pending_results`, 2.14 to 2.19).
 */
export function countsAsChanged(e: Pick<HostResultEvent, 'status' | 'changed'>): boolean {
  return e.status === 'changed' || (e.status === 'ignored' && e.changed);
}

/** Attribute sets the recorder caches between collections, at most: twice the SDK's cardinality limit per instrument (2,000). */
export const SERIES_KEPT = 4_096;

/**
 * Records the OTel instruments from the run model's lifecycle events. Durations come from the
 * shim's timestamps (never this process's clock); attributes are bounded (module, status,
 * playbook, play) — no run ids, no messages, hosts only when the user asked.
 */
export class MetricsRecorder implements Sink {
  readonly name = 'metrics';
  /** Its name in the output marks, when it can tell what is taken (`taken`). */
  readonly mark: string | undefined;
  /** Undefined when `durations` records them. */
  private readonly taskDuration: Histogram | undefined;
  private readonly hostResults: SummedCounter;
  private readonly items: SummedCounter;
  private readonly retries: Counter;
  private readonly playbookDuration: Histogram;
  private readonly playbookRuns: Counter;
  private readonly cicdDuration: Histogram;
  private readonly cicdActive: UpDownCounter;
  private readonly cicdErrors: Counter;
  private readonly forkWait: Histogram;
  private readonly controller: Histogram;
  /**
   * Cleared at each collection, so it holds at most the series of one interval; and at
   * SERIES_KEPT, after the sums go to the SDK, for a reader nobody collects (a scrape endpoint
   * never scraped): a serve that runs for months keeps it bounded either way (#23).
   */
  private readonly series = new Map<string, HostSeries>();

  constructor(
    meter: Meter,
    private readonly o: RecorderOptions,
  ) {
    this.mark = o.taken ? (o.mark ?? 'metrics') : undefined;
    // Counts of whole things are integers (semconv's metric_value_type int for the CI/CD ones).
    const int = { valueType: ValueType.INT };
    const playbookAdvice = { advice: { explicitBucketBoundaries: PLAYBOOK_BUCKETS } };
    const { name, unit, description, boundaries } = TASK_DURATION;
    if (!o.durations) this.taskDuration = meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: boundaries } });
    this.hostResults = new SummedCounter(
      meter.createCounter(METRIC.HOST_RESULTS, { unit: '{result}', description: 'Host results of tasks, by status', ...int }),
    );
    this.items = new SummedCounter(meter.createCounter(METRIC.ITEMS, { unit: '{item}', description: 'Loop item results, by status', ...int }));
    this.retries = meter.createCounter(METRIC.RETRIES, { unit: '{retry}', description: 'Retries of until/retries tasks', ...int });
    this.playbookDuration = meter.createHistogram(METRIC.PLAYBOOK_DURATION, { unit: 's', description: 'Duration of a playbook run', ...playbookAdvice });
    this.playbookRuns = meter.createCounter(METRIC.PLAYBOOK_RUNS, { unit: '{run}', description: 'Playbook runs ended, by result', ...int });
    this.cicdDuration = meter.createHistogram(METRIC.CICD_RUN_DURATION, {
      unit: 's',
      description: 'Duration of a pipeline run (OTel CI/CD semantic conventions)',
      ...playbookAdvice,
    });
    this.cicdActive = meter.createUpDownCounter(METRIC.CICD_RUN_ACTIVE, { unit: '{run}', description: 'Pipeline runs executing now', ...int });
    this.cicdErrors = meter.createCounter(METRIC.CICD_RUN_ERRORS, {
      unit: '{error}',
      description: 'Pipeline runs that ended in failure or error, by error.type',
      ...int,
    });
    const pathAdvice = { advice: { explicitBucketBoundaries: PATH_BUCKETS } };
    this.forkWait = meter.createHistogram(METRIC.RUN_FORK_WAIT, {
      unit: 's',
      description: "Time the playbook's critical path waited for a free fork",
      ...pathAdvice,
    });
    this.controller = meter.createHistogram(METRIC.RUN_CONTROLLER, {
      unit: 's',
      description: "The controller's own time on the playbook's critical path (between tasks, dispatching hosts)",
      ...pathAdvice,
    });
    beforeEachCollection(meter, () => this.letGoOfSeries());
  }

  taken(since: number): Promise<void> {
    return this.o.taken?.(since) ?? Promise.resolve();
  }

  private host(host: string): Attributes {
    return this.o.hostAttribute ? { [ATTR.TASK_HOST_NAME]: host } : {};
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.cicdActive.add(1, { [ATTR.CICD_PIPELINE_NAME]: e.playbook, [ATTR.CICD_PIPELINE_RUN_STATE]: RUN_STATE_EXECUTING });
    // Create the success and failure series at 0 now, so increase() sees the first failure.
    for (const result of [RESULT.SUCCESS, RESULT.FAILURE]) this.playbookRuns.add(0, { [ATTR.PLAYBOOK_NAME]: e.playbook, [ATTR.CICD_PIPELINE_RESULT]: result });
  }

  /** Per result, the same attribute objects as long as nothing collected: no spread, no new keys to hash. */
  private hostSeries(e: HostResultEvent | ItemResultEvent): HostSeries {
    const key = `${e.status}\0${e.playbook}\0${e.play}\0${e.module ?? ''}\0${this.o.hostAttribute ? e.host : ''}`;
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= SERIES_KEPT) this.letGoOfSeries();
      const duration: Attributes = {
        [ATTR.TASK_HOST_STATUS]: e.status,
        [ATTR.PLAYBOOK_NAME]: e.playbook,
        [ATTR.PLAY_NAME]: e.play,
        ...(e.module ? { [ATTR.TASK_MODULE]: e.module } : {}),
        ...this.host(e.host),
      };
      s = { key, duration, results: [undefined, undefined] };
      this.series.set(key, s);
    }
    return s;
  }

  /** Attribute sets cached now (at most SERIES_KEPT). */
  get cachedSeries(): number {
    return this.series.size;
  }

  /**
   * The sums so far go to the SDK (bounded by its cardinality limit), and the cache starts over.
   * The task durations' series stay in `durations` (cumulative points keep their start time).
   */
  private letGoOfSeries(): void {
    this.hostResults.flush();
    this.items.flush();
    this.series.clear();
  }

  hostResult(e: HostResultEvent): void {
    const s = this.hostSeries(e);
    const taken = seconds(e.startNs, e.endNs);
    if (this.o.durations) (s.durations ??= this.o.durations.seriesOf(s.key, () => s.duration)).record(taken);
    else this.taskDuration?.record(taken, s.duration);
    // changed only on the counter: its sum over "true" is the PLAY RECAP's changed column
    const changed = countsAsChanged(e);
    const i = changed ? 1 : 0;
    this.hostResults.inc((s.results[i] ??= { ...s.duration, [ATTR.TASK_CHANGED]: changed }));
  }

  itemResult(e: ItemResultEvent): void {
    const s = this.hostSeries(e);
    this.items.inc((s.items ??= { [ATTR.TASK_HOST_STATUS]: e.status, [ATTR.PLAYBOOK_NAME]: e.playbook, [ATTR.PLAY_NAME]: e.play, ...this.host(e.host) }));
  }

  retry(e: RetryEvent): void {
    this.retries.add(1, { [ATTR.PLAYBOOK_NAME]: e.playbook, ...this.host(e.host) });
  }

  playbookEnd(e: PlaybookEndEvent): void {
    const duration = seconds(e.startNs, e.endNs);
    this.playbookDuration.record(duration, { [ATTR.PLAYBOOK_NAME]: e.playbook, [ATTR.CICD_PIPELINE_RESULT]: e.result });
    this.playbookRuns.add(1, { [ATTR.PLAYBOOK_NAME]: e.playbook, [ATTR.CICD_PIPELINE_RESULT]: e.result });
    const failed = e.result === RESULT.FAILURE || e.result === RESULT.ERROR;
    const cicd: Attributes = {
      [ATTR.CICD_PIPELINE_NAME]: e.playbook,
      [ATTR.CICD_PIPELINE_RESULT]: e.result,
      [ATTR.CICD_PIPELINE_RUN_STATE]: RUN_STATE_EXECUTING,
    };
    if (failed) cicd[ATTR.ERROR_TYPE] = errorType(e);
    this.cicdDuration.record(duration, cicd);
    this.cicdActive.add(-1, { [ATTR.CICD_PIPELINE_NAME]: e.playbook, [ATTR.CICD_PIPELINE_RUN_STATE]: RUN_STATE_EXECUTING });
    if (failed) this.cicdErrors.add(1, { [ATTR.CICD_PIPELINE_NAME]: e.playbook, [ATTR.ERROR_TYPE]: errorType(e) });
    if (e.analysis) {
      const path = { [ATTR.PLAYBOOK_NAME]: e.playbook, [ATTR.CICD_PIPELINE_RESULT]: e.result };
      this.forkWait.record(e.analysis.forkWaitNs / 1e9, path);
      this.controller.record(e.analysis.controllerNs / 1e9, path);
    }
  }
}
