import { Pipeline } from '../pipeline.js';
import { Tracing } from '../export/tracing.js';
import { queueDirFrom } from '../export/durable/signal-queue.js';
import { Metrics } from '../export/metrics.js';
import { Logs, taskOutputFrom } from '../export/logs.js';
import type { SelfState } from '../export/self-metrics.js';
import { otelSetup } from '../export/otel-setup.js';
import { isTrue } from './option-parsers.js';
import { ObserverFanout } from '../model/run-observer.js';
import type { Frame } from '../protocol/frames.js';
import { shutdownSinks } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import { DEFAULT_LOGS_FILE, DEFAULT_METRICS_FILE, DEFAULT_TRACES_FILE } from './sidecar.js';
import { printExportReport, printLogsReport, printMetricsReport, printRunSummary } from './summary.js';

/** The options of the commands that turn stored frames into telemetry (replay, import). */
export interface FrameExportOptions {
  tracesFile?: string;
  logsFile?: string;
  logTaskOutput?: boolean;
  flushTimeout: number;
  queueDir?: string;
}

/**
 * Frames (of one or several runs, told apart by run id) → pipeline → exporters, then every run
 * ended (a run without its final frames as interrupted) and flushed within the flush timeout.
 * With `metrics`, the run's metrics go out too, as from a live sidecar. Returns the number of runs.
 */
export async function exportFrames(frames: AsyncIterable<Frame> | Iterable<Frame>, o: FrameExportOptions, log: Logger, withMetrics = false, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { otel, resource } = otelSetup(log, env);
  const tracing = new Tracing({ otel, resource, tracesFile: o.tracesFile ?? env.ANSIBLE_OTEL_TRACES_FILE, defaultTracesFile: DEFAULT_TRACES_FILE, queueDir: queueDirFrom(o.queueDir, env), log });
  const connections = new Map<string, { id: number }>();
  const metrics: Metrics | undefined = withMetrics
    ? new Metrics({
        otel,
        resource,
        env,
        log,
        hostAttribute: isTrue(env.ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE),
        textfile: env.ANSIBLE_OTEL_PROMETHEUS_TEXTFILE,
        queueDir: queueDirFrom(o.queueDir, env),
        defaultMetricsFile: DEFAULT_METRICS_FILE,
        self: (): Omit<SelfState, 'metricExportsFailed'> => ({ ...pipeline.selfState(), spans: tracing.report() }),
      })
    : undefined;
  const sinks = metrics?.sinks ?? [];
  // Log records too: a replay re-sends them (no ledger for logs), as the spans it re-creates.
  const logs = new Logs({ otel, resource, queueDir: queueDirFrom(o.queueDir, env), log, logsFile: o.logsFile ?? env.ANSIBLE_OTEL_LOGS_FILE, defaultLogsFile: DEFAULT_LOGS_FILE, taskOutput: taskOutputFrom(o.logTaskOutput, env) });
  const observer = new ObserverFanout([...sinks, logs.observer], (method, error) => log.once(`observer:${method}`, `an output failed on ${method}: ${(error as Error)?.message ?? error} (said once; the trace is not affected)`));
  const pipeline: Pipeline<ReturnType<Tracing['writer']['startSpan']>> = new Pipeline(tracing.writer, log, (run) => printRunSummary(log, run, env.ANSIBLE_OTEL_TRACE_URL), observer);
  await tracing.ready();
  await metrics?.start();
  try {
    for await (const frame of frames) {
      let conn = connections.get(frame.run);
      if (!conn) connections.set(frame.run, (conn = { id: connections.size + 1 }));
      pipeline.applyFrame(conn, frame);
    }
  } finally {
    pipeline.endAll();
    const deadlineMs = o.flushTimeout * 1000;
    const [, report, metricsReport, logsReport] = await Promise.all([
      shutdownSinks(sinks, deadlineMs, (sink, error) => log.warn(`${sink}: ${(error as Error)?.message ?? error}`)),
      tracing.shutdown(deadlineMs),
      metrics?.shutdown(deadlineMs),
      logs.shutdown(deadlineMs),
    ]);
    printExportReport(log, report, o.flushTimeout);
    if (metricsReport) printMetricsReport(log, metricsReport, o.flushTimeout);
    printLogsReport(log, logsReport, o.flushTimeout);
  }
  return connections.size;
}
