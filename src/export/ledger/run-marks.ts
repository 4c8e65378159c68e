import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeSynced } from '../../util/durable-file.js';

/**
 * Runs whose every span is safely out at every destination (the run ended with `bye`, all its
 * exports succeeded and are in the ledgers): a spool file of such a run is removed without a
 * replay, so outputs (Slack, webhooks, the summary) do not see the run a second time.
 */
export class RunMarks {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  done(runId: string): boolean {
    return existsSync(join(this.dir, fileName(runId)));
  }

  /** Returns once the mark is on disk. */
  mark(runId: string): void {
    writeSynced(this.dir, fileName(runId), '');
  }
}

/** Run ids come from the frames: hashed, so no id can name a path. */
function fileName(runId: string): string {
  return `run-${createHash('sha256').update(runId).digest('hex').slice(0, 32)}`;
}
