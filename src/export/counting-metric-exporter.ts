import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  AggregationTemporality,
  AggregationType,
  type AggregationSelector,
  type InstrumentType,
  type PushMetricExporter,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import { ExportTally } from './export-tally.js';
import type { MetricAcks } from './metric-acks.js';

/** Counts failed metric exports and says the first one, so a dead collector is never silent. */
export class CountingMetricExporter extends ExportTally implements PushMetricExporter {
  private whenClosed: () => void = () => {};
  /**
   * Resolves once the reader shut this exporter down, which it does after its final export
   * (PeriodicExportingMetricReader.onShutdown): how the metrics know their last push is out
   * while NodeSDK shuts the reader down (a reader shuts down only once).
   */
  readonly closed = new Promise<void>((resolve) => (this.whenClosed = resolve));

  constructor(
    readonly inner: PushMetricExporter,
    target: string,
    onFirstFailure: (target: string, message: string) => void,
    /** For exporters that take no aggregation option (console). */
    private readonly aggregation?: AggregationSelector,
    /** Told of every acknowledged export (the output marks wait on it). */
    private readonly acks?: MetricAcks,
  ) {
    super(target, onFirstFailure);
    acks?.register(this);
  }

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    this.inner.export(metrics, (result) => {
      // A failure is counted and said once by the tally; the reader would only log each one again.
      this.tally(result, 1);
      if (result.code === ExportResultCode.SUCCESS) this.acks?.exported(this, metrics);
      else this.acks?.failed(this, metrics);
      done({ code: ExportResultCode.SUCCESS });
    });
  }

  selectAggregationTemporality(type: InstrumentType) {
    return this.inner.selectAggregationTemporality?.(type) ?? AggregationTemporality.CUMULATIVE;
  }

  selectAggregation(type: InstrumentType) {
    return this.aggregation?.(type) ?? this.inner.selectAggregation?.(type) ?? { type: AggregationType.DEFAULT };
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown().finally(() => this.whenClosed());
  }
}
