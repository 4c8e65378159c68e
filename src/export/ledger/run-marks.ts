import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendSynced } from '../../util/durable-file.js';

/** Marks of one hour share a file: the directory holds one file an hour, not one a run (#23). */
export const SEGMENT_MS = 3_600_000;
const SEGMENT = /^runs-\d+$/;

/**
 * Runs whose every span is safely out at every destination (the run ended with `bye`, all its
 * exports succeeded and are in the ledgers): a spool file of such a run is removed without a
 * replay, so outputs (Slack, webhooks, the summary) do not see the run a second time, and the
 * run's ledger files are no longer needed (RunSettlement removes them). On disk: one line a run
 * (a hash of its id, 33 bytes) in a file per hour, `runs-<hour since the epoch>`, fsync'd; the
 * files expire with the ledger's retention. Nothing in memory: `done` reads the files, and only
 * a spool file's replay or a resumed run asks.
 */
export class RunMarks {
  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  done(runId: string): boolean {
    const name = markName(runId);
    if (existsSync(join(this.dir, `run-${name}`))) return true; // one file a run, as earlier versions marked it
    const line = `${name}\n`;
    for (const text of segmentTexts(this.dir, SEGMENT)) if (text.includes(line)) return true;
    return false;
  }

  /** Returns once the mark is on disk. */
  mark(runId: string): void {
    const path = join(this.dir, `runs-${Math.floor(this.now() / SEGMENT_MS)}`);
    appendSynced(path, `${markName(runId)}\n`, !existsSync(path));
  }
}

/**
 * The texts of the hourly files of `dir` whose names match `segment`, each read whole: none when
 * the directory is gone, and a file that expired meanwhile is skipped.
 */
export function* segmentTexts(dir: string, segment: RegExp): Generator<string> {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return;
  }
  for (const file of files) {
    if (!segment.test(file)) continue;
    let text: string;
    try {
      text = readFileSync(join(dir, file), 'latin1');
    } catch {
      continue; // expired meanwhile
    }
    yield text;
  }
}

/** Run ids come from the frames: hashed, so no id can name a path or break a line (the output marks' too). */
export function markName(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 32);
}
