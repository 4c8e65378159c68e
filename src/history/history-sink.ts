// After each playbook of a live run (run, serve), its digest goes into the run history. Never a
// reason for a run to fail: an append that fails is said once, and the run goes on as it was.
import type { PlaybookEndEvent } from '../model/run-observer.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import type { HistoryStore } from './history-store.js';

export class HistorySink implements Sink {
  readonly name = 'run history';

  constructor(
    private readonly store: HistoryStore,
    private readonly log: Logger,
  ) {}

  playbookEnd(e: PlaybookEndEvent): void {
    if (!e.digest) return;
    this.store
      .append(e.digest)
      .catch((err) =>
        this.log.once('history', `run history ${this.store.dir}: cannot append (${(err as Error)?.message ?? err}); the run is not affected (said once)`),
      );
  }

  /** The last appends on disk (the root's shutdownAll holds the deadline). */
  shutdown(): Promise<void> {
    return this.store.idle();
  }
}
