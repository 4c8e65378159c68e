import { readRunnerArtifacts } from '../ingest/runner/artifacts.js';
import { runnerEventsToFrames } from '../ingest/runner/events.js';
import type { Frame } from '../protocol/frames.js';
import { checkFrame, FrameError } from '../protocol/decode.js';
import { Logger } from '../util/log.js';
import { resolveConfig } from '../root/config.js';
import type { Env } from '../util/environment.js';
import { exportFrames, type FrameExportFlags } from '../root/frames.js';

export type ImportOptions = FrameExportFlags;

/**
 * `ansible-otel import DIR`: ansible-runner artifacts (a private data dir, its artifacts/ or one
 * artifacts/<ident>/) into the traces and metrics a live run would have given; one run per ident.
 * A damaged event file is skipped with a warning; a run without its stats event ends as interrupted.
 */
export async function importCommand(dir: string, o: ImportOptions, env: Env): Promise<number> {
  const log = new Logger();
  const config = resolveConfig(o, log, env); // a bad setting: exit 2 before any artifact is read
  let frames: Frame[] = [];
  try {
    const artifacts = await readRunnerArtifacts(dir, (p) => log.warn(`${p.file}: ${p.message} (file skipped)`));
    for (const a of artifacts) {
      if (a.events.length === 0) {
        log.warn(`${a.dir}: no job events`);
        continue;
      }
      frames = frames.concat(runnerEventsToFrames(a.events, { ident: a.ident, command: a.command, cwd: a.cwd }));
    }
  } catch (err) {
    log.error(`cannot read ansible-runner artifacts in ${dir}: ${(err as Error).message}`);
    return 1;
  }
  if (frames.length === 0) {
    log.warn(`no ansible-runner job events found under ${dir}`);
    return 0;
  }
  const { delivered } = await exportFrames(checked(frames, log), config, log, true, o.force);
  return delivered ? 0 : 1; // the report above says what did not go out
}

/** Runner events are foreign input too: their frames pass the same schema as a shim's. */
function checked(frames: Frame[], log: Logger): Frame[] {
  let refused = 0;
  const valid = frames.filter((f) => {
    try {
      checkFrame(f);
      return true;
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      if (refused++ === 0) log.warn(`run ${f.run}: ${err.code}: ${err.message} (event skipped; further ones are counted)`);
      return false;
    }
  });
  if (refused > 1) log.warn(`${refused} events skipped in all`);
  return valid;
}
