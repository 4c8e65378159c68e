import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ATTR } from '../../model/attributes.js';
import { withinDeadline } from '../../util/deadline.js';
import type { Logger } from '../../util/log.js';
import type { DeliveryLedger, LedgerCacheSize } from './delivery-ledger.js';

/** What a shutdown past its deadline still gives the ledger to write what was spilled (a few fsyncs). */
const LEDGER_WRITE_MS = 200;

/** Traces with a failed export remembered for the run's ack; bounded, failures are rare. */
const FAILED_TRACES_KEPT = 10_000;

/** An item's trace and its id in the ledger; undefined: the item has no id and always goes out. */
export type ItemKey<T> = (item: T) => [traceId: string, id: string] | undefined;

export const spanKey: ItemKey<ReadableSpan> = (span) => {
  const { traceId, spanId } = span.spanContext();
  return [traceId, spanId];
};

/** Records of the run model carry `log.record.uid` (src/model/run-logs.ts). */
export const logRecordKey: ItemKey<ReadableLogRecord> = (record) => {
  const uid = record.attributes[ATTR.LOG_RECORD_UID];
  const traceId = record.spanContext?.traceId;
  return typeof uid === 'string' && traceId ? [traceId, uid] : undefined;
};

/** What SpanExporter and LogRecordExporter have in common. */
export interface ItemExporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  forceFlush?(): Promise<void>;
  shutdown(): Promise<void>;
}

/** Ids taken by the destination and not yet on disk, past which a success waits for the ledger. */
const LEDGER_BEHIND_MAX = 65_536;

/**
 * Exactly once per destination, for spans and log records alike: items already in the
 * destination's ledger (or on their way to it right now) are not sent again. A success goes
 * upstream at once, so the batch processor sends the next batch while the ledger fsyncs this
 * one; the ids stay "on their way" until they are on disk, and `idle()` (which a run's ack waits
 * for) resolves only then. With the durable exporter inside, "success" means the backend took the
 * batch or the disk queue holds it fsync'd: the queue owns it from then on.
 */
export class LedgerExporter<T> implements ItemExporter<T> {
  /** Items not sent because the destination already had them (a replay after a crash). */
  skipped = 0;
  /** Ids handed to the destination and not settled yet, by trace. */
  private readonly inFlight = new Map<string, Set<string>>();
  private readonly exports = new Set<Promise<void>>();
  private readonly failedTraces = new Set<string>();
  /** Ids the destination took that the ledger has not written yet. */
  private behind = 0;

  constructor(
    private readonly inner: ItemExporter<T>,
    /** Undefined: the ledger is off (--ledger-dir off); exports are still tracked for the ack. */
    private readonly ledger: DeliveryLedger | undefined,
    private readonly key: ItemKey<T>,
    /** A ledger write failed (said by the caller, once): delivered, but a replay may send it again. */
    private readonly onLedgerError: (message: string) => void = () => {},
    /** `--force`: what the destination has is sent again (and recorded, as any export). */
    private readonly resend = false,
  ) {}

  export(items: T[], done: (result: ExportResult) => void): void {
    const fresh: T[] = [];
    // Per trace once per batch, not per item: its ids on disk, its ids in flight, the fresh ones.
    const byTrace = new Map<string, { known: ReturnType<DeliveryLedger['known']> | undefined; flying: Set<string>; ids: string[] }>();
    for (const item of items) {
      const k = this.key(item);
      if (k) {
        let t = byTrace.get(k[0]);
        if (!t) {
          let flying = this.inFlight.get(k[0]);
          if (!flying) this.inFlight.set(k[0], (flying = new Set()));
          t = { known: this.resend ? undefined : this.ledger?.known(k[0]), flying, ids: [] };
          byTrace.set(k[0], t);
        }
        if (t.flying.has(k[1]) || t.known?.has(k[1])) continue;
        t.flying.add(k[1]); // also drops a second copy within this batch
        t.ids.push(k[1]);
      }
      fresh.push(item);
    }
    const taken = new Map<string, string[]>();
    for (const [traceId, t] of byTrace) {
      if (t.ids.length) taken.set(traceId, t.ids);
      else if (t.flying.size === 0) this.inFlight.delete(traceId);
    }
    this.skipped += items.length - fresh.length;
    if (fresh.length === 0) return done({ code: ExportResultCode.SUCCESS });
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    this.exports.add(settled);
    this.inner.export(fresh, (result) => {
      const finish = (): void => {
        for (const [traceId, ids] of taken) this.land(traceId, ids);
        this.exports.delete(settled);
        settle();
      };
      if (result.code !== ExportResultCode.SUCCESS || !this.ledger) {
        if (result.code !== ExportResultCode.SUCCESS) this.fail(taken);
        finish();
        return done(result);
      }
      let count = 0;
      for (const ids of taken.values()) count += ids.length;
      this.behind += count;
      // Upstream now, unless the ledger is far behind (a stalled disk): then it waits for this write.
      const waitForLedger = this.behind > LEDGER_BEHIND_MAX;
      if (!waitForLedger) done(result);
      void this.record(taken).then(() => {
        this.behind -= count;
        finish();
        if (waitForLedger) done(result);
      });
    });
  }

  /** These ids of the trace are no longer in flight. */
  private land(traceId: string, ids: readonly string[]): void {
    const flying = this.inFlight.get(traceId);
    if (!flying) return;
    for (const id of ids) flying.delete(id);
    if (flying.size === 0) this.inFlight.delete(traceId);
  }

  /** Writes what the destination took to the ledger; never rejects. */
  private async record(byTrace: Map<string, string[]>): Promise<void> {
    const ledger = this.ledger as DeliveryLedger;
    try {
      await Promise.all([...byTrace].map(([traceId, ids]) => ledger.record(traceId, ids)));
    } catch (error) {
      // Delivered, but the ledger could not keep it: the run is not acked, so its spool file
      // stays and a replay may send these again (at least once, never lost).
      this.fail(byTrace);
      this.onLedgerError(`delivery ledger ${ledger.dir}: ${(error as Error).message}`);
    }
  }

  get dir(): string | undefined {
    return this.ledger?.dir;
  }

  /** What this exporter and its ledger hold in memory (each bounded: docs/scale.md, "serve over months"). */
  get held(): { cache: LedgerCacheSize | undefined; inFlightTraces: number; failedTraces: number; exports: number } {
    return { cache: this.ledger?.cacheSize, inFlightTraces: this.inFlight.size, failedTraces: this.failedTraces.size, exports: this.exports.size };
  }

  /** Resolves when every export under way now has settled (and is in the ledger, if it went out). */
  async idle(): Promise<void> {
    await Promise.all([...this.exports]);
  }

  /**
   * These traces are settled: their ids leave the ledger's memory; the files of `removable` ones
   * (their run is marked done, and no other run shares them) leave the disk too.
   */
  release(traceIds: readonly string[], removable: ReadonlySet<string>): void {
    if (!this.ledger) return;
    this.ledger.remove(traceIds.filter((id) => removable.has(id)));
    this.ledger.forget(traceIds.filter((id) => !removable.has(id)));
  }

  /** False when an export of an item of any of these traces failed: the run is not safely out. */
  exportedWhole(traceIds: readonly string[]): boolean {
    return !traceIds.some((id) => this.failedTraces.has(id));
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  private fail(byTrace: Map<string, string[]>): void {
    for (const traceId of byTrace.keys()) {
      if (this.failedTraces.size >= FAILED_TRACES_KEPT) this.failedTraces.delete(this.failedTraces.values().next().value!);
      this.failedTraces.add(traceId);
    }
  }
}

/** The warning for a failed ledger write, once per destination and signal. */
export function ledgerErrorLog(log: Pick<Logger, 'once'>, signal: string, target: string): (message: string) => void {
  return (message) =>
    log.once(
      `ledger:${signal}:${target}`,
      `${message}: ${signal} delivered to ${target} are not recorded; the run stays in the spool, and a replay may send them again (said once)`,
    );
}

/** What settling needs of a ledger exporter, whatever it exports. */
type Settling = Pick<LedgerExporter<never>, 'dir' | 'idle' | 'exportedWhole' | 'release'>;

/** The ledger directories of a signal's destinations (for pruning). */
export function ledgerDirs(ledgers: readonly Settling[]): string[] {
  return ledgers.flatMap((l) => (l.dir === undefined ? [] : [l.dir]));
}

/**
 * Exports everything ended so far (`flush`) and waits for the exports under way; true when no
 * export of an item of these traces failed at any destination (then the ledgers have them all).
 */
export async function settleLedgers(flush: () => Promise<void>, ledgers: readonly Settling[], traceIds: readonly string[]): Promise<boolean> {
  await flush().catch(() => {});
  await Promise.all(ledgers.map((l) => l.idle()));
  return ledgers.every((l) => l.exportedWhole(traceIds));
}

/**
 * A signal's shutdown: its processors flush within the deadline, what is still on its way goes
 * to the disk queues (`spill`), and the ledgers write down the spilled batches (fsync'd off the
 * event loop) before the report. An export still in flight without a disk queue is not waited for.
 */
export async function shutdownLedgered(
  shutdown: () => Promise<unknown>,
  durable: readonly ({ spill(): void } | undefined)[],
  ledgers: readonly Settling[],
  deadlineMs: number,
): Promise<void> {
  const end = Date.now() + deadlineMs;
  await withinDeadline(shutdown(), deadlineMs);
  for (const d of durable) d?.spill();
  await withinDeadline(Promise.all(ledgers.map((l) => l.idle())), Math.max(LEDGER_WRITE_MS, end - Date.now()));
}
