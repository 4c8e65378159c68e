import type { RunSummary } from '../../model/run-model.js';
import type { Logger } from '../../util/log.js';
import { keyedTraceId } from '../keyed-id-generator.js';
import type { RunMarks } from './run-marks.js';
import { pruneOlderThan } from './delivery-ledger.js';

/** A signal as a run's settlement needs it (Tracing, Logs). */
export interface SettlingSignal {
  settle(traceIds: readonly string[]): Promise<boolean>;
  /** The traces are settled: the ledgers let go of them (memory; the files of `removable` ones). */
  release(traceIds: readonly string[], removable: ReadonlySet<string>): void;
  readonly ledgerDirs: string[];
}

/**
 * When is a run safely out? After its spans and log records were exported to every destination
 * and are in the ledgers. Then the run is marked done (its spool file needs no replay), the shim
 * may be told, and the ledgers let go of its traces: the mark stands for them from then on.
 */
export class RunSettlement {
  constructor(
    private readonly signals: SettlingSignal[],
    private readonly marks: RunMarks | undefined,
    private readonly log: Logger,
    /** Ledger files and run marks not written for this long are removed (--ledger-retention). */
    private readonly retentionMs: number,
    /** Output marks (output-marks.ts): pruned with the rest. */
    private readonly outputMarksDir?: string,
    /** These runs are marked done: what is held for them elsewhere (the output gate) can go. */
    private readonly onDone: (runId: string) => void = () => {},
    /**
     * The destinations (span and log targets) a mark speaks for: a run out whole at these is not
     * out at others (`replay --traces-file other.jsonl`, another backend), which still get it.
     */
    private readonly destinations = '',
  ) {}

  done(runId: string): boolean {
    if (!this.marks) return false;
    // A mark without destinations is an older version's (a live run's): it stands for any.
    return this.marks.done(this.key(runId)) || this.marks.done(runId);
  }

  private key(runId: string): string {
    return this.destinations ? `${runId}\n${this.destinations}` : runId;
  }

  /** Resolves true once every span of these runs is exported and recorded; false if one failed. */
  async settle(runs: RunSummary[]): Promise<boolean> {
    const traceIds = runs.flatMap((r) => r.traces.map((t) => t.traceId));
    const settled = await Promise.all(this.signals.map((s) => s.settle(traceIds)));
    if (settled.includes(false)) return false;
    try {
      for (const run of runs) this.marks?.mark(this.key(run.runId));
    } catch (error) {
      this.log.once(
        `marks:${this.marks?.dir}`,
        `cannot record finished runs in ${this.marks?.dir}: ${(error as Error).message} (spool files are kept and replayed, filtered by the ledger)`,
      );
      return false;
    }
    const removable = new Set(runs.flatMap(ownTraceIds));
    for (const s of this.signals) s.release(traceIds, removable);
    for (const run of runs) this.onDone(run.runId);
    return true;
  }

  /** Drops ledger entries and run marks not written for the retention: no spool waits that long. */
  prune(): void {
    const marks = [this.marks?.dir, this.outputMarksDir].filter((d): d is string => d !== undefined);
    for (const dir of [...this.signals.flatMap((s) => s.ledgerDirs), ...marks]) pruneOlderThan(dir, this.retentionMs);
  }
}

/**
 * The run's traces no other run can share: those whose root span had no parent, so its trace id
 * is the one the run model's key for it (`<run id>/<n>`, n-th playbook) derives. A run under a
 * TRACEPARENT joins its parent's trace, which other runs may join too: its ledger files stay.
 */
function ownTraceIds(run: RunSummary): string[] {
  return run.traces.filter((t, i) => t.traceId === keyedTraceId(`${run.runId}/${i}`)).map((t) => t.traceId);
}
