import type { Pipeline } from '../pipeline.js';
import type { Logger } from '../util/log.js';
import { readFrameFiles } from './frame-files.js';
import { claimSpoolFiles, removeSpoolFile } from './spool.js';

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
      for (const conn of conns.values()) this.pipeline.onClose(conn);
      this.log.info(`replayed the spooled run${conns.size === 1 ? '' : 's'} of ${file.replace(/\.replaying-\d+$/, '')}`);
      removeSpoolFile(file);
    }
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
  }
}
