import { mkdirSync, openSync, write, closeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/**
 * Appends each batch as one OTLP/JSON ExportTraceServiceRequest per line: the layout of the
 * OpenTelemetry Collector's file exporter, so the file can be replayed into any collector.
 */
export class OtlpJsonFileSpanExporter implements SpanExporter {
  private fd: number | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const line = Buffer.concat([Buffer.from(JsonTraceSerializer.serializeRequest(spans) ?? new Uint8Array()), Buffer.from('\n')]);
    this.pending = this.pending.then(() =>
      new Promise<void>((resolve) => {
        try {
          this.fd ??= this.open();
        } catch (error) {
          done({ code: ExportResultCode.FAILED, error: error as Error });
          return resolve();
        }
        write(this.fd, line, (error) => {
          done(error ? { code: ExportResultCode.FAILED, error } : { code: ExportResultCode.SUCCESS });
          resolve();
        });
      }),
    );
  }

  private open(): number {
    mkdirSync(dirname(this.path), { recursive: true });
    return openSync(this.path, 'a', 0o600);
  }

  async forceFlush(): Promise<void> {
    await this.pending;
  }

  async shutdown(): Promise<void> {
    await this.pending;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
