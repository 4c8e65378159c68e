import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonLogsSerializer, JsonTraceSerializer, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { JsonLinesFile } from '../util/json-lines-file.js';

/**
 * Appends each batch as one OTLP/JSON Export*ServiceRequest per line: the layout of the
 * OpenTelemetry Collector's file exporter, so the file can be replayed into any collector.
 */
export class OtlpJsonFileExporter<T> {
  private readonly file: JsonLinesFile;

  constructor(
    readonly path: string,
    private readonly serializer: ISerializer<T[], unknown>,
  ) {
    this.file = new JsonLinesFile(path);
  }

  export(items: T[], done: (result: ExportResult) => void): void {
    void this.file
      .append(this.serializer.serializeRequest(items) ?? '')
      .then((error) => done(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS }));
  }

  forceFlush(): Promise<void> {
    return this.file.flush();
  }

  async shutdown(): Promise<void> {
    await this.file.close();
  }
}

export class OtlpJsonFileSpanExporter extends OtlpJsonFileExporter<ReadableSpan> {
  constructor(path: string) {
    super(path, JsonTraceSerializer);
  }
}

export class OtlpJsonFileLogExporter extends OtlpJsonFileExporter<ReadableLogRecord> {
  constructor(path: string) {
    super(path, JsonLogsSerializer);
  }
}
