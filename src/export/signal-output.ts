// One export pipeline for spans and log records alike: per destination, the chosen exporter
// (the SDK's, or our durable one over a disk queue) inside the delivery ledger (exactly once),
// inside a counting exporter (what went where), under the SDK's batch processor. It is built
// before NodeSDK, which takes its processors; settling a run, the shutdown's spill and the
// per-destination report are the same for both signals, so they live here once. What is the
// signal's own (the writer on its provider, the report's shape) stays in tracing.ts and logs.ts.
import type { Logger } from '../util/log.js';
import type { DurableStats } from './durable/durable-otlp-exporter.js';
import { DeliveryLedger } from './ledger/delivery-ledger.js';
import { destinationDir } from './ledger/ledger-dir.js';
import { LedgerExporter, ledgerDirs, ledgerErrorLog, settleLedgers, shutdownLedgered, type ItemExporter, type ItemKey } from './ledger/ledger-exporter.js';
import { targetReport, type TargetReport } from './target-report.js';

/** A destination's exporter wrapped to count what it delivered (CountingSpanExporter, CountingLogRecordExporter). */
export interface CountedExporter<T> extends ItemExporter<T> {
  readonly target: string;
  readonly exported: number;
  readonly failed: number;
  readonly lastError: string | undefined;
}

/** The SDK's batch processor over one counted exporter, as far as the pipeline drives it. */
export interface BatchProcessor {
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** One destination as the exporter choice gave it (exporter-choice.ts). */
export interface DestinationChoice<E> {
  exporter: E;
  target: string;
  durable?: { spill(): void; stats(): DurableStats; readonly dir: string } | undefined;
}

export interface SignalOutputOptions<T, C extends CountedExporter<T>, P extends BatchProcessor> {
  /** The ledger's directory name ("spans", "logs") and the items' name in warnings ("spans", "log records"). */
  ledgerName: 'spans' | 'logs';
  items: string;
  choices: readonly DestinationChoice<ItemExporter<T>>[];
  /** An item's trace and ledger id; the ledger's pattern for such ids. */
  key: ItemKey<T>;
  itemId: RegExp;
  /** Ledger root; undefined: no ledger (exports are still tracked for the ack). */
  ledgerDir?: string | undefined;
  /** `--force`: the ledger records but filters nothing. */
  ledgerResend?: boolean | undefined;
  log: Logger;
  /** The signal's counting exporter over the ledger, and its batch processor over that. */
  count(inner: LedgerExporter<T>, target: string, onFirstFailure: (target: string, message: string) => void): C;
  batch(exporter: C): P;
}

/** A signal's exporters and processors, from the choice of destinations to the report. */
export class SignalOutput<T, C extends CountedExporter<T> = CountedExporter<T>, P extends BatchProcessor = BatchProcessor> {
  readonly exporters: readonly C[];
  /** What NodeSDK puts in the signal's provider. */
  readonly processors: readonly P[];
  private readonly durable: readonly (DestinationChoice<unknown>['durable'] | undefined)[];
  private readonly ledgers: readonly LedgerExporter<T>[];

  constructor(o: SignalOutputOptions<T, C, P>) {
    this.durable = o.choices.map((c) => c.durable);
    this.ledgers = o.choices.map(
      (c) =>
        new LedgerExporter(
          c.exporter,
          o.ledgerDir === undefined ? undefined : new DeliveryLedger(destinationDir(o.ledgerDir, o.ledgerName, c.target), o.itemId),
          o.key,
          ledgerErrorLog(o.log, o.items, c.target),
          o.ledgerResend,
        ),
    );
    this.exporters = o.choices.map((c, i) =>
      o.count(this.ledgers[i]!, c.target, (target, message) =>
        o.log.warn(`exporting ${o.items} to ${target} failed: ${message} (said once; counted in the summary)`),
      ),
    );
    this.processors = this.exporters.map((e) => o.batch(e));
  }

  get targets(): string[] {
    return this.exporters.map((e) => e.target);
  }

  get ledgerDirs(): string[] {
    return ledgerDirs(this.ledgers);
  }

  /**
   * True once every item of these traces is exported to every destination and in its ledger. The
   * processors are flushed directly: they are all the provider would flush.
   */
  settle(traceIds: readonly string[]): Promise<boolean> {
    return settleLedgers(() => this.flush(), this.ledgers, traceIds);
  }

  /** These traces are settled: the ledgers let go of them (memory; the files of `removable` ones). */
  release(traceIds: readonly string[], removable: ReadonlySet<string>): void {
    for (const l of this.ledgers) l.release(traceIds, removable);
  }

  /** What the ledgers hold in memory, per destination. */
  get ledgerHeld(): LedgerExporter<never>['held'][] {
    return this.ledgers.map((l) => l.held);
  }

  /**
   * The processors' shutdown within the deadline, then the spill to the disk queues and the
   * ledgers' last writes (ledger-exporter.ts). A batch processor shuts down once: NodeSDK's
   * shutdown of the provider, begun by the root, and this one wait on the same work.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    await shutdownLedgered(() => Promise.all(this.processors.map((p) => p.shutdown())), this.durable, this.ledgers, deadlineMs);
  }

  /** Per destination, what became of the `total` items the signal made. */
  perTarget(total: number): TargetReport[] {
    return this.exporters.map((e, i) => targetReport(e, this.durable[i], total, this.ledgers[i]!.skipped));
  }

  get lastError(): string | undefined {
    return this.exporters.find((e) => e.lastError)?.lastError;
  }

  private async flush(): Promise<void> {
    await Promise.all(this.processors.map((p) => p.forceFlush()));
  }
}
