import type { Pipeline } from '../pipeline.js';
import type { RunSummary } from '../model/run-model.js';
import type { Logger } from '../util/log.js';
import { readFrameFiles } from './frame-files.js';
import { claimSpoolFiles, removeSpoolFile } from './spool.js';

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
export class SpoolReplayer<S> {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private nextConn = -1; // negative: never the id of a socket connection

  constructor(
    private readonly dir: string,
    private readonly pipeline: Pipeline<S>,
    private readonly log: Logger,
    private readonly intervalMs = 0,
    private readonly gate?: ReplayGate,
  ) {}

  start(): Promise<void> {
    if (this.intervalMs > 0) {
      this.timer = setInterval(() => void this.scan(), this.intervalMs);
      this.timer.unref();
    }
    return this.scan();
  }

  scan(): Promise<void> {
    this.busy ??= this.replayClaimed().finally(() => (this.busy = undefined));
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
      try {
        for await (const frame of readFrameFiles([file], (p) => this.log.once(`spool:${file}`, `${p.file}:${p.line}: ${p.code}: ${p.message} (line skipped)`))) {
          let conn = conns.get(frame.run);
          if (!conn) conns.set(frame.run, (conn = { id: this.nextConn-- }));
          this.pipeline.applyFrame(conn, frame);
        }
      } catch (err) {
        this.log.warn(`cannot replay spool file ${file}: ${(err as Error).message}`);
        continue;
      }
      const runs: RunSummary[] = [];
      for (const conn of conns.values()) {
        const run = this.pipeline.onClose(conn);
        if (run) runs.push(run);
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

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
  }
}
