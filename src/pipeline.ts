import type { Connection, LineHandler } from './ingest/connection.js';
import { decodeFrame, FrameError } from './protocol/decode.js';
import type { Frame, FrameOf } from './protocol/frames.js';
import { RunModel, type RunModelOptions, type RunSummary } from './model/run-model.js';
import type { TraceWriter } from './model/trace-writer.js';
import type { RunObserver } from './model/run-observer.js';
import type { Logger } from './util/log.js';
import type { SelfState } from './export/self-metrics.js';

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

/**
 * Connections in, runs out: decodes each line, keeps one RunModel per connection (a run per
 * ansible-playbook process, kept apart by run id) and reports each run when it ends.
 * Every ingest path (socket, WebSocket, spool, replay, import) applies frames here, so this is
 * the one guard: a frame that breaks its run ends that run, never the process.
 */
export class Pipeline<S> implements LineHandler {
  readonly counters: PipelineCounters = { framesReceived: 0, framesRejected: 0, runsStarted: 0, runsEnded: 0, framesMissingEnded: 0, runsFailed: 0 };
  private readonly runs = new Map<number, RunModel<S>>();
  private readonly complained = new Set<number>();

  constructor(
    private readonly writer: TraceWriter<S>,
    private readonly log: Logger,
    private readonly onRunEnd: (summary: RunSummary) => void,
    private readonly observer: RunObserver = {},
    /** The run's last frame was applied: every span of it has ended (the ack waits for their export). */
    private readonly onBye?: (conn: Connection, bye: FrameOf<'bye'>, run: RunSummary) => void,
    private readonly modelOptions: RunModelOptions = {},
  ) {}

  /** Frames the shims numbered but the sidecar never got, over all runs so far. */
  framesMissing(): number {
    let n = this.counters.framesMissingEnded;
    for (const run of this.runs.values()) n += run.result().framesMissing;
    return n;
  }

  /** The pipeline's part of the sidecar's self-metrics (observeSelf). */
  selfState(): Pick<SelfState, 'framesReceived' | 'framesRejected' | 'framesMissing' | 'runsActive' | 'runsFailed'> {
    const c = this.counters;
    return {
      framesReceived: c.framesReceived,
      framesRejected: c.framesRejected,
      framesMissing: this.framesMissing(),
      runsActive: this.runs.size,
      runsFailed: c.runsFailed,
    };
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
    let run = this.runs.get(conn.id);
    if (!run) {
      run = new RunModel(this.writer, frame.run, this.observer, this.modelOptions);
      this.runs.set(conn.id, run);
      this.counters.runsStarted += 1;
    } else if (run.runId !== frame.run) {
      this.reject(conn, 'foreign_run', `frame for run ${frame.run} on the connection of run ${run.runId}`);
      return false;
    }
    if (run.result().failure !== undefined) {
      this.reject(conn, 'run_failed', `frame ${frame.t} #${frame.seq} of run ${run.runId}, which failed earlier`);
      return false;
    }
    try {
      run.apply(frame);
    } catch (err) {
      this.fail(run, `${frame.t} #${frame.seq}: ${errorText(err)}`, conn);
      return false;
    }
    if (frame.t === 'bye') this.onBye?.(conn, frame, run.result());
    return true;
  }

  /** Counts and reports a failed run and ends it; the connection's later frames are refused quietly. */
  private fail(run: RunModel<S>, failure: string, conn?: Connection): void {
    this.counters.runsFailed += 1;
    if (conn) this.complained.add(conn.id);
    this.log.warn(`run ${run.runId}: failed on frame ${failure}: its open spans end as ERROR, its later frames are refused`);
    try {
      run.abort(failure);
    } catch (err) {
      this.log.warn(`run ${run.runId}: ending it after the failure failed too: ${errorText(err)}`);
    }
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
    try {
      run.finish();
    } catch (err) {
      this.fail(run, `end of run: ${errorText(err)}`);
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
