import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import { backoffMs, type BackoffPolicy } from '../../util/backoff.js';
import type { DiskQueue } from './disk-queue.js';
import type { OtlpByteSender } from './otlp-byte-sender.js';

export interface DurableStats {
  /** Items the backend took, directly or from the disk queue. */
  delivered: number;
  /** Items (spans, data points) in batches still waiting on disk. */
  queuedItems: number;
  queuedBatches: number;
  evictedItems: number;
  /** Items the backend refused for good (4xx): re-sending could not help. */
  refusedItems: number;
}

/**
 * Between sends of the disk queue: at most 1, 2, 4, 8, 16 s, then every 30 s while the backend
 * stays down. Each send is one request of the SDK's transport, with its own retries inside
 * (docs/reliability.md, "Retries").
 */
export const QUEUE_BACKOFF: BackoffPolicy = { firstMs: 1_000, maxMs: 30_000, jitter: 'equal' };

/**
 * An OTLP exporter — spans or metrics, the same mechanism — that loses nothing to an outage: a
 * batch the backend does not take (down, 5xx, 429, timeouts after the library's own retries)
 * goes to the disk queue, and the queue is re-sent oldest first, with backoff, until it is
 * empty — also after a restart.
 */
export class DurableOtlpExporter<T> {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private attempt = 0;
  private refused = 0;
  private delivered = 0;
  private stopped = false;
  /** Batches on their way to the backend: spilled to disk if the sidecar must stop first. */
  private readonly inFlight = new Set<{ bytes: Uint8Array; items: number; done: (result: ExportResult) => void }>();

  constructor(
    private readonly serializer: ISerializer<T, unknown>,
    private readonly sender: OtlpByteSender,
    private readonly queue: DiskQueue,
    private readonly onProblem: (message: string) => void,
    /** Items in a batch (spans, data points), for the counts in the summary. */
    private readonly count: (batch: T) => number,
  ) {
    if (queue.length > 0) this.schedule(0);
  }

  export(batch: T, done: (result: ExportResult) => void): void {
    const bytes = this.serializer.serializeRequest(batch);
    const items = this.count(batch);
    if (!bytes) return done({ code: ExportResultCode.SUCCESS });
    // Keep order: while older batches wait on disk, new ones queue behind them.
    if (this.queue.length > 0) return this.enqueue(bytes, items, done);
    const flight = { bytes, items, done };
    this.inFlight.add(flight);
    void this.sender.send(bytes).then((outcome) => {
      if (!this.inFlight.delete(flight)) return; // spilled at shutdown: the disk queue has it
      if (outcome.ok) {
        this.delivered += items;
        return done({ code: ExportResultCode.SUCCESS });
      }
      if (!outcome.retryable) {
        this.refused += items;
        return done({ code: ExportResultCode.FAILED, error: new Error(outcome.message) });
      }
      this.onProblem(`${outcome.message}: batches go to the disk queue at ${this.queue.dir} and are re-sent when the backend answers`);
      this.enqueue(bytes, items, done);
    });
  }

  /**
   * The deadline came: whatever is still on its way goes to the disk queue, for the next sidecar
   * to send, and the batch counts as taken (the delivery ledger records it: no replay sends it
   * again). If the backend did take the request in flight, the queue sends it a second time:
   * that is the one window of a graceful stop.
   */
  spill(): void {
    for (const flight of this.inFlight) {
      this.inFlight.delete(flight);
      try {
        this.queue.push(flight.bytes, flight.items);
        flight.done({ code: ExportResultCode.SUCCESS });
      } catch (error) {
        this.onProblem(`cannot spill to ${this.queue.dir}: ${(error as Error).message}`);
        flight.done({ code: ExportResultCode.FAILED, error: error as Error });
      }
    }
  }

  get dir(): string {
    return this.queue.dir;
  }

  stats(): DurableStats {
    return {
      delivered: this.delivered,
      queuedItems: this.queue.items,
      queuedBatches: this.queue.length,
      evictedItems: this.queue.evictedItems,
      refusedItems: this.refused,
    };
  }

  private enqueue(bytes: Uint8Array, items: number, done: (result: ExportResult) => void): void {
    try {
      this.queue.push(bytes, items);
      this.schedule(backoffMs(QUEUE_BACKOFF, this.attempt));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  private schedule(ms: number): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draining ??= this.drain()
        .then(
          () => {},
          () => {},
        )
        .finally(() => (this.draining = undefined));
    }, ms);
    this.timer.unref();
  }

  /** Sends the queue oldest first; stops at the first retryable failure and backs off. */
  private async drain(): Promise<boolean> {
    for (let batch = this.queue.oldest(); batch; batch = this.queue.oldest()) {
      const outcome = await this.sender.send(batch.bytes);
      if (!outcome.ok && outcome.retryable) {
        this.attempt += 1;
        this.schedule(backoffMs(QUEUE_BACKOFF, this.attempt));
        return false;
      }
      if (outcome.ok) this.delivered += batch.items;
      else this.refused += batch.items;
      // In the same tick as the 200: a sidecar killed between the backend's commit and this
      // unlink sends the batch again (the queue's one duplicate window).
      this.queue.remove(batch.name);
      this.attempt = 0;
    }
    return true;
  }

  async forceFlush(): Promise<void> {
    await this.draining;
  }

  /** One last try within the SDK's shutdown; what stays on disk is sent by the next sidecar. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.draining;
    if (this.queue.length > 0) await this.drain();
    await this.sender.shutdown();
  }
}
