import { defaultSocketPath, prepareSocketPath } from '../ingest/socket-path.js';
import { Sidecar } from './sidecar.js';
import { printExportReport, printRunSummary } from './summary.js';
import { DEFAULT_TRACES_FILE } from './run.js';
import { Logger } from '../util/log.js';

export interface ServeOptions {
  socket?: string;
  tracesFile?: string;
  flushTimeout: number;
  maxFrameBytes: number;
  recordFrames?: string;
}

/** `ansible-otel serve`: long-lived, many concurrent runs; SIGTERM/SIGINT flush and exit 0. */
export async function serveCommand(o: ServeOptions): Promise<number> {
  const log = new Logger();
  const env = process.env;
  const socketPath = o.socket ?? defaultSocketPath(env);
  await prepareSocketPath(socketPath);
  const sidecar = new Sidecar({
    socketPath,
    tracesFile: o.tracesFile ?? env.ANSIBLE_OTEL_TRACES_FILE,
    defaultTracesFile: DEFAULT_TRACES_FILE,
    maxFrameBytes: o.maxFrameBytes,
    recordFrames: o.recordFrames,
    log,
    env,
    onRunEnd: (run) => printRunSummary(log, run, env.ANSIBLE_OTEL_TRACE_URL),
  });
  await sidecar.start();
  log.info(`listening on ${socketPath}; spans → ${sidecar.tracing.targets.join(', ') || 'nowhere (exporting disabled)'}`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  log.info('shutting down: open runs end as interrupted');
  const report = await sidecar.shutdown(0, o.flushTimeout * 1000);
  printExportReport(log, report, o.flushTimeout);
  return 0;
}
