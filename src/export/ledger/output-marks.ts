import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendSyncedAsync } from '../../util/durable-file.js';
import { RUN_END } from '../../model/frame-cursor.js';
/** Marks of one hour share a file, as run marks do: one file an hour, not one a run. */
const SEGMENT_MS = 3_600_000;
const SEGMENT = /^marks-\d+$/;
/** `<run hash> <output> <seq|end>`: a line a crash cut short matches nothing and is ignored. */
const LINE = /^([0-9a-f]{32}) ([a-z0-9-]{1,40}) (\d{1,16}|end)$/;
/** An output's name in a mark: short, fixed, never a path or a URL (those are hashed into it). */
export const OUTPUT_NAME = /^[a-z0-9-]{1,40}$/;

/** One output's mark of one run: every event of the run up to frame `seq` has been taken by it. */
export interface OutputMark {
  runId: string;
  output: string;
  seq: number;
}

/**
 * Per run and output, the frame up to which the output has taken the run (metrics: in a metric
 * export the destination acknowledged; Slack and the webhook: delivered; the events file: written;
 * the history: appended), so a replay of the run gives each output only what lies past it.
 * Beside the run marks (run-marks.ts), the same way on disk: a line a mark, in a file per hour
 * (`marks-<hour since the epoch>`), fsync'd before it counts, expiring with the ledger's
 * retention. Nothing in memory: only a run that may have been seen before (a spool file, a
 * resumed or replayed run) reads the files, once, when it starts.
 */
export class OutputMarks {
  constructor(
    readonly dir: string,
    private readonly now: () => number = Date.now,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /**
   * The marks of this run, by slot (`markSlot`): each output's highest frame, and whether it took
   * the run's end (an interrupted run's end is its own: a replay may know frames past the cut).
   */
  read(runId: string): Map<string, number> {
    const name = runHash(runId);
    const marks = new Map<string, number>();
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch {
      return marks;
    }
    for (const file of files) {
      if (!SEGMENT.test(file)) continue;
      let text: string;
      try {
        text = readFileSync(join(this.dir, file), 'latin1');
      } catch {
        continue; // expired meanwhile
      }
      // Most files hold nothing of this run: look for its hash before splitting lines.
      if (!text.includes(name)) continue;
      for (const line of text.split('\n')) {
        const m = LINE.exec(line);
        if (!m || m[1] !== name) continue;
        const seq = m[3] === 'end' ? RUN_END : Number(m[3]);
        const slot = markSlot(m[2]!, seq);
        if (seq > (marks.get(slot) ?? -1)) marks.set(slot, seq);
      }
    }
    return marks;
  }

  /** Resolves once the marks are on disk (one write, one fsync for all of them). */
  async record(marks: readonly OutputMark[]): Promise<void> {
    if (marks.length === 0) return;
    for (const m of marks) if (!OUTPUT_NAME.test(m.output)) throw new Error(`not an output name: ${JSON.stringify(m.output)}`);
    const path = join(this.dir, `marks-${Math.floor(this.now() / SEGMENT_MS)}`);
    const text = marks.map((m) => `${runHash(m.runId)} ${m.output} ${m.seq >= RUN_END ? 'end' : Math.floor(m.seq)}\n`).join('');
    // A line a crash tore is never glued to the next one: every write starts on a fresh line.
    await appendSyncedAsync(path, `\n${text}`, !existsSync(path));
  }
}

/** Where an output's mark of a frame lives in a run's marks: its frames, or its end. */
export function markSlot(output: string, seq: number): string {
  return seq >= RUN_END ? `${output}/end` : output;
}

/** Run ids come from the frames: hashed (as in run marks), so none can name a path or break a line. */
function runHash(runId: string): string {
  return createHash('sha256').update(runId).digest('hex').slice(0, 32);
}

/** An output with many instances (an events file's path, a webhook's URL): its name with a hash of which. */
export function outputName(kind: string, which?: string): string {
  return which === undefined ? kind : `${kind}-${createHash('sha256').update(which).digest('hex').slice(0, 12)}`;
}
