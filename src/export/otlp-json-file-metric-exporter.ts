import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonMetricsSerializer } from '@opentelemetry/otlp-transformer';
import type { AggregationSelector, AggregationTemporalitySelector, InstrumentType, PushMetricExporter, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { JsonLinesFile } from '../util/json-lines-file.js';

/**
 * Appends each collection as one OTLP/JSON ExportMetricsServiceRequest per line (the Collector's
 * file exporter layout), encoded by the library's serializer — the same bytes OTLP/HTTP sends.
 */
export class OtlpJsonFileMetricExporter implements PushMetricExporter {
  private readonly file: JsonLinesFile;

  constructor(
    readonly path: string,
    private readonly temporality: AggregationTemporalitySelector,
    private readonly aggregation: AggregationSelector,
  ) {
    this.file = new JsonLinesFile(path);
  }

  export(metrics: ResourceMetrics, done: (result: ExportResult) => void): void {
    void this.file
      .append(JsonMetricsSerializer.serializeRequest(metrics) ?? '')
      .then((error) => done(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS }));
  }

  selectAggregationTemporality(type: InstrumentType) {
    return this.temporality(type);
  }

  selectAggregation(type: InstrumentType) {
    return this.aggregation(type);
  }

  forceFlush(): Promise<void> {
    return this.file.flush();
  }

  async shutdown(): Promise<void> {
    await this.file.close();
  }
}
