import { SCOPE_NAME, SCOPE_OPTIONS } from './scope.js';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { Resource } from '@opentelemetry/resources';
import { ATTR, type HostSpanStatus } from '../model/attributes.js';
import type { HostResultEvent, ItemResultEvent, PlaybookEndEvent, PlaybookStartEvent, RetryEvent } from '../model/run-observer.js';
import type { Sink } from '../sinks/sink.js';
import { countsAsChanged, MetricsRecorder, TASK_DURATION, type RecorderOptions } from './metrics-recorder.js';
import { DurationHistogram, withHistogram } from './duration-histogram.js';
import { withinDeadline } from '../util/deadline.js';

const STATUSES: HostSpanStatus[] = ['ok', 'changed', 'failed', 'ignored', 'skipped', 'unreachable', 'rescued'];

/** Collects on demand only: the file is written when a playbook ends, not on a timer. */
class PullReader extends MetricReader {
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

interface RunTally {
  byStatus: Record<HostSpanStatus, number>;
  /** What the PLAY RECAP counts as changed (countsAsChanged). */
  changed: number;
  results: number;
  taskSeconds: number;
}

interface LastRun extends RunTally {
  durationSeconds: number;
  endSeconds: number;
  success: boolean;
  unreachableHosts: number;
  failedHosts: number;
}

/**
 * Playbooks whose last run the file shows: the ones that ended most recently. A bound for a
 * serve that sees ever new playbook names over months; the same as the SDK's default series
 * limit per instrument, past which the gauges would overflow anyway.
 */
export const LAST_RUNS_KEPT = 2_000;

const emptyTally = (): RunTally => ({
  byStatus: Object.fromEntries(STATUSES.map((s) => [s, 0])) as Record<HostSpanStatus, number>,
  changed: 0,
  results: 0,
  taskSeconds: 0,
});

/**
 * The node_exporter textfile: the last run of each playbook (the seed plugin's totals and
 * average) plus the recorder's counters and histograms, rewritten atomically (temp file in the
 * same directory, then rename) when a playbook ends. The text comes from the Prometheus
 * exporter's own serializer.
 */
export class PrometheusTextfile implements Sink {
  readonly name = 'prometheus textfile';
  readonly path: string;
  private readonly provider: MeterProvider;
  private readonly reader: PullReader;
  private readonly recorder: MetricsRecorder;
  /** Runs going on now (a lifetime that ends with the playbook). */
  private readonly open = new Map<string, RunTally>();
  /** The last run of each playbook, at most LAST_RUNS_KEPT. */
  private readonly last = new Map<string, LastRun>();
  private writing: Promise<void> = Promise.resolve();
  writes = 0;
  lastError: string | undefined;

  constructor(
    path: string,
    resource: Resource,
    o: RecorderOptions,
    private readonly onFirstFailure: (message: string) => void,
  ) {
    this.path = resolve(path);
    // explicit buckets, cumulative: what Prometheus text has
    const durations = new DurationHistogram(TASK_DURATION);
    this.reader = withHistogram(durations, (metricProducers) => new PullReader({ metricProducers }));
    this.provider = new MeterProvider({ resource, readers: [this.reader] });
    const meter = this.provider.getMeter(SCOPE_NAME, undefined, SCOPE_OPTIONS);
    this.recorder = new MetricsRecorder(meter, { ...o, durations });
    this.observeLastRuns(meter);
  }

  private observeLastRuns(meter: ReturnType<MeterProvider['getMeter']>): void {
    const gauge = (name: string, unit: string, description: string) => meter.createObservableGauge(name, { unit, description });
    const tasks = gauge('ansible.last_run.tasks', '{task}', 'Host results of the last run (task × host), all statuses');
    const byStatus = gauge('ansible.last_run.tasks.by_status', '{task}', 'Host results of the last run, by ansible.task.host.status');
    const changed = gauge('ansible.last_run.tasks.changed', '{task}', 'Host results of the last run that the PLAY RECAP counts as changed');
    const unreachable = gauge('ansible.last_run.hosts.unreachable', '{host}', 'Hosts unreachable in the last run');
    const failed = gauge('ansible.last_run.hosts.failed', '{host}', 'Hosts with a failed task in the last run');
    const duration = gauge('ansible.last_run.duration', 's', 'Duration of the last run');
    const average = gauge('ansible.last_run.task.duration.average', 's', 'Average task duration on one host in the last run');
    const timestamp = gauge('ansible.last_run.timestamp', 's', 'End of the last run, seconds since the epoch (from the shim)');
    const success = gauge('ansible.last_run.success', '1', '1 when the last run succeeded, else 0');
    meter.addBatchObservableCallback(
      (r) => {
        for (const [playbook, run] of this.last) {
          const attrs: Attributes = { [ATTR.PLAYBOOK_NAME]: playbook };
          r.observe(tasks, run.results, attrs);
          for (const s of STATUSES) r.observe(byStatus, run.byStatus[s], { ...attrs, [ATTR.TASK_HOST_STATUS]: s });
          r.observe(changed, run.changed, attrs);
          r.observe(unreachable, run.unreachableHosts, attrs);
          r.observe(failed, run.failedHosts, attrs);
          r.observe(duration, run.durationSeconds, attrs);
          r.observe(average, run.results ? run.taskSeconds / run.results : 0, attrs);
          r.observe(timestamp, run.endSeconds, attrs);
          r.observe(success, run.success ? 1 : 0, attrs);
        }
      },
      [tasks, byStatus, changed, unreachable, failed, duration, average, timestamp, success],
    );
  }

  private key(e: { runId: string; playbook: string }): string {
    return `${e.runId}\u0000${e.playbook}`;
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.open.set(this.key(e), emptyTally());
    this.recorder.playbookStart(e);
  }

  hostResult(e: HostResultEvent): void {
    const t = this.open.get(this.key(e));
    if (t) {
      t.byStatus[e.status] += 1;
      if (countsAsChanged(e)) t.changed += 1;
      t.results += 1;
      t.taskSeconds += Math.max(0, e.endNs - e.startNs) / 1e9;
    }
    this.recorder.hostResult(e);
  }

  itemResult(e: ItemResultEvent): void {
    this.recorder.itemResult(e);
  }
  retry(e: RetryEvent): void {
    this.recorder.retry(e);
  }

  playbookEnd(e: PlaybookEndEvent): void {
    this.recorder.playbookEnd(e);
    const tally = this.open.get(this.key(e)) ?? emptyTally();
    this.open.delete(this.key(e));
    this.last.delete(e.playbook); // set again below: Map order is the order of their last runs
    if (this.last.size >= LAST_RUNS_KEPT) this.last.delete(this.last.keys().next().value!);
    this.last.set(e.playbook, {
      ...tally,
      durationSeconds: Math.max(0, e.endNs - e.startNs) / 1e9,
      endSeconds: e.endNs / 1e9,
      success: e.result === 'success',
      unreachableHosts: e.unreachableHosts.length,
      failedHosts: e.failedHosts.length,
    });
    this.writing = this.writing.then(() => this.write());
  }

  /** The text node_exporter reads: no timestamps, no scope or target_info noise. */
  async text(): Promise<string> {
    const { resourceMetrics } = await this.reader.collect();
    return new PrometheusSerializer(undefined, false, undefined, true, true).serialize(resourceMetrics);
  }

  private async write(): Promise<void> {
    // Same directory, so the rename is atomic: node_exporter never reads half a file.
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${process.pid}.tmp`);
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(tmp, await this.text(), { mode: 0o644 });
      await rename(tmp, this.path);
      this.writes += 1;
    } catch (error) {
      if (!this.lastError) this.onFirstFailure(`${this.path}: ${(error as Error).message}`);
      this.lastError = (error as Error).message;
      await rm(tmp, { force: true });
    }
  }

  /** The last rewrite within the deadline; the in-memory provider stops at once (it exports nowhere). */
  async shutdown(deadlineMs: number): Promise<void> {
    const written = await withinDeadline(this.writing, deadlineMs);
    await this.provider.shutdown();
    if (!written) throw new Error(`writing ${this.path} did not finish within ${deadlineMs / 1000} s`);
  }
}
