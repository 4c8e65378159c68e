import { renameSync } from 'node:fs';
import type { Pipeline } from '../pipeline.js';
import type { Logger } from '../util/log.js';
import { readFrameFiles, type FileProblem } from './frame-files.js';
import { claimSpoolFiles, removeSpoolFile } from './spool.js';

/** Where the replay of a spool file stopped, and why. */
interface Poison {
  at: string;
  reason: string;
}

/** Where a spool file that cannot be replayed to its end is kept, for a look (never claimed again). */
export const poisonedName = (file: string): string => `${file.replace(/\.replaying-\d+$/, '')}.bad`;

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
      let poison: Poison | undefined;
      try {
        poison = await this.replayUntilPoison(file, conns);
      } catch (err) {
        this.log.warn(`cannot replay spool file ${file}: ${(err as Error).message}`);
        continue;
      }
      // A run cut short by a poison frame ends here, as interrupted: never one left open.
      for (const conn of conns.values()) this.pipeline.onClose(conn);
      if (poison) {
        this.setAside(file, poison);
        continue;
      }
      this.log.info(`replayed the spooled run${conns.size === 1 ? '' : 's'} of ${file.replace(/\.replaying-\d+$/, '')}`);
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
    }
    return poison && { at: `line ${poison.line}`, reason: `${poison.code}: ${poison.message}` };
  }

  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.busy;
  }
}
