import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appendSyncedAsync, writeSynced } from '../../util/durable-file.js';
import { RUN_END } from '../../model/frame-cursor.js';
import { markName, SEGMENT_MS, segmentTexts } from './run-marks.js';
/** `marks-<hour>`, appended to in its hour; `marks-<hour>.c`, the same hour compacted once it is past. */
const SEGMENT = /^marks-(\d+)(\.c)?$/;
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
  /** Writes one after another: a compaction never runs beside an append of this process. */
  private tail: Promise<void> = Promise.resolve();
  /** The hour this process last compacted the hours before. */
  private compactedBefore = -1;

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
    const name = markName(runId);
    const marks = new Map<string, number>();
    for (const text of segmentTexts(this.dir, SEGMENT)) {
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
  record(marks: readonly OutputMark[]): Promise<void> {
    if (marks.length === 0) return Promise.resolve();
    for (const m of marks) if (!OUTPUT_NAME.test(m.output)) return Promise.reject(new Error(`not an output name: ${JSON.stringify(m.output)}`));
    const next = this.tail.then(() => this.append(marks));
    this.tail = next.catch(() => {});
    return next;
  }

  private async append(marks: readonly OutputMark[]): Promise<void> {
    const hour = Math.floor(this.now() / SEGMENT_MS);
    if (hour !== this.compactedBefore) {
      this.compactedBefore = hour;
      this.compactBefore(hour);
    }
    const path = join(this.dir, `marks-${hour}`);
    const text = marks.map((m) => `${markName(m.runId)} ${m.output} ${m.seq >= RUN_END ? 'end' : Math.floor(m.seq)}\n`).join('');
    // A line a crash tore is never glued to the next one: every write starts on a fresh line.
    await appendSyncedAsync(path, `\n${text}`, !existsSync(path));
  }

  /**
   * The hours before `hour` keep one line per run and output slot, the highest (all a read
   * uses): a run's outputs mark it at every checkpoint, and the files would otherwise keep every
   * one of those lines for the whole retention. Sidecars sharing the directory may compact the
   * same hour at once: each writes the same lines under its own temporary name. A sidecar whose
   * clock is behind could still append to a past hour's file as it is compacted: that line is
   * lost, and a replay after a crash may give its output those events again (not lose them).
   */
  compactBefore(hour: number): void {
    let files: string[];
    try {
      files = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const file of files) {
      const m = SEGMENT.exec(file);
      if (!m || m[2] || Number(m[1]) >= hour) continue;
      try {
        const compacted = `${file}.c`;
        const text = [compacted, file].map((f) => (existsSync(join(this.dir, f)) ? readFileSync(join(this.dir, f), 'latin1') : '')).join('\n');
        const best = new Map<string, { line: string; seq: number }>();
        for (const line of text.split('\n')) {
          const l = LINE.exec(line);
          if (!l) continue;
          const seq = l[3] === 'end' ? RUN_END : Number(l[3]);
          const key = `${l[1]} ${markSlot(l[2]!, seq)}`;
          if (seq > (best.get(key)?.seq ?? -1)) best.set(key, { line, seq });
        }
        writeSynced(this.dir, compacted, [...best.values()].map((b) => `${b.line}\n`).join(''), `.${compacted}.${process.pid}.tmp`);
        unlinkSync(join(this.dir, file));
      } catch {
        // gone meanwhile (another sidecar compacted it, or the retention took it): nothing to do
      }
    }
  }
}

/** Where an output's mark of a frame lives in a run's marks: its frames, or its end. */
export function markSlot(output: string, seq: number): string {
  return seq >= RUN_END ? `${output}/end` : output;
}

/** An output with many instances (an events file's path, a webhook's URL): its name with a hash of which. */
export function outputName(kind: string, which?: string): string {
  return which === undefined ? kind : `${kind}-${createHash('sha256').update(which).digest('hex').slice(0, 12)}`;
}
