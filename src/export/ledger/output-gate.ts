// Exactly once for the outputs fed by run events (metrics, Slack, the webhook, the events file,
// the run history), as the delivery ledger is for spans and log records. Each gated output has a
// mark per run (output-marks.ts): the frame up to which it has taken the run. A run that may have
// been seen before (a spool file, a resume, `replay`, `import`) reads its marks once when it
// starts, and the gate keeps from each output the events of the frames at or below its mark; the
// run model still gets every frame, so spans and the run's structure are whole.
import { RUN_END, type FrameCursor } from '../../model/frame-cursor.js';
import type { Sink } from '../../sinks/sink.js';
import { markSlot, type OutputMark, type OutputMarks } from './output-marks.js';
import { NotTaken } from '../metric-acks.js';

/** An output the gate can mark: it says when what it was handed so far is taken. */
export interface MarkedSink extends Sink {
  /** The output's name in the marks (output-marks.ts `outputName`). */
  readonly mark: string;
  /**
   * Resolves once everything handed to it up to `since` (ms since the epoch: when the last of
   * it was handed) is taken: delivered, written, or in an acknowledged export.
   */
  taken(since: number): Promise<void>;
}

export function isMarked(sink: Sink): sink is MarkedSink {
  return typeof (sink as Partial<MarkedSink>).mark === 'string' && typeof (sink as Partial<MarkedSink>).taken === 'function';
}

/** Runs whose marks are held at most (a run's state goes once it ended and its marks are on disk). */
export const RUNS_KEPT = 10_000;
/**
 * A checkpoint starts at once after an event (the time between an output taking something and
 * its mark reaching disk is a window for a duplicate after a crash), but at most once per this
 * many ms per output: under a stream of events, what comes meanwhile goes in the next one (one
 * fsync, a line per run), which bounds the work per second whatever the rate of events.
 */
const CHECKPOINT_SPACING_MS = 50;

const METHODS = ['playbookStart', 'playStart', 'taskStart', 'hostStart', 'hostResult', 'itemResult', 'retry', 'playbookEnd'] as const;

/** Per run, by slot (output-marks.ts `markSlot`: an output's frames, or its end). */
interface RunState {
  /** What each output had taken before this process (undefined: a new run, nothing to skip). */
  floors: Map<string, number> | undefined;
  /** The highest frame whose events each output was handed here. */
  handed: Map<string, number>;
  /** The highest frame of each output's marks on disk. */
  committed: Map<string, number>;
  ended: boolean;
  /** The run model that gave the events (FrameCursor.owner). */
  owner: object | undefined;
}

interface Output {
  sink: MarkedSink;
  /** When it was last handed an event (ms): a metric export of a collection after it has it. */
  lastHandedAt: number;
  /** When its last checkpoint started (ms). */
  lastStart: number;
  /** A checkpoint waiting for its interval; cleared when it runs. */
  timer?: NodeJS.Timeout | undefined;
  /** The checkpoint writing now; cleared when it is written. */
  running?: Promise<void> | undefined;
}

export interface OutputGateOptions {
  /** `--force`: the marks are written but not read: the outputs take the run again. */
  force?: boolean | undefined;
  /** A mark could not be written (said once by the caller): the output may take those events again after a crash. */
  onError?: (message: string) => void;
  /** Least time between two checkpoints of an output (default CHECKPOINT_SPACING_MS). */
  checkpointSpacingMs?: number;
}

export class OutputGate {
  /** Events kept from an output because it had taken them before (per output, for the summary). */
  readonly suppressed = new Map<string, number>();
  private readonly runs = new Map<string, RunState>();
  private readonly outputs: Output[] = [];
  private readonly spacingMs: number;

  constructor(
    private readonly marks: OutputMarks,
    private readonly cursor: FrameCursor,
    private readonly o: OutputGateOptions = {},
  ) {
    this.spacingMs = o.checkpointSpacingMs ?? CHECKPOINT_SPACING_MS;
  }

  /** The sink behind the gate: same name, start and shutdown, each event passed on unless its output had it. */
  wrap(sink: MarkedSink): Sink {
    const out: Output = { sink, lastHandedAt: 0, lastStart: 0 };
    this.outputs.push(out);
    const gated: Sink & Record<string, unknown> = { name: sink.name };
    const { start, shutdown } = sink;
    if (start) gated.start = () => start.call(sink);
    if (shutdown) gated.shutdown = (deadlineMs: number) => shutdown.call(sink, deadlineMs);
    for (const method of METHODS) {
      const fn = sink[method] as ((e: unknown) => void) | undefined;
      if (fn) gated[method] = (e: unknown) => this.pass(out) && fn.call(sink, e);
    }
    return gated as Sink;
  }

  private pass(out: Output): boolean {
    const { runId, seq } = this.cursor;
    if (runId === undefined) return true; // no frame's event: nothing to compare
    const st = this.state(runId);
    const name = out.sink.mark;
    const slot = markSlot(name, seq);
    if (st.floors && seq <= (st.floors.get(slot) ?? -1)) {
      this.suppressed.set(name, (this.suppressed.get(name) ?? 0) + 1);
      return false;
    }
    if (seq > (st.handed.get(slot) ?? -1)) st.handed.set(slot, seq);
    out.lastHandedAt = Date.now();
    this.schedule(out);
    return true;
  }

  private state(runId: string): RunState {
    const owner = this.cursor.owner;
    const st = this.runs.get(runId);
    if (st && st.owner === owner) return st;
    if (!st && this.runs.size >= RUNS_KEPT) this.evict();
    // Read from disk only for a run an earlier sidecar may have had: a new live run has no marks.
    const floors = this.cursor.mayRepeat && !this.o.force ? this.marks.read(runId) : new Map<string, number>();
    if (st && !this.o.force) {
      // The same run again in this process (cut off, then replayed from its spool): what the
      // outputs were handed the first time is theirs, marked on disk or not yet.
      for (const [name, seq] of st.handed) if (seq > (floors.get(name) ?? -1)) floors.set(name, seq);
    }
    const fresh: RunState = {
      floors: floors.size ? floors : undefined,
      handed: st?.handed ?? new Map(),
      committed: st?.committed ?? new Map(),
      ended: false,
      owner,
    };
    this.runs.delete(runId); // re-inserted: the map's order is the order runs came in
    this.runs.set(runId, fresh);
    return fresh;
  }

  /** Over RUNS_KEPT: the oldest ended run goes (else the oldest): its marks not yet written may be taken again after a crash. */
  private evict(): void {
    for (const [runId, st] of this.runs) {
      if (st.ended) {
        this.runs.delete(runId);
        return;
      }
    }
    this.runs.delete(this.runs.keys().next().value!);
  }

  /** The run ended: once its marks are on disk, the gate lets go of it. */
  runEnded(runId: string): void {
    const st = this.runs.get(runId);
    if (!st) return;
    st.ended = true;
    this.letGo([runId]);
  }

  /** The run is out whole and marked done (run-marks.ts): no replay comes, its marks are not needed. */
  release(runId: string): void {
    this.runs.delete(runId);
  }

  /** Runs held now (bounded by RUNS_KEPT). */
  get held(): number {
    return this.runs.size;
  }

  private schedule(out: Output): void {
    if (out.timer || out.running) return;
    out.timer = setTimeout(
      () => {
        out.timer = undefined;
        void this.checkpoint(out);
      },
      Math.max(0, out.lastStart + this.spacingMs - Date.now()),
    );
    out.timer.unref();
  }

  /** What the output was handed and its marks do not say yet. */
  private unmarked(name: string): OutputMark[] {
    const marks: OutputMark[] = [];
    for (const [runId, st] of this.runs) {
      for (const slot of [name, markSlot(name, RUN_END)]) {
        const seq = st.handed.get(slot);
        if (seq !== undefined && seq > (st.committed.get(slot) ?? -1)) marks.push({ runId, output: name, seq });
      }
    }
    return marks;
  }

  /** Once the output has taken what it was handed until now, its marks say so (on disk). Never rejects. */
  private checkpoint(out: Output): Promise<void> {
    if (out.running) return out.running;
    const marks = this.unmarked(out.sink.mark);
    if (marks.length === 0) return Promise.resolve();
    const since = out.lastHandedAt;
    out.lastStart = Date.now();
    out.running = (async () => {
      try {
        await out.sink.taken(since);
        await this.marks.record(marks);
        for (const m of marks) {
          const st = this.runs.get(m.runId);
          const slot = markSlot(m.output, m.seq);
          if (st && m.seq > (st.committed.get(slot) ?? -1)) st.committed.set(slot, m.seq);
        }
        this.letGo(marks.map((m) => m.runId));
      } catch (error) {
        // Not taken (a metric export failed): nothing to mark, and the export's own report says it.
        if (!(error instanceof NotTaken)) this.o.onError?.(`output marks ${this.marks.dir}: ${(error as Error)?.message ?? error}`);
      } finally {
        out.running = undefined;
      }
      // Events handed meanwhile (or not taken this time) get their own checkpoint.
      if (this.unmarked(out.sink.mark).length) this.schedule(out);
    })();
    return out.running;
  }

  /** Those of these runs that ended and whose every output's mark is on disk leave memory. */
  private letGo(runIds: Iterable<string>): void {
    for (const runId of runIds) {
      const st = this.runs.get(runId);
      if (!st?.ended) continue;
      let marked = true;
      for (const [name, seq] of st.handed) if (seq > (st.committed.get(name) ?? -1)) marked = false;
      if (marked) this.runs.delete(runId);
    }
  }

  /**
   * Marks what every output has taken by the time it has (shutdown: called before the outputs
   * flush, so a metric export or a delivery of the flush is what resolves it). The caller
   * holds the deadline.
   */
  async flush(): Promise<void> {
    await Promise.all(
      this.outputs.map(async (out) => {
        clearTimeout(out.timer);
        out.timer = undefined;
        await out.running;
        await this.checkpoint(out);
      }),
    );
  }
}
