import { readFrameFiles } from '../ingest/frame-files.js';
import { Logger } from '../util/log.js';
import { resolveConfig } from '../root/config.js';
import { exportFrames, type FrameExportFlags } from '../root/frames.js';
import type { Env } from '../util/environment.js';

export type ReplayOptions = FrameExportFlags;

/**
 * `ansible-otel replay FILE…`: recorded frame streams and spool files into the traces the live
 * run would have given (same ids, see KeyedIdGenerator). A run without its final frames ends
 * as interrupted, as it would have live.
 */
export async function replayCommand(files: string[], o: ReplayOptions, env: Env): Promise<number> {
  const log = new Logger();
  const config = resolveConfig(o, log, env); // a bad setting: exit 2 before any file is read
  let problems = 0;
  let result: { runs: number; delivered: boolean };
  try {
    result = await exportFrames(
      readFrameFiles(files, (p) => {
        problems += 1;
        if (problems === 1) log.warn(`${p.file}:${p.line}: ${p.code}: ${p.message} (line skipped; further bad lines are counted)`);
      }),
      config,
      log,
      false,
      o.force,
    );
  } catch (err) {
    log.error(`cannot read frames: ${(err as Error).message}`);
    return 1;
  }
  if (problems > 1) log.warn(`${problems} bad lines skipped in all`);
  if (result.runs === 0) log.warn('no frames found');
  return result.delivered ? 0 : 1; // the report above says what did not go out
}
