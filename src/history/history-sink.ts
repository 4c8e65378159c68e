// After each playbook of a live run (run, serve), its digest goes into the run history. Never a
// reason for a run to fail: an append that fails is said once, and the run goes on as it was.
import type { PlaybookEndEvent } from '../model/run-observer.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import type { HistoryStore } from './history-store.js';
import { outputName } from '../export/ledger/output-marks.js';
import { byDeadline } from '../util/deadline.js';

/** Marked (output-marks.ts) once appended: a replayed run's playbook is not appended again. */
export class HistorySink implements Sink {
  readonly name = 'run history';
  readonly mark: string;

  constructor(
    private readonly store: HistoryStore,
    private readonly log: Logger,
  ) {
    this.mark = outputName('history', store.dir);
  }

  /** Every append started so far has settled (appended, or failed and said). */
  taken(): Promise<void> {
    return this.store.idle();
  }

  playbookEnd(e: PlaybookEndEvent): void {
    if (!e.digest) return;
    this.store
      .append(e.digest)
      .catch((err) =>
        this.log.once('history', `run history ${this.store.dir}: cannot append (${(err as Error)?.message ?? err}); the run is not affected (said once)`),
      );
  }

  /** The last appends on disk within the deadline. */
  shutdown(deadlineMs: number): Promise<void> {
    return byDeadline(this.store.idle(), deadlineMs, 'appending the last runs');
  }
}
