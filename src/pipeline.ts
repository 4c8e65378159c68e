import type { Connection, LineHandler } from './ingest/connection.js';
import { decodeFrame, FrameError } from './protocol/decode.js';
import type { Frame, FrameOf } from './protocol/frames.js';
import { RunModel, type RunSummary } from './model/run-model.js';
import type { TraceWriter } from './model/trace-writer.js';
import type { RunObserver } from './model/run-observer.js';
import type { Logger } from './util/log.js';

export interface PipelineCounters {
  framesReceived: number;
  framesRejected: number;
  runsStarted: number;
  runsEnded: number;
  /** Sequence gaps of ended runs (see framesMissing() for the running total). */
  framesMissingEnded: number;
}

/**
 * Connections in, runs out: decodes each line, keeps one RunModel per connection (a run per
 * ansible-playbook process, kept apart by run id) and reports each run when it ends.
 */
export class Pipeline<S> implements LineHandler {
  readonly counters: PipelineCounters = { framesReceived: 0, framesRejected: 0, runsStarted: 0, runsEnded: 0, framesMissingEnded: 0 };
  private readonly runs = new Map<number, RunModel<S>>();
  private readonly complained = new Set<number>();

  constructor(
    private readonly writer: TraceWriter<S>,
    private readonly log: Logger,
    private readonly onRunEnd: (summary: RunSummary) => void,
    private readonly observer: RunObserver = {},
    /** The run's last frame was applied: every span of it has ended (the ack waits for their export). */
    private readonly onBye?: (conn: Connection, bye: FrameOf<'bye'>, run: RunSummary) => void,
  ) {}

  get openRuns(): number {
    return this.runs.size;
  }

  /** Frames the shims numbered but the sidecar never got, over all runs so far. */
  framesMissing(): number {
    let n = this.counters.framesMissingEnded;
    for (const run of this.runs.values()) n += run.result().framesMissing;
    return n;
  }

  onLine(conn: Connection, line: string): void {
    this.counters.framesReceived += 1;
    let frame;
    try {
      frame = decodeFrame(line);
    } catch (err) {
      if (!(err instanceof FrameError)) throw err;
      return this.reject(conn, err.code, err.message);
    }
    this.applyFrame(conn, frame);
  }

  /** A decoded frame (from a socket line, or a file replay that routes frames by run id). */
  applyFrame(conn: Connection, frame: Frame): void {
    let run = this.runs.get(conn.id);
    if (!run) {
      run = new RunModel(this.writer, frame.run, this.observer);
      this.runs.set(conn.id, run);
      this.counters.runsStarted += 1;
    } else if (run.runId !== frame.run) {
      return this.reject(conn, 'foreign_run', `frame for run ${frame.run} on the connection of run ${run.runId}`);
    }
    run.apply(frame);
    if (frame.t === 'bye') this.onBye?.(conn, frame, run.result());
  }

  onOversized(conn: Connection, bytes: number): void {
    this.counters.framesReceived += 1;
    this.reject(conn, 'frame_too_large', `frame of ${bytes} bytes is over the limit`);
  }

  /** The connection's run ends here; returns its summary (replays wait for its spans' export). */
  onClose(conn: Connection): RunSummary | undefined {
    const run = this.runs.get(conn.id);
    this.complained.delete(conn.id);
    if (!run) return undefined;
    this.runs.delete(conn.id);
    this.end(run);
    return run.result();
  }

  /** Ends every open run (sidecar shutdown or the wrapped command exited). */
  endAll(): void {
    for (const [id, run] of this.runs) {
      this.runs.delete(id);
      this.end(run);
    }
  }

  private end(run: RunModel<S>): void {
    run.finish();
    this.counters.runsEnded += 1;
    this.counters.framesMissingEnded += run.result().framesMissing;
    this.onRunEnd(run.result());
  }

  private reject(conn: Connection, code: string, message: string): void {
    this.counters.framesRejected += 1;
    if (this.complained.has(conn.id)) return;
    this.complained.add(conn.id);
    this.log.warn(`connection ${conn.id}: ${code}: ${message} (frame dropped; further bad frames on this connection are counted, not shown)`);
  }
}
