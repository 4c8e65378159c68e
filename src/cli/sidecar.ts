import { UnixSocketServer } from '../ingest/socket-server.js';
import { Pipeline } from '../pipeline.js';
import { Tracing, type ExportReport } from '../export/tracing.js';
import type { RunSummary } from '../model/run-model.js';
import type { Logger } from '../util/log.js';

export interface SidecarOptions {
  socketPath: string;
  tracesFile?: string;
  defaultTracesFile: string;
  maxFrameBytes: number;
  log: Logger;
  env: NodeJS.ProcessEnv;
  onRunEnd: (run: RunSummary) => void;
}

/** Socket → pipeline → tracing, with one start and one shutdown-with-deadline. */
export class Sidecar {
  readonly tracing: Tracing;
  readonly pipeline: Pipeline<ReturnType<Tracing['writer']['startSpan']>>;
  readonly server: UnixSocketServer;

  constructor(o: SidecarOptions) {
    this.tracing = new Tracing({ env: o.env, tracesFile: o.tracesFile, defaultTracesFile: o.defaultTracesFile, log: o.log });
    this.pipeline = new Pipeline(this.tracing.writer, o.log, o.onRunEnd);
    this.server = new UnixSocketServer({ path: o.socketPath, maxFrameBytes: o.maxFrameBytes, handler: this.pipeline });
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
    return this.tracing.shutdown(flushMs);
  }
}
