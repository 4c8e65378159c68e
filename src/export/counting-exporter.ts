import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ExportTally } from './export-tally.js';

/** Counts what an exporter really delivered, so dropped spans are reported, never silent. */
export class CountingSpanExporter extends ExportTally implements SpanExporter {
  /** Spans handed to `export` (settled or still in flight). */
  handed = 0;

  constructor(
    readonly inner: SpanExporter,
    target: string,
    onFirstFailure: (target: string, message: string) => void,
  ) {
    super(target, onFirstFailure);
  }

  /** Spans whose export finished, delivered or failed. */
  get settled(): number {
    return this.exported + this.failed;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const n = spans.length; // not the spans: they can go once taken (batch-handoff.ts)
    this.handed += n;
    this.inner.export(spans, (result) => {
      this.tally(result, n);
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
