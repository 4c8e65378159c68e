import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ItemExporter } from './ledger/ledger-exporter.js';

/** Batches handed off before the backend answered, at most: 16 × 512 items, their bytes a few MB. */
export const MAX_HANDED_OFF = 16;

const TAKEN: ExportResult = { code: ExportResultCode.SUCCESS };

/**
 * Between a batch processor and the exporters under it (counting, ledger, OTLP): the processor
 * hears "done" once they have taken the batch, not once the backend answered. The SDK's batch
 * processors export one batch at a time and keep its items until "done"; serve fills a batch
 * faster than a request's round trip, so spans and log records waited out round trips in a
 * growing queue, lived long enough to reach V8's old generation, and made most of serve's peak
 * heap (bench/analysis.md, issue 31).
 *
 * "Taken" is when `export` returns: everything under it is synchronous up to the encoding (the
 * counting and ledger exporters, the durable exporter's and the SDK's serializers, the file
 * exporter), so from then on the batch is bytes, and its items can go. What the backend answers
 * still reaches the counting exporter (the summary) and the ledger (exactly once; a run's ack
 * waits for the ledger, not for this answer); a batch that fails is reported there, once, as
 * before. At most MAX_HANDED_OFF batches are unanswered this way: past that the processor waits
 * for the answer as before, its queue fills, and serve stops reading (backpressure).
 */
export class BatchHandoff<T> implements ItemExporter<T> {
  private readonly unanswered = new Set<Promise<void>>();

  constructor(
    private readonly inner: ItemExporter<T>,
    private readonly maxHandedOff = MAX_HANDED_OFF,
  ) {}

  export(items: T[], done: (result: ExportResult) => void): void {
    let tell: ((result: ExportResult) => void) | undefined = done;
    const once = (result: ExportResult): void => {
      const t = tell;
      tell = undefined;
      t?.(result);
    };
    let answered!: () => void;
    const answer = new Promise<void>((resolve) => (answered = resolve));
    const early = this.unanswered.size < this.maxHandedOff;
    this.unanswered.add(answer);
    this.inner.export(items, (result) => {
      this.unanswered.delete(answer);
      answered();
      once(result); // answered at once (a file, nothing fresh), or past the bound: the real result
    });
    if (early) once(TAKEN);
  }

  /** Batches handed off and not answered yet. */
  get handedOff(): number {
    return this.unanswered.size;
  }

  /** Waits for the answers of what was handed off, then flushes the exporters under it. */
  async forceFlush(): Promise<void> {
    await Promise.all(this.unanswered);
    await this.inner.forceFlush?.();
  }

  /**
   * The processor's shutdown, after its last batch: the answers still on their way are waited for
   * (the signal's shutdown bounds that by its deadline, then spills to the disk queue).
   */
  async shutdown(): Promise<void> {
    await Promise.all(this.unanswered);
    await this.inner.shutdown();
  }
}
