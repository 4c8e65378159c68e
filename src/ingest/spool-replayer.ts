import { renameSync } from 'node:fs';
import type { Pipeline } from '../pipeline.js';
import type { RunSummary } from '../model/run-model.js';
import type { Logger } from '../util/log.js';
import type { Backpressure } from './backpressure.js';
import { readFrameFiles, type FileProblem } from './frame-files.js';
import { claimSpoolFiles, removeSpoolFile } from './spool.js';
import type { Component } from '../util/lifecycle.js';
import { withinDeadline } from '../util/deadline.js';

/** Where the replay of a spool file stopped, and why. */
interface Poison {
  at: string;
  reason: string;
}

/** Where a spool file that cannot be replayed to its end is kept, for a look (never claimed again). */
export const poisonedName = (file: string): string => `${file.replace(/\.replaying-\d+$/, '')}.bad`;

/** What the export side knows about runs: for a spool file, whether it must be replayed at all. */
export interface ReplayGate {
  /** Every span of the run is already out at every destination: its spool goes without a replay. */
  done(runId: string): boolean;
  /** Resolves true once the replayed runs' spans are safely exported (then they count as done). */
  settle(runs: RunSummary[]): Promise<boolean>;
}

/**
 * Replays the runs the shim had to spool (sidecar absent, killed, or not reading) into the
 * pipeline: at start and then every `intervalMs`, for files whose writer has exited.
 */
export class SpoolReplayer<S> implements Component {
  readonly name = 'spool replayer';
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private nextConn = -1; // negative: never the id of a socket connection

  constructor(
    private readonly dir: string,
    private readonly pipeline: Pipeline<S>,
    private readonly log: Logger,
    private readonly intervalMs = 0,
    private readonly gate?: ReplayGate,
    /** The export queue's backlog: a spool file waits on it as a socket does. */
    private readonly backpressure?: Backpressure,
  ) {}

  start(): Promise<void> {
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.scan(), this.intervalMs);
      this.timer.unref();
    }
    return this.scan();
  }

  scan(): Promise<void> {
    // never a rejection out of here: the interval calls this unawaited, and one would end the process
    this.busy ??= this.replayClaimed()
      .catch((err) => this.log.warn(`spool replay in ${this.dir} failed: ${(err as Error)?.message ?? err} (the files stay for the next scan)`))
      .finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async replayClaimed(): Promise<void> {
    for (const file of claimSpoolFiles(this.dir)) {
      const name = file.replace(/\.replaying-\d+$/, '');
      const runId = /([0-9a-f]+)-\d+\.ndjson$/.exec(name)?.[1];
      if (runId && this.gate?.done(runId)) {
        // Exported whole before (the shim missed the ack, or a sidecar died before deleting it):
        // no replay, so outputs do not see the run twice.
        this.log.info(`spool file ${name}: its run was already exported; removed`);
        removeSpoolFile(file);
        continue;
      }
      const conns = new Map<string, { id: number }>();
      let poison: Poison | undefined;
      try {
        poison = await this.replayUntilPoison(file, conns);
      } catch (err) {
        this.log.warn(`cannot replay spool file ${file}: ${(err as Error).message}`);
        continue;
      }
      // A run cut short by a poison frame ends here, as interrupted: never one left open.
      const runs: RunSummary[] = [];
      for (const conn of conns.values()) {
        const run = this.pipeline.onClose(conn);
        if (run) runs.push(run);
      }
      if (poison) {
        this.setAside(file, poison);
        continue;
      }
      // The file goes only once its spans are safely out: a crash before that replays it again.
      if (this.gate && !(await this.gate.settle(runs))) {
        this.log.warn(`spool file ${name}: not every span of its run was exported; kept as ${file} for the next sidecar`);
        continue;
      }
      this.log.info(`replayed the spooled run${conns.size === 1 ? '' : 's'} of ${name}`);
      removeSpoolFile(file);
    }
  }

  private setAside(file: string, poison: Poison): void {
    const bad = poisonedName(file);
    try {
      renameSync(file, bad);
    } catch (err) {
      this.log.warn(`cannot move spool file ${file} aside: ${(err as Error).message}`);
      return;
    }
    this.log.warn(`spool file ${bad}: ${poison.at}: ${poison.reason} (its runs were exported up to there and ended as interrupted; the file is kept aside)`);
  }

  /**
   * Applies the file's frames up to the first one that is refused or breaks its run. Only a torn
   * last line (a write cut short) is dropped quietly, as the protocol says readers do.
   */
  private async replayUntilPoison(file: string, conns: Map<string, { id: number }>): Promise<Poison | undefined> {
    let poison: FileProblem | undefined;
    let torn: FileProblem | undefined;
    const onProblem = (p: FileProblem): void => {
      if (torn || p.code !== 'bad_json') poison ??= torn ?? p;
      else torn = p;
    };
    for await (const frame of readFrameFiles([file], onProblem)) {
      poison ??= torn;
      if (poison) break;
      let conn = conns.get(frame.run);
      if (!conn) conns.set(frame.run, (conn = { id: this.nextConn-- }));
      if (!this.pipeline.applyFrame(conn, frame)) return { at: `frame ${frame.t} #${frame.seq}`, reason: 'refused or broke its run (see above)' };
      if (this.backpressure?.behind()) await this.backpressure.whenClear();
    }
    return poison && { at: `line ${poison.line}`, reason: `${poison.code}: ${poison.message}` };
  }

  /** Stops scanning; a replay under way gets the deadline to finish (its file stays claimed if it does not). */
  async shutdown(deadlineMs: number): Promise<void> {
    clearInterval(this.timer);
    if (this.busy) await withinDeadline(this.busy, deadlineMs);
  }
}
