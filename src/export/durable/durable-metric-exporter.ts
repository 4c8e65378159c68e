import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { AggregationSelector, AggregationTemporalitySelector, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ExportResult } from '@opentelemetry/core';
import type { Logger } from '../../util/log.js';
import type { OtlpProtocol } from '../otel-env.js';
import { DurableOtlpExporter } from './durable-otlp-exporter.js';
import { openSignalQueue } from './signal-queue.js';

function dataPoints(m: ResourceMetrics): number {
  return m.scopeMetrics.reduce((n, s) => n + s.metrics.reduce((k, metric) => k + metric.dataPoints.length, 0), 0);
}

/** The metrics side of the same disk-queue mechanism the traces use. */
export class DurableMetricExporter implements PushMetricExporter {
  constructor(
    private readonly durable: DurableOtlpExporter<ResourceMetrics>,
    private readonly temporality: AggregationTemporalitySelector,
    private readonly aggregation: AggregationSelector,
  ) {}

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    this.durable.export(metrics, done);
  }

  selectAggregationTemporality(type: InstrumentType): ReturnType<AggregationTemporalitySelector> {
    return this.temporality(type);
  }

  selectAggregation(type: InstrumentType): ReturnType<AggregationSelector> {
    return this.aggregation(type);
  }

  forceFlush(): Promise<void> {
    return this.durable.forceFlush();
  }

  /** The deadline came: what is still on its way waits on disk for the next sidecar. */
  spill(): void {
    this.durable.spill();
  }

  async shutdown(): Promise<void> {
    this.durable.spill();
    await this.durable.shutdown();
  }
}

export function durableMetricExporter(o: {
  url: string;
  protocol: OtlpProtocol;
  queueRoot: string;
  log: Logger;
  temporality: AggregationTemporalitySelector;
  aggregation: AggregationSelector;
}): DurableMetricExporter {
  const { queue, serializer, sender, onProblem } = openSignalQueue({
    ...o,
    signal: 'metrics',
    serializers: { json: JsonMetricsSerializer, protobuf: ProtobufMetricsSerializer },
  });
  const durable = new DurableOtlpExporter<ResourceMetrics>(serializer, sender, queue, onProblem, dataPoints);
  return new DurableMetricExporter(durable, o.temporality, o.aggregation);
}
