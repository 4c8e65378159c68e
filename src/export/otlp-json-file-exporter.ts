import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { JsonLinesAppender } from './jsonl-appender.js';

/**
 * Appends each batch as one OTLP/JSON ExportTraceServiceRequest per line: the layout of the
 * OpenTelemetry Collector's file exporter, so the file can be replayed into any collector.
 */
export class OtlpJsonFileSpanExporter implements SpanExporter {
  private readonly file: JsonLinesAppender;

  constructor(readonly path: string) {
    this.file = new JsonLinesAppender(path);
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    void this.file.append(JsonTraceSerializer.serializeRequest(spans)).then((error) =>
      done(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS }),
    );
  }

  forceFlush(): Promise<void> {
    return this.file.flush();
  }

  shutdown(): Promise<void> {
    return this.file.close();
  }
}
