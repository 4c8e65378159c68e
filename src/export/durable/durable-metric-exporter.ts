import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { AggregationSelector, AggregationTemporalitySelector, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { ExportResult } from '@opentelemetry/core';
import { stripUrlCredentials } from '../../util/redact.js';
import type { Logger } from '../../util/log.js';
import { DiskQueue } from './disk-queue.js';
import { DurableOtlpExporter } from './durable-span-exporter.js';
import { OtlpByteSender } from './otlp-byte-sender.js';
import { DEFAULT_QUEUE_MAX_BYTES } from './durable-trace-exporter.js';

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

export function durableMetricExporter(o: { url: string; protocol: 'http/json' | 'http/protobuf'; queueRoot: string; log: Logger; temporality: AggregationTemporalitySelector; aggregation: AggregationSelector }): DurableMetricExporter {
  const json = o.protocol === 'http/json';
  const id = createHash('sha256').update(`${o.protocol} ${o.url}`).digest('hex').slice(0, 12);
  const queue = new DiskQueue(join(o.queueRoot, `metrics-${id}`), DEFAULT_QUEUE_MAX_BYTES);
  const serializer = json ? JsonMetricsSerializer : ProtobufMetricsSerializer;
  const sender = new OtlpByteSender('METRICS', 'v1/metrics', json ? 'application/json' : 'application/x-protobuf', serializer);
  const durable = new DurableOtlpExporter<ResourceMetrics>(serializer, sender, queue, (message) => o.log.once(`durable:${queue.dir}`, `exporting metrics to ${stripUrlCredentials(o.url)}: ${message}`), dataPoints);
  return new DurableMetricExporter(durable, o.temporality, o.aggregation);
}
