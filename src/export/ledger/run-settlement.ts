import type { RunSummary } from '../../model/run-model.js';
import type { Logger } from '../../util/log.js';
import { LEDGER_RETENTION_MS } from './ledger-dir.js';
import type { RunMarks } from './run-marks.js';
import { pruneOlderThan } from './delivery-ledger.js';

/** A signal as a run's settlement needs it (Tracing, Logs). */
export interface SettlingSignal {
  settle(traceIds: readonly string[]): Promise<boolean>;
  readonly ledgerDirs: string[];
}

/**
 * When is a run safely out? After its spans and log records were exported to every destination
 * and are in the ledgers. Then the run is marked done (its spool file needs no replay) and the
 * shim may be told.
 */
export class RunSettlement {
  constructor(
    private readonly signals: SettlingSignal[],
    private readonly marks: RunMarks | undefined,
    private readonly log: Logger,
  ) {}

  done(runId: string): boolean {
    return this.marks?.done(runId) ?? false;
  }

  /** Resolves true once every span of these runs is exported and recorded; false if one failed. */
  async settle(runs: RunSummary[]): Promise<boolean> {
    const traceIds = runs.flatMap((r) => r.traces.map((t) => t.traceId));
    const settled = await Promise.all(this.signals.map((s) => s.settle(traceIds)));
    if (settled.includes(false)) return false;
    try {
      for (const run of runs) this.marks?.mark(run.runId);
      return true;
    } catch (error) {
      this.log.once(
        `marks:${this.marks?.dir}`,
        `cannot record finished runs in ${this.marks?.dir}: ${(error as Error).message} (spool files are kept and replayed, filtered by the ledger)`,
      );
      return false;
    }
  }

  /** Drops ledger entries and run marks not written for a week: no spool waits that long. */
  prune(): void {
    for (const dir of [...this.signals.flatMap((s) => s.ledgerDirs), ...(this.marks ? [this.marks.dir] : [])]) pruneOlderThan(dir, LEDGER_RETENTION_MS);
  }
}
