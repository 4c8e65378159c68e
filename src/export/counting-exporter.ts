import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportTally } from './export-tally.js';

/** Counts what an exporter really delivered, so dropped spans are reported, never silent. */
export class CountingSpanExporter extends ExportTally implements SpanExporter {
  constructor(
    readonly inner: SpanExporter,
    target: string,
    onFirstFailure: (target: string, message: string) => void,
  ) {
    super(target, onFirstFailure);
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      this.tally(result, spans.length);
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
