import { UnixSocketServer } from '../ingest/socket-server.js';
import { FrameRecorder } from '../ingest/frame-recorder.js';
import { Pipeline } from '../pipeline.js';
import { Tracing, type ExportReport } from '../export/tracing.js';
import type { RunSummary } from '../model/run-model.js';
import type { Logger } from '../util/log.js';

export interface SidecarOptions {
  socketPath: string;
  tracesFile?: string;
  defaultTracesFile: string;
  maxFrameBytes: number;
  /** --record-frames: keep the raw frame stream in this file. */
  recordFrames?: string;
  log: Logger;
  env: NodeJS.ProcessEnv;
  onRunEnd: (run: RunSummary) => void;
}

/** Socket → pipeline → tracing, with one start and one shutdown-with-deadline. */
export class Sidecar {
  readonly tracing: Tracing;
  readonly pipeline: Pipeline<ReturnType<Tracing['writer']['startSpan']>>;
  readonly server: UnixSocketServer;
  private readonly recorder: FrameRecorder | undefined;

  constructor(o: SidecarOptions) {
    this.tracing = new Tracing({ env: o.env, tracesFile: o.tracesFile, defaultTracesFile: o.defaultTracesFile, log: o.log });
    this.pipeline = new Pipeline(this.tracing.writer, o.log, o.onRunEnd);
    this.recorder = o.recordFrames ? new FrameRecorder(this.pipeline, o.recordFrames) : undefined;
    this.server = new UnixSocketServer({ path: o.socketPath, maxFrameBytes: o.maxFrameBytes, handler: this.recorder ?? this.pipeline });
  }

  start(): Promise<void> {
    return this.server.start();
  }

  /**
   * Lets open connections finish for `graceMs`, ends what is still open as interrupted,
   * then flushes spans within `flushMs`.
   */
  async shutdown(graceMs: number, flushMs: number): Promise<ExportReport> {
    await this.server.shutdown(graceMs);
    this.pipeline.endAll();
    await this.recorder?.close();
    return this.tracing.shutdown(flushMs);
  }
}
