import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanLedger } from './span-ledger.js';

/** Traces with a failed export remembered for the run's ack; bounded, failures are rare. */
const FAILED_TRACES_KEPT = 10_000;

/**
 * Exactly once per destination: spans already in the destination's ledger (or on their way to
 * it right now) are not sent again, and a success is passed upstream only after the ledger has
 * the span ids on disk. With the durable exporter inside, "success" means the backend took the
 * batch or the disk queue holds it fsync'd: the queue owns it from then on.
 */
export class LedgerSpanExporter implements SpanExporter {
  /** Spans not sent because the destination already had them (a replay after a crash). */
  skipped = 0;
  private readonly inFlight = new Set<string>();
  private readonly exports = new Set<Promise<void>>();
  private readonly failedTraces = new Set<string>();

  constructor(
    private readonly inner: SpanExporter,
    /** Undefined: the ledger is off (--ledger-dir off); exports are still tracked for the ack. */
    private readonly ledger: SpanLedger | undefined,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const fresh: ReadableSpan[] = [];
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      const key = `${traceId}/${spanId}`;
      if (this.inFlight.has(key) || this.ledger?.has(traceId, spanId)) continue;
      this.inFlight.add(key); // also drops a second copy within this batch
      fresh.push(span);
    }
    this.skipped += spans.length - fresh.length;
    if (fresh.length === 0) return done({ code: ExportResultCode.SUCCESS });
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.exports.add(settled);
    this.inner.export(fresh, (result) => {
      let outcome = result;
      try {
        if (result.code === ExportResultCode.SUCCESS) this.record(fresh);
        else this.fail(fresh);
      } catch (error) {
        // Sent, but the ledger could not keep it: a crash now would send it again. Said upstream.
        this.fail(fresh);
        outcome = { code: ExportResultCode.FAILED, error: new Error(`span ledger ${this.ledger?.dir}: ${(error as Error).message}`) };
      }
      for (const span of fresh) this.inFlight.delete(`${span.spanContext().traceId}/${span.spanContext().spanId}`);
      this.exports.delete(settled);
      settle();
      done(outcome);
    });
  }

  get dir(): string | undefined {
    return this.ledger?.dir;
  }

  /** Resolves when every export under way now has settled (and is in the ledger, if it went out). */
  async idle(): Promise<void> {
    await Promise.all([...this.exports]);
  }

  /** False when an export of a span of any of these traces failed: the run is not safely out. */
  exportedWhole(traceIds: readonly string[]): boolean {
    return !traceIds.some((id) => this.failedTraces.has(id));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  private record(spans: ReadableSpan[]): void {
    const ledger = this.ledger;
    if (ledger) for (const [traceId, ids] of byTrace(spans)) ledger.record(traceId, ids);
  }

  private fail(spans: ReadableSpan[]): void {
    for (const traceId of byTrace(spans).keys()) {
      if (this.failedTraces.size >= FAILED_TRACES_KEPT) this.failedTraces.delete(this.failedTraces.values().next().value!);
      this.failedTraces.add(traceId);
    }
  }
}

function byTrace(spans: ReadableSpan[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const span of spans) {
    const { traceId, spanId } = span.spanContext();
    const ids = out.get(traceId);
    if (ids) ids.push(spanId);
    else out.set(traceId, [spanId]);
  }
  return out;
}
