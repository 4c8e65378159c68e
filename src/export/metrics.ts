import { SCOPE_NAME, SCOPE_OPTIONS } from './scope.js';
import type { MeterProvider } from '@opentelemetry/api';
import type { IMetricReader } from '@opentelemetry/sdk-metrics';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import { withinDeadline } from '../util/deadline.js';
import { chooseMetricReaders, explicitHistograms, type MetricReaderChoice } from './metric-exporters.js';
import { MetricsRecorder, TASK_DURATION } from './metrics-recorder.js';
import { DurationHistogram } from './duration-histogram.js';
import { PrometheusTextfile } from './prometheus-textfile.js';
import type { Resource } from '@opentelemetry/resources';
import type { OtelEnv } from './otel-env.js';
import { observeSelf, type SelfState } from './self-metrics.js';
import type { Component } from '../util/lifecycle.js';
import { MetricAcks } from './metric-acks.js';
import { outputName } from './ledger/output-marks.js';

export interface MetricOutputOptions {
  /** The OTEL_* configuration (from the composition root). */
  otel: OtelEnv;
  log: Logger;
  prometheusPort?: number | undefined;
  prometheusHost?: string | undefined;
  prometheusToken?: string | undefined;
  /** Disk queue root shared with traces (--queue-dir). */
  queueDir?: string | undefined;
  /** --prometheus-textfile: another output, so no default file. */
  textfile?: string | undefined;
  defaultMetricsFile: string;
}

/** The metrics' export side, built before NodeSDK: the readers OTEL_* and the options ask for. */
export class MetricOutput {
  readonly choices: MetricReaderChoice[];
  /** Acknowledged push exports: what the recorder's output marks wait on. */
  readonly acks = new MetricAcks();
  /** The task durations the recorder aggregates and every reader reports (none: the SDK instrument). */
  readonly durations: DurationHistogram | undefined;

  constructor(o: MetricOutputOptions) {
    this.durations = explicitHistograms(o.otel) ? new DurationHistogram(TASK_DURATION) : undefined;
    this.choices = chooseMetricReaders({
      otel: o.otel,
      log: o.log,
      prometheusPort: o.prometheusPort,
      prometheusHost: o.prometheusHost,
      prometheusToken: o.prometheusToken,
      queueDir: o.queueDir,
      defaultMetricsFile: o.defaultMetricsFile,
      otherOutput: o.textfile !== undefined,
      acks: this.acks,
      durations: this.durations,
    });
  }

  /** The readers NodeSDK puts in the meter provider (none: no provider). */
  get readers(): IMetricReader[] {
    return this.choices.map((r) => r.reader);
  }
}

export interface MetricsOptions {
  /** The resource every signal shares (from the composition root). */
  resource: Resource;
  log: Logger;
  /** --metrics-host-attribute / ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE=true: one series per host. */
  hostAttribute: boolean;
  /** --prometheus-textfile / ANSIBLE_OTEL_PROMETHEUS_TEXTFILE. */
  textfile?: string | undefined;
  /** The sidecar's own counters, read at collection time. */
  self: () => Omit<SelfState, 'metricExportsFailed'>;
}

export interface MetricsReport {
  targets: string[];
  /** Push exports that failed, over every exporter. */
  failed: number;
  lastError?: string | undefined;
  /** Whether the last push finished within the deadline. */
  flushed: boolean;
}

/**
 * The metrics side of the sidecar: the recorder fed by the run model and the self-metrics on
 * NodeSDK's meter provider (over the output's readers), the textfile; start and
 * shutdown-with-deadline (which waits for the final push).
 */
export class Metrics implements Component<MetricsReport> {
  readonly name = 'metrics';
  readonly sinks: Sink[] = [];
  private readonly readers: MetricReaderChoice[];
  private readonly textfile: PrometheusTextfile | undefined;
  private readonly resource: Resource;
  /** Whether the shutdown's final push finished within its deadline (false until it did). */
  private flushed = false;

  /** `provider`: NodeSDK's, over `output.readers`; none when there is no reader. */
  constructor(
    readonly output: MetricOutput,
    provider: MeterProvider | undefined,
    o: MetricsOptions,
  ) {
    const resource = o.resource;
    this.resource = resource;
    this.readers = output.choices;
    if (provider) {
      const meter = provider.getMeter(SCOPE_NAME, undefined, SCOPE_OPTIONS);
      // First, before the textfile: the sinks see each event in this order, as before.
      // Marked per set of push destinations: an import to another backend counts the run there.
      const pushed = this.readers.filter((r) => r.counting).map((r) => r.target);
      this.sinks.push(
        new MetricsRecorder(meter, {
          hostAttribute: o.hostAttribute,
          taken: (since) => output.acks.taken(since),
          mark: outputName('metrics', pushed.sort().join('\n')),
          durations: output.durations,
        }),
      );
      observeSelf(meter, () => ({ ...o.self(), metricExportsFailed: this.failed() }));
    }
    if (o.textfile) {
      this.textfile = new PrometheusTextfile(o.textfile, resource, { hostAttribute: o.hostAttribute }, (m) =>
        o.log.warn(`writing the Prometheus textfile failed: ${m}`),
      );
      this.sinks.push(this.textfile);
    }
  }

  get targets(): string[] {
    return [...this.readers.map((r) => r.target), ...(this.textfile ? [`${this.textfile.path} (Prometheus textfile)`] : [])];
  }

  private failed(): number {
    return this.readers.reduce((n, r) => n + (r.counting?.failed ?? 0), 0);
  }

  /** Starts the scrape endpoints; a port already taken fails the start with the address. */
  async start(): Promise<void> {
    await this.resource.waitForAsyncAttributes?.();
    for (const r of this.readers) {
      if (!r.prometheus) continue;
      try {
        await r.prometheus.start();
        r.target = r.prometheus.target;
      } catch (error) {
        throw new Error(`Prometheus endpoint ${r.target}: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Waits within the deadline for the final push, which NodeSDK's shutdown of the meter provider
   * (begun by the root) makes, then stops the endpoints; the textfile is a sink, shut down with the sinks.
   */
  async shutdown(deadlineMs: number): Promise<MetricsReport> {
    this.flushed = await withinDeadline(Promise.all(this.readers.map((r) => r.counting?.closed)), deadlineMs);
    for (const r of this.readers) r.durable?.spill();
    await Promise.all(this.readers.map((r) => r.prometheus?.shutdown(deadlineMs)));
    return this.report();
  }

  /** What the pushes did so far (after shutdown: whether the last one made it). */
  report(): MetricsReport {
    const lastError = this.readers.map((r) => r.counting?.lastError).find(Boolean);
    return { targets: this.targets, failed: this.failed(), lastError, flushed: this.flushed };
  }
}
