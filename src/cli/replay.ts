import { readFrameFiles } from '../ingest/frame-files.js';
import { Logger } from '../util/log.js';
import { exportFrames, type FrameExportOptions } from './frame-export.js';

export type ReplayOptions = FrameExportOptions;

/**
 * `ansible-otel replay FILE…`: recorded frame streams and spool files into the traces the live
 * run would have given (same ids, see KeyedIdGenerator). A run without its final frames ends
 * as interrupted, as it would have live.
 */
export async function replayCommand(files: string[], o: ReplayOptions): Promise<number> {
  const log = new Logger();
  let problems = 0;
  let runs: number;
  try {
    runs = await exportFrames(readFrameFiles(files, (p) => {
      problems += 1;
      if (problems === 1) log.warn(`${p.file}:${p.line}: ${p.code}: ${p.message} (line skipped; further bad lines are counted)`);
    }), o, log);
  } catch (err) {
    log.error(`cannot read frames: ${(err as Error).message}`);
    return 1;
  }
  if (problems > 1) log.warn(`${problems} bad lines skipped in all`);
  if (runs === 0) log.warn('no frames found');
  return 0;
}
