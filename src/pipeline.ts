import type { Connection, LineHandler } from './ingest/connection.js';
import { decodeFrame, FrameError } from './protocol/decode.js';
import type { Frame, FrameOf } from './protocol/frames.js';
import { RunModel, type RunModelOptions, type RunSummary } from './model/run-model.js';
import { ackLine, resumedLine } from './protocol/replies.js';
import type { TraceWriter } from './model/trace-writer.js';
import type { RunObserver } from './model/run-observer.js';
import type { Logger } from './util/log.js';
import type { SelfState } from './export/self-metrics.js';
import { RUN_END, type FrameCursor } from './model/frame-cursor.js';

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

export interface PipelineCounters {
  framesReceived: number;
  framesRejected: number;
  runsStarted: number;
  runsEnded: number;
  /** Sequence gaps of ended runs (see framesMissing() for the running total). */
  framesMissingEnded: number;
  /** Runs ended because applying one of their frames threw (RunModel.abort). */
  runsFailed: number;
}

/** How long a run whose WebSocket connection was lost stays open for its shim to resume it. */
export const RESUME_GRACE_MS = 60_000;
/** Runs waiting for a resume at most; beyond it the one waiting longest ends (as interrupted, if open). */
export const WAITING_MAX = 10_000;

/** What the pipeline says when a run's last frame was applied: the ack waits for its export. */
export type LastFrameHook = (run: RunSummary, seq: number, reply: ((line: string) => void) | undefined, bye?: FrameOf<'bye'>) => void;

export interface PipelineOptions extends RunModelOptions {
  /** Runs already out whole (run marks): a resume of one is acked at once, never applied again. */
  resumeGate?: { done(runId: string): boolean };
  resumeGraceMs?: number;
  /** Set around every frame's events: the output gate tells by it which frame an event is of. */
  cursor?: FrameCursor;
}

/** One run and where it stands. */
interface RunEntry<S> {
  model: RunModel<S>;
  /** The connection that carries it now (a resume moves it). */
  conn: Connection;
  /** The last `seq` applied (-1: none): what a resume is answered with. */
  lastSeq: number;
  /** Reported (onRunEnd) already. */
  ended: boolean;
  /** Waiting for a resume since its connection closed. */
  timer?: NodeJS.Timeout | undefined;
  /** An earlier sidecar may have had this run (a spool file, a resume, a replay): its outputs' marks are read. */
  mayRepeat: boolean;
}

/**
 * Connections in, runs out: decodes each line, keeps one RunModel per connection (a run per
 * ansible-playbook process, kept apart by run id) and reports each run when it ends.
 * Every ingest path (socket, WebSocket, spool, replay, import) applies frames here, so this is
 * the one guard: a frame that breaks its run ends that run, never the process.
 * A run whose shim resumes (hello `resume`) is also known by its run id until it is acked: a
 * `resume` frame on a new connection takes it over (docs/protocol.md, "Reconnect and resume"); one whose
 * WebSocket was lost stays open RESUME_GRACE_MS for that.
 */
export class Pipeline<S> implements LineHandler {
  readonly counters: PipelineCounters = { framesReceived: 0, framesRejected: 0, runsStarted: 0, runsEnded: 0, framesMissingEnded: 0, runsFailed: 0 };
  private readonly runs = new Map<number, RunEntry<S>>();
  /** Runs a resume may take over: from their hello (or resume) until acked, or the grace after their connection closed. */
  private readonly resumable = new Map<string, RunEntry<S>>();
  /** Connections whose run a resume moved to a newer one: what still comes on them is dropped. */
  private readonly moved = new Set<number>();
  private readonly complained = new Set<number>();
  private readonly graceMs: number;

  constructor(
    private readonly writer: TraceWriter<S>,
    private readonly log: Logger,
    private readonly onRunEnd: (summary: RunSummary) => void,
    private readonly observer: RunObserver = {},
    /** The run's last frame was applied (bye, or eof of a leftover): every span of it has ended (the ack waits for their export). */
    private readonly onLast?: LastFrameHook,
    private readonly modelOptions: PipelineOptions = {},
  ) {
    this.graceMs = modelOptions.resumeGraceMs ?? RESUME_GRACE_MS;
  }

  /** Frames the shims numbered but the sidecar never got, over all runs so far. */
  framesMissing(): number {
    let n = this.counters.framesMissingEnded;
    for (const e of this.open()) n += e.model.result().framesMissing;
    return n;
  }

  /** The pipeline's part of the sidecar's self-metrics (observeSelf). */
  selfState(): Pick<SelfState, 'framesReceived' | 'framesRejected' | 'framesMissing' | 'runsActive' | 'runsFailed'> {
    const c = this.counters;
    return {
      framesReceived: c.framesReceived,
      framesRejected: c.framesRejected,
      framesMissing: this.framesMissing(),
      runsActive: this.open().length,
      runsFailed: c.runsFailed,
    };
  }

  /** How many runs wait for a resume (their connection closed), and how many a resume may still take over. */
  get resumeState(): { waiting: number; resumable: number; moved: number } {
    let waiting = 0;
    for (const e of this.resumable.values()) if (e.timer) waiting += 1;
    return { waiting, resumable: this.resumable.size, moved: this.moved.size };
  }

  /** Runs not reported yet: on a connection, or waiting for a resume. */
  private open(): RunEntry<S>[] {
    const open = new Set([...this.runs.values()].filter((e) => !e.ended));
    for (const e of this.resumable.values()) if (!e.ended) open.add(e);
    return [...open];
  }

  onLine(conn: Connection, line: string): void {
    this.counters.framesReceived += 1;
    let frame: Frame;
    try {
      frame = decodeFrame(line);
    } catch (err) {
      return err instanceof FrameError ? this.reject(conn, err.code, err.message) : this.reject(conn, 'bad_frame', errorText(err));
    }
    this.applyFrame(conn, frame);
  }

  /**
   * A decoded frame (from a socket line, or a file replay that routes frames by run id).
   * False when it was refused or broke its run.
   */
  applyFrame(conn: Connection, frame: Frame): boolean {
    if (frame.t === 'resume' || frame.t === 'eof') {
      // A conversation with a live shim; in a file (a recording) they mean nothing.
      if (!conn.reply) return true;
      return frame.t === 'resume' ? this.resume(conn, frame) : this.eof(conn, frame);
    }
    if (this.moved.has(conn.id)) {
      this.counters.framesRejected += 1; // its run moved on: the shim sends these again on the new connection
      return false;
    }
    let e = this.runs.get(conn.id);
    if (!e) {
      e = this.start(conn, frame.run);
    } else if (e.model.runId !== frame.run) {
      this.reject(conn, 'foreign_run', `frame for run ${frame.run} on the connection of run ${e.model.runId}`);
      return false;
    }
    const run = e.model;
    if (run.result().failure !== undefined) {
      this.reject(conn, 'run_failed', `frame ${frame.t} #${frame.seq} of run ${run.runId}, which failed earlier`);
      return false;
    }
    try {
      this.within(e, frame.seq, () => run.apply(frame));
    } catch (err) {
      this.fail(e, `${frame.t} #${frame.seq}: ${errorText(err)}`, conn);
      return false;
    }
    if (frame.seq > e.lastSeq) e.lastSeq = frame.seq;
    if (frame.t === 'hello' && frame.resume === true && conn.reply) this.resumable.set(run.runId, e);
    if (frame.t === 'bye') this.onLast?.(run.result(), frame.seq, this.replyOf(e), frame);
    return true;
  }

  /** The run's ack is sent (or will not be): a resume can no longer take it over. */
  release(runId: string): void {
    const e = this.resumable.get(runId);
    if (!e?.model.finished) return;
    this.resumable.delete(runId);
    clearTimeout(e.timer);
  }

  /** Applies `fn` with the cursor on the run's frame `seq`: the events it gives are that frame's. */
  private within<T>(e: RunEntry<S>, seq: number, fn: () => T): T {
    const cursor = this.modelOptions.cursor;
    return cursor ? cursor.at(e.model.runId, seq, e.mayRepeat, e.model, fn) : fn();
  }

  /** A live connection's run starts new here; a stored one (spool file, replay, import) may have been seen. */
  private start(conn: Connection, runId: string, mayRepeat = !conn.reply): RunEntry<S> {
    const e: RunEntry<S> = { model: new RunModel(this.writer, runId, this.observer, this.modelOptions), conn, lastSeq: -1, ended: false, mayRepeat };
    this.runs.set(conn.id, e);
    this.counters.runsStarted += 1;
    return e;
  }

  /** Lines to the shim of the run, on whichever connection carries it when they are sent. */
  private replyOf(e: RunEntry<S>): ((line: string) => void) | undefined {
    return e.conn.reply && ((line) => e.conn.reply?.(line));
  }

  /**
   * A shim carries a run from its spool file on a new connection: the run it had before (kept
   * open, or still on an older connection) goes on here, from the last frame applied; a run out
   * whole is acked at once; any other starts over (the ledger skips what was exported).
   */
  private resume(conn: Connection, frame: FrameOf<'resume'>): boolean {
    if (this.runs.has(conn.id) || this.moved.has(conn.id)) {
      this.reject(conn, 'late_resume', `resume of run ${frame.run} after other frames on this connection`);
      return false;
    }
    const e = this.resumable.get(frame.run);
    if (e) {
      clearTimeout(e.timer);
      e.timer = undefined;
      if (this.runs.get(e.conn.id) === e) {
        this.runs.delete(e.conn.id);
        this.moved.add(e.conn.id);
      }
      e.conn = conn;
      this.runs.set(conn.id, e);
      conn.reply?.(resumedLine(frame.run, e.lastSeq));
      this.log.info(`run ${frame.run} resumed on connection ${conn.id} after frame #${e.lastSeq}`);
      return true;
    }
    if (this.modelOptions.resumeGate?.done(frame.run)) {
      conn.reply?.(resumedLine(frame.run, frame.seq));
      conn.reply?.(ackLine(frame.run, frame.seq));
      this.log.info(`run ${frame.run} resumed on connection ${conn.id}: it was exported whole before; acked`);
      return true;
    }
    // A shim carrying its spool to this sidecar: the one before may have had part of the run.
    this.resumable.set(frame.run, this.start(conn, frame.run, true));
    conn.reply?.(resumedLine(frame.run, -1));
    this.log.info(
      `run ${frame.run} resumed on connection ${conn.id}${frame.leftover ? ' (left over by an earlier ansible-playbook)' : ''}: new here, from its first frame`,
    );
    return true;
  }

  /** A leftover spool file was sent whole: its run ends here (interrupted without `bye`) and is acked once out. */
  private eof(conn: Connection, frame: FrameOf<'eof'>): boolean {
    const e = this.runs.get(conn.id);
    if (!e || e.model.finished || e.model.runId !== frame.run) return true; // acked on resume, or its bye came
    this.end(e);
    this.onLast?.(e.model.result(), frame.seq, this.replyOf(e));
    return true;
  }

  /** Counts and reports a failed run and ends it; the connection's later frames are refused quietly. */
  private fail(e: RunEntry<S>, failure: string, conn?: Connection): void {
    const run = e.model;
    this.counters.runsFailed += 1;
    if (conn) this.complained.add(conn.id);
    this.log.warn(`run ${run.runId}: failed on frame ${failure}: its open spans end as ERROR, its later frames are refused`);
    try {
      this.within(e, RUN_END, () => run.abort(failure));
    } catch (err) {
      this.log.warn(`run ${run.runId}: ending it after the failure failed too: ${errorText(err)}`);
    }
  }

  onOversized(conn: Connection, bytes: number): void {
    this.counters.framesReceived += 1;
    this.reject(conn, 'frame_too_large', `frame of ${bytes} bytes is over the limit`);
  }

  /**
   * The connection's run ends here; returns its summary (replays wait for its spans' export).
   * A run a resume may take over waits for it instead: open (its WebSocket was lost mid-run) or
   * ended (its ack is not sent yet), for the grace.
   */
  onClose(conn: Connection): RunSummary | undefined {
    this.complained.delete(conn.id);
    if (this.moved.delete(conn.id)) return undefined;
    const e = this.runs.get(conn.id);
    if (!e) return undefined;
    this.runs.delete(conn.id);
    const resumable = this.resumable.get(e.model.runId) === e;
    if (resumable && conn.resumable && !e.model.finished) {
      this.wait(e);
      return undefined;
    }
    // Ended by its bye: its ack may still have to go to a resumed connection. Cut off (a Unix
    // socket closes when a side is gone): a resume starts it over.
    const byBye = e.model.finished;
    this.end(e);
    if (resumable && byBye) this.wait(e);
    else if (resumable) this.resumable.delete(e.model.runId);
    return e.model.result();
  }

  /** Ends every open run (sidecar shutdown or the wrapped command exited). */
  endAll(): void {
    const all = new Set([...this.runs.values(), ...this.resumable.values()]);
    this.runs.clear();
    this.resumable.clear();
    this.moved.clear();
    for (const e of all) {
      clearTimeout(e.timer);
      this.end(e);
    }
  }

  /** Keeps `e` for a resume for the grace (and within WAITING_MAX runs). */
  private wait(e: RunEntry<S>): void {
    clearTimeout(e.timer);
    e.timer = setTimeout(() => this.expire(e), this.graceMs);
    e.timer.unref();
    if (this.resumable.size <= WAITING_MAX) return;
    for (const other of this.resumable.values()) {
      if (other.timer && other !== e) {
        this.expire(other);
        return;
      }
    }
  }

  /** No resume came in time: the run ends (as interrupted, if it was open). */
  private expire(e: RunEntry<S>): void {
    clearTimeout(e.timer);
    e.timer = undefined;
    if (this.resumable.get(e.model.runId) === e) this.resumable.delete(e.model.runId);
    if (this.runs.get(e.conn.id) !== e) this.end(e);
  }

  private end(e: RunEntry<S>): void {
    if (e.ended) return;
    e.ended = true;
    const run = e.model;
    try {
      this.within(e, RUN_END, () => run.finish());
    } catch (err) {
      this.fail(e, `end of run: ${errorText(err)}`);
    }
    this.counters.runsEnded += 1;
    this.counters.framesMissingEnded += run.result().framesMissing;
    try {
      this.onRunEnd(run.result());
    } catch (err) {
      // a report that failed (summary, job summary file): the run itself is over and exported
      this.log.warn(`run ${run.runId}: reporting its end failed: ${errorText(err)}`);
    }
  }

  private reject(conn: Connection, code: string, message: string): void {
    this.counters.framesRejected += 1;
    if (this.complained.has(conn.id)) return;
    this.complained.add(conn.id);
    this.log.warn(`connection ${conn.id}: ${code}: ${message} (frame dropped; further bad frames on this connection are counted, not shown)`);
  }
}
