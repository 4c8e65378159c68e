import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** Counts what an exporter really delivered, so dropped spans are reported, never silent. */
export class CountingSpanExporter implements SpanExporter {
  exported = 0;
  failed = 0;
  lastError: string | undefined;

  constructor(
    readonly inner: SpanExporter,
    readonly target: string,
    private readonly onFirstFailure: (target: string, message: string) => void,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.exported += spans.length;
      else {
        if (this.failed === 0) this.onFirstFailure(this.target, result.error?.message ?? 'export failed');
        this.failed += spans.length;
        this.lastError = result.error?.message;
      }
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
