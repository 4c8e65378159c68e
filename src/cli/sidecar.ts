import { join } from 'node:path';
import { UnixSocketServer } from '../ingest/socket-server.js';
import { backlogPressure, type Backpressure } from '../ingest/backpressure.js';
import { FrameRecorder } from '../ingest/frame-recorder.js';
import { WebSocketServerEdge } from '../ingest/ws-server.js';
import { readWsTls, type WsTlsFiles } from '../ingest/ws-tls.js';
import { WatchHub } from '../watch/watch-hub.js';
import { SpoolReplayer } from '../ingest/spool-replayer.js';
import { spoolDirFrom } from '../ingest/spool.js';
import { Pipeline } from '../pipeline.js';
import { Tracing } from '../export/tracing.js';
import { queueDirFrom } from '../export/durable/signal-queue.js';
import { ledgerDirFrom } from '../export/ledger/ledger-dir.js';
import { RunMarks } from '../export/ledger/run-marks.js';
import { RunSettlement } from '../export/ledger/run-settlement.js';
import type { Connection } from '../ingest/connection.js';
import type { FrameOf } from '../protocol/frames.js';
import { ackLine } from '../protocol/replies.js';
import { Metrics } from '../export/metrics.js';
import { Logs, taskOutputFrom } from '../export/logs.js';
import { otelSetup } from '../export/otel-setup.js';
import { isTrue } from './option-parsers.js';
import type { RunSummary } from '../model/run-model.js';
import { ObserverFanout } from '../model/run-observer.js';
import { shutdownSinks, type Sink } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import { appendJobSummary } from './job-summary.js';
import { printExportReport, printLogsReport, printMetricsReport, printRunSummary } from './summary.js';

/** The options `run` and `serve` share. */
export interface SidecarOptions extends WsTlsFiles {
  /** --traces-file (else ANSIBLE_OTEL_TRACES_FILE): OTLP/JSON lines here too. */
  tracesFile?: string;
  /** --logs-file (else ANSIBLE_OTEL_LOGS_FILE): log records as OTLP/JSON lines here too. */
  logsFile?: string;
  /** false with --no-log-task-output: no task output records (see taskOutputFrom). */
  logTaskOutput?: boolean;
  flushTimeout: number;
  maxFrameBytes: number;
  /** --record-frames: keep the raw frame stream in this file. */
  recordFrames?: string;
  /** How often to look for spooled runs after the one look at start; 0: at start only. */
  spoolScanMs?: number;
  /** --queue-dir (else ANSIBLE_OTEL_QUEUE_DIR, else the default; "off": no disk queue). */
  queueDir?: string;
  /** --ledger-dir (else ANSIBLE_OTEL_LEDGER_DIR, else `ledger` in the queue root; "off": none). */
  ledgerDir?: string;
  /** --metrics-host-attribute (else ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE=true): host name on per-host metrics. */
  metricsHostAttribute?: boolean;
  /** --prometheus-port / --prometheus-host: a scrape endpoint (loopback by default). */
  prometheusPort?: number;
  prometheusHost?: string;
  prometheusToken?: string;
  /** --prometheus-textfile (else ANSIBLE_OTEL_PROMETHEUS_TEXTFILE): node_exporter textfile, rewritten per run. */
  prometheusTextfile?: string;
  /** --ws-port (serve): also take shims over WebSocket and serve live watchers there. */
  wsPort?: number;
  wsHost?: string;
  wsToken?: string;
  /** --ws-insecure: a --ws-host off loopback without TLS is the user's choice. */
  wsInsecure?: boolean;
  /** Largest WebSocket message, bytes. */
  wsMaxPayload?: number;
  /** Seconds between heartbeat pings. */
  wsHeartbeat?: number;
}

export const DEFAULT_TRACES_FILE = 'ansible-otel-traces.jsonl';
export const DEFAULT_METRICS_FILE = 'ansible-otel-metrics.jsonl';
export const DEFAULT_LOGS_FILE = 'ansible-otel-logs.jsonl';

/** Socket → pipeline → tracing, with one start and one shutdown-with-deadline. */
export class Sidecar {
  readonly tracing: Tracing;
  readonly metrics: Metrics;
  readonly logs: Logs;
  readonly server: UnixSocketServer;
  readonly websocket: WebSocketServerEdge | undefined;
  readonly watch: WatchHub | undefined;
  /** For every ingest server: behind while the span export queue is half full. */
  readonly backpressure: Backpressure;
  private readonly pipeline: Pipeline<ReturnType<Tracing['writer']['startSpan']>>;
  private readonly recorder: FrameRecorder | undefined;
  private readonly spool: SpoolReplayer<ReturnType<Tracing['writer']['startSpan']>>;
  private readonly settlement: RunSettlement;
  private pruneTimer: NodeJS.Timeout | undefined;
  runsEnded = 0;

  constructor(
    socketPath: string,
    private readonly o: SidecarOptions,
    private readonly log: Logger,
    private readonly sinks: Sink[] = [],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const ledgerDir = ledgerDirFrom(o.ledgerDir, queueDirFrom(o.queueDir, env), env);
    const { otel, resource } = otelSetup(log, env);
    this.tracing = new Tracing({ otel, resource, tracesFile: o.tracesFile ?? env.ANSIBLE_OTEL_TRACES_FILE, defaultTracesFile: DEFAULT_TRACES_FILE, queueDir: queueDirFrom(o.queueDir, env), ledgerDir, log });
    this.settlement = new RunSettlement(this.tracing, ledgerDir === undefined ? undefined : new RunMarks(join(ledgerDir, 'runs')), log);
    this.metrics = new Metrics({
      otel,
      resource,
      env,
      log,
      hostAttribute: o.metricsHostAttribute || isTrue(env.ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE),
      prometheusPort: o.prometheusPort,
      prometheusHost: o.prometheusHost,
      prometheusToken: o.prometheusToken,
      queueDir: queueDirFrom(o.queueDir, env),
      textfile: o.prometheusTextfile ?? env.ANSIBLE_OTEL_PROMETHEUS_TEXTFILE,
      defaultMetricsFile: DEFAULT_METRICS_FILE,
      self: () => ({ ...this.pipeline.selfState(), spans: this.tracing.report() }),
    });
    this.logs = new Logs({ otel, resource, queueDir: queueDirFrom(o.queueDir, env), log, logsFile: o.logsFile ?? env.ANSIBLE_OTEL_LOGS_FILE, defaultLogsFile: DEFAULT_LOGS_FILE, taskOutput: taskOutputFrom(o.logTaskOutput, env) });
    this.sinks = [...sinks, ...this.metrics.sinks];
    this.watch = o.wsPort === undefined ? undefined : new WatchHub({ intervalMs: 250 });
    const observers = [...this.sinks, this.logs.observer, ...(this.watch ? [this.watch.observer] : [])];
    this.pipeline = new Pipeline(this.tracing.writer, log, (run: RunSummary) => {
      this.runsEnded += 1;
      printRunSummary(log, run, env.ANSIBLE_OTEL_TRACE_URL);
      appendJobSummary(env, run);
    }, new ObserverFanout(observers, (method, error) => log.once(`observer:${method}`, `an output failed on ${method}: ${(error as Error)?.message ?? error} (said once; the trace is not affected)`)), (conn, bye, run) => this.ack(conn, bye, run));
    this.recorder = o.recordFrames ? new FrameRecorder(this.pipeline, o.recordFrames) : undefined;
    // The SDK must never drop spans because we read faster than the backend takes them.
    this.backpressure = backlogPressure(() => this.tracing.backlog, this.tracing.backlogLimit);
    this.server = new UnixSocketServer({ path: socketPath, maxFrameBytes: o.maxFrameBytes, handler: this.recorder ?? this.pipeline, backpressure: this.backpressure });
    this.websocket = this.watch && new WebSocketServerEdge({
      host: o.wsHost ?? '127.0.0.1',
      port: o.wsPort!,
      token: o.wsToken,
      tls: readWsTls(o),
      insecure: o.wsInsecure,
      maxPayload: o.wsMaxPayload ?? 1 << 20,
      maxFrameBytes: o.maxFrameBytes,
      heartbeatMs: (o.wsHeartbeat ?? 30) * 1000,
      handler: this.recorder ?? this.pipeline,
      watchers: this.watch,
      backpressure: this.backpressure,
    });
    this.spool = new SpoolReplayer(spoolDirFrom(env), this.pipeline, log, o.spoolScanMs, this.settlement);
  }

  /**
   * A live run sent its last frame: once its spans are safely out, the shim may delete its spool
   * file (docs/protocol.md, "Ack"). No ack when an export failed: the spool stays for a replay.
   */
  private ack(conn: Connection, bye: FrameOf<'bye'>, run: RunSummary): void {
    const reply = conn.reply;
    if (!reply) return; // a replay: the replayer settles its file itself
    this.settlement
      .settle([run])
      .then((ok) => ok && reply(ackLine(run.runId, bye.seq)))
      .catch((error) => this.log.once('ack', `cannot ack run ${run.runId}: ${(error as Error)?.message ?? error} (its spool file stays; said once)`));
  }

  async start(): Promise<void> {
    await this.tracing.ready();
    this.settlement.prune();
    this.pruneTimer = setInterval(() => this.settlement.prune(), 3_600_000).unref();
    await this.metrics.start();
    await this.logs.start();
    await this.server.start();
    await this.websocket?.start();
    this.watch?.start();
    // Runs the shim had to spool while no sidecar was listening: theirs is the first trace out.
    // Not awaited: a spool file goes only once its export settled, which may wait on the backend.
    void this.spool.start();
  }

  /**
   * Lets open connections finish for `graceMs`, ends what is still open as interrupted,
   * flushes spans within the flush timeout and reports what went where.
   */
  async shutdown(graceMs: number): Promise<void> {
    await Promise.all([this.server.shutdown(graceMs), this.websocket?.drainShims(graceMs)]);
    await this.spool.shutdown();
    clearInterval(this.pruneTimer);
    this.pipeline.endAll();
    this.watch?.shutdown(); // watchers see the runs that were cut off end
    await this.websocket?.close();
    await this.recorder?.close();
    const deadlineMs = this.o.flushTimeout * 1000;
    const [, report, metrics, logs] = await Promise.all([
      shutdownSinks(this.sinks, deadlineMs, (sink, error) => this.log.warn(`${sink}: ${(error as Error)?.message ?? error}`)),
      this.tracing.shutdown(deadlineMs),
      this.metrics.shutdown(deadlineMs),
      this.logs.shutdown(deadlineMs),
    ]);
    printExportReport(this.log, report, this.o.flushTimeout);
    printMetricsReport(this.log, metrics, this.o.flushTimeout);
    printLogsReport(this.log, logs, this.o.flushTimeout);
  }
}
