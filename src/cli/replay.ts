import { Pipeline } from '../pipeline.js';
import { Tracing } from '../export/tracing.js';
import { queueDirFrom } from '../export/durable/durable-trace-exporter.js';
import { readFrameFiles } from '../ingest/frame-files.js';
import { Logger } from '../util/log.js';
import { DEFAULT_TRACES_FILE } from './sidecar.js';
import { printExportReport, printRunSummary } from './summary.js';

export interface ReplayOptions {
  tracesFile?: string;
  flushTimeout: number;
  queueDir?: string;
}

/**
 * `ansible-otel replay FILE…`: recorded frame streams and spool files into the traces the live
 * run would have given (same ids, see KeyedIdGenerator). A run without its final frames ends
 * as interrupted, as it would have live.
 */
export async function replayCommand(files: string[], o: ReplayOptions): Promise<number> {
  const log = new Logger();
  const env = process.env;
  const tracing = new Tracing({ env, tracesFile: o.tracesFile ?? env.ANSIBLE_OTEL_TRACES_FILE, defaultTracesFile: DEFAULT_TRACES_FILE, queueDir: queueDirFrom(o.queueDir, env), log });
  const pipeline = new Pipeline(tracing.writer, log, (run) => printRunSummary(log, run, env.ANSIBLE_OTEL_TRACE_URL));
  const connections = new Map<string, { id: number }>();
  let problems = 0;
  try {
    for await (const frame of readFrameFiles(files, (p) => {
      problems += 1;
      if (problems === 1) log.warn(`${p.file}:${p.line}: ${p.code}: ${p.message} (line skipped; further bad lines are counted)`);
    })) {
      let conn = connections.get(frame.run);
      if (!conn) connections.set(frame.run, (conn = { id: connections.size + 1 }));
      pipeline.applyFrame(conn, frame);
    }
  } catch (err) {
    log.error(`cannot read frames: ${(err as Error).message}`);
    return 1;
  } finally {
    pipeline.endAll();
    printExportReport(log, await tracing.shutdown(o.flushTimeout * 1000), o.flushTimeout);
  }
  if (problems > 1) log.warn(`${problems} bad lines skipped in all`);
  if (connections.size === 0) log.warn('no frames found');
  return 0;
}
