// The composition root: one typed configuration (config.ts) in, the whole sidecar out —
// ingest edges → pipeline (run model) → exports (traces, metrics, logs) and sinks — for every
// command. `run` and `serve` add the live edges (Unix socket, WebSocket, spool replayer);
// `replay` and `import` feed stored frames through the same pipeline and outputs.
import { join } from 'node:path';
import { UnixSocketServer } from '../ingest/socket-server.js';
import { backlogPressure, type Backpressure } from '../ingest/backpressure.js';
import { FrameRecorder } from '../ingest/frame-recorder.js';
import { WebSocketServerEdge } from '../ingest/ws-server.js';
import { readWsTls } from '../ingest/ws-tls.js';
import { WatchHub } from '../watch/watch-hub.js';
import { SpoolReplayer } from '../ingest/spool-replayer.js';
import { Pipeline } from '../pipeline.js';
import { SpanOutput, Tracing } from '../export/tracing.js';
import { RunMarks } from '../export/ledger/run-marks.js';
import { RunSettlement } from '../export/ledger/run-settlement.js';
import { OutputMarks } from '../export/ledger/output-marks.js';
import { isMarked, OutputGate } from '../export/ledger/output-gate.js';
import { FrameCursor } from '../model/frame-cursor.js';
import { withinDeadline } from '../util/deadline.js';
import { MetricOutput, Metrics } from '../export/metrics.js';
import { LogOutput, Logs } from '../export/logs.js';
import { resourceDetectors, sidecarResources } from '../export/resource.js';
import { OtelSdk, sdkDiagnostics } from '../export/node-sdk.js';
import type { Frame, FrameOf } from '../protocol/frames.js';
import { ackLine } from '../protocol/replies.js';
import type { RunSummary } from '../model/run-model.js';
import { ObserverFanout } from '../model/run-observer.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import { shutdownAll, stragglerMessage, type Component, type IngestEdge, type Straggler } from '../util/lifecycle.js';
import { DEFAULT_LOGS_FILE, DEFAULT_METRICS_FILE, DEFAULT_TRACES_FILE, type SidecarConfig } from './config.js';
import { appendJobSummary } from './job-summary.js';
import { printExportReport, printLogsReport, printMetricsReport, printRunSummary } from './summary.js';
import { HistoryStore } from '../history/history-store.js';
import { HistorySink } from '../history/history-sink.js';
import { autoBaseline, fileBaseline } from '../history/baseline-source.js';
import { loadRun, type LoadedRun } from '../history/run-source.js';
import type { BaselineLookup } from '../analysis/baseline.js';

type Span = ReturnType<Tracing['writer']['startSpan']>;

/** What the command adds to the outputs the configuration asks for. */
export interface RootParts {
  /** Console, notification and report sinks the command chose. */
  sinks?: Sink[];
  /** run and serve: take live runs on this Unix socket (and the WebSocket edge if configured). */
  socketPath?: string;
  /** replay has no metrics; import and live runs do. */
  metrics?: boolean;
  /**
   * replay and import --force: send the runs again, whatever the ledger and the marks say (what
   * goes out is recorded as usual).
   */
  force?: boolean;
}

/**
 * The sidecar as one Component: `start` brings every part up in order, `shutdown` takes them down
 * in the reverse order within one deadline and resolves to whether every span and log record was
 * delivered or is waiting in the disk queue (what replay and import exit with).
 */
export class SidecarRoot implements Component<boolean> {
  readonly name = 'sidecar';
  readonly tracing: Tracing;
  readonly metrics: Metrics | undefined;
  readonly logs: Logs;
  readonly server: UnixSocketServer | undefined;
  readonly websocket: WebSocketServerEdge | undefined;
  /** For every ingest edge: behind while the span export queue is half full. */
  readonly backpressure: Backpressure;
  private readonly sinks: Sink[];
  private readonly pipeline: Pipeline<Span>;
  private readonly watch: WatchHub | undefined;
  private readonly recorder: FrameRecorder | undefined;
  private readonly spool: SpoolReplayer<Span> | undefined;
  private readonly settlement: RunSettlement | undefined;
  /** Keeps from each output what it took of a run before (a replay after a crash, a second `replay`). */
  private readonly gate: OutputGate | undefined;
  /** replay and import: runs skipped whole, already out whole before. */
  runsSkipped = 0;
  /** replay and import --force: the ledger and the marks hold nothing back. */
  private readonly force: boolean;
  /** NodeSDK and its providers: built (and so started) before the writers, shut down with the outputs. */
  private readonly sdk: OtelSdk;
  private pruneTimer: NodeJS.Timeout | undefined;
  /** run and serve: the run history every live playbook is appended to. */
  private readonly history: HistoryStore | undefined;
  /** run --baseline FILE: the run read from it at start. */
  private baselineRun: LoadedRun | undefined;
  runsEnded = 0;
  /** Runs the shims' spool caps cost, as their later runs told (bye.spool_evicted). */
  private spoolRunsEvicted = 0;

  constructor(
    private readonly config: SidecarConfig,
    private readonly log: Logger,
    parts: RootParts = {},
  ) {
    const c = config;
    const live = parts.socketPath !== undefined;
    const { resource, metricsResource } = sidecarResources(resourceDetectors(c.otel.resourceDetectors, log), c.ci, c.metrics.runEntity);
    // Every command keeps the ledger: `replay` and `import` of a run already sent send nothing
    // again, unless told --force (which still records what it sends).
    const ledgerDir = c.ledgerDir;
    const force = parts.force === true;
    this.force = force;
    sdkDiagnostics(log);
    // The export side of each signal first (processors, readers), then NodeSDK builds the
    // providers over them, then the signals' writers go on those providers: no part waits for a
    // provider to be handed to it later.
    const spans = new SpanOutput({
      otel: c.otel,
      tracesFile: c.tracesFile,
      defaultTracesFile: DEFAULT_TRACES_FILE,
      queueDir: c.queueDir,
      ledgerDir,
      ledgerResend: force,
      log,
    });
    const metricOutput =
      parts.metrics === false
        ? undefined
        : new MetricOutput({ otel: c.otel, log, ...c.metrics, queueDir: c.queueDir, defaultMetricsFile: DEFAULT_METRICS_FILE });
    const logRecords = new LogOutput({
      otel: c.otel,
      queueDir: c.queueDir,
      log,
      logsFile: c.logsFile,
      defaultLogsFile: DEFAULT_LOGS_FILE,
      ledgerDir,
      ledgerResend: force,
    });
    this.sdk = new OtelSdk({
      disabled: c.otel.disabled,
      resource,
      metricsResource,
      idGenerator: spans.idGenerator,
      spanProcessors: spans.processors,
      metricReaders: metricOutput?.readers ?? [],
      logRecordProcessors: logRecords.processors,
      logRecordLimits: c.otel.logRecordLimits,
    });
    this.tracing = new Tracing(spans, this.sdk.tracerProvider, resource);
    this.metrics =
      metricOutput &&
      new Metrics(metricOutput, this.sdk.meterProvider, {
        resource: metricsResource,
        log,
        hostAttribute: c.metrics.hostAttribute,
        textfile: c.metrics.textfile,
        self: () => ({ ...this.pipeline.selfState(), spoolRunsEvicted: this.spoolRunsEvicted, spans: this.tracing.report() }),
      });
    this.logs = new Logs(logRecords, this.sdk.loggerProvider, {
      taskOutput: c.taskOutput,
      exceptions: c.otel.exceptions.logs,
      bodyLimit: c.otel.logRecordLimits.attributeValueLengthLimit,
    });
    const marks = ledgerDir === undefined ? undefined : new RunMarks(join(ledgerDir, 'runs'));
    const outputMarks = ledgerDir === undefined ? undefined : new OutputMarks(join(ledgerDir, 'outputs'));
    const cursor = new FrameCursor();
    this.gate =
      outputMarks &&
      new OutputGate(outputMarks, cursor, {
        force,
        onError: (message) =>
          log.once('output-marks', `${message}: an output's share of a run is not recorded; a replay may give it those events again (said once)`),
      });
    const destinations = [...spans.targets, ...logRecords.targets].sort().join('\n');
    this.settlement = new RunSettlement(
      [spans, logRecords],
      marks,
      log,
      c.ledgerRetentionMs,
      outputMarks?.dir,
      (runId) => this.gate?.release(runId),
      destinations,
    );
    this.history = live && c.historyDir ? new HistoryStore(c.historyDir, (key, message) => log.once(`history:${key}`, message)) : undefined;
    const sinks = [...(parts.sinks ?? []), ...(this.metrics?.sinks ?? []), ...(this.history ? [new HistorySink(this.history, log)] : [])];
    this.sinks = sinks.map((sink) => (this.gate && isMarked(sink) ? this.gate.wrap(sink) : sink));
    this.watch = live && c.websocket ? new WatchHub({ intervalMs: 250 }) : undefined;
    const observers = [...this.sinks, this.logs.observer, ...(this.watch ? [this.watch.observer] : [])];
    const fanout = new ObserverFanout(observers, (method, error) =>
      log.once(`observer:${method}`, `an output failed on ${method}: ${(error as Error)?.message ?? error} (said once; the trace is not affected)`),
    );
    this.pipeline = new Pipeline(
      this.tracing.writer,
      log,
      (run) => this.runEnded(run),
      fanout,
      live ? (run, seq, reply, bye) => this.ack(run, seq, reply, bye) : undefined,
      {
        hostSpans: c.hostSpans,
        resumeGate: this.settlement,
        traceUrl: c.traceUrl,
        exceptionEvents: c.otel.exceptions.spanEvents,
        digest: this.history !== undefined,
        baseline: live ? this.baselineLookup() : undefined,
        cursor,
      },
    );
    // The SDK must never drop spans because we read faster than the backend takes them.
    this.backpressure = backlogPressure(() => spans.backlog, spans.backlogLimit);
    this.recorder = live && c.recordFrames ? new FrameRecorder(this.pipeline, c.recordFrames) : undefined;
    const handler = this.recorder ?? this.pipeline;
    this.server = live
      ? new UnixSocketServer({ path: parts.socketPath!, maxFrameBytes: c.maxFrameBytes, handler, backpressure: this.backpressure })
      : undefined;
    const ws = c.websocket;
    this.websocket =
      this.watch && ws
        ? new WebSocketServerEdge({
            host: ws.host,
            port: ws.port,
            token: ws.token,
            tls: readWsTls(ws),
            insecure: ws.insecure,
            maxPayload: ws.maxPayload,
            maxFrameBytes: c.maxFrameBytes,
            heartbeatMs: ws.heartbeatMs,
            handler,
            watchers: this.watch,
            backpressure: this.backpressure,
          })
        : undefined;
    this.spool = live ? new SpoolReplayer(c.spoolDir, this.pipeline, log, c.spoolScanMs, this.settlement, this.backpressure) : undefined;
  }

  /** run --baseline: the lookup each playbook's start asks (a file's run is read in start()). */
  private baselineLookup(): BaselineLookup | undefined {
    const { baseline, thresholds } = this.config;
    if (!baseline) return undefined;
    if (baseline === 'auto') return this.history ? autoBaseline(this.history, thresholds) : undefined;
    return (start) =>
      this.baselineRun ? fileBaseline(this.baselineRun.runs, this.baselineRun.what, this.history, thresholds)(start) : `${baseline}: not read`;
  }

  private runEnded(run: RunSummary): void {
    this.runsEnded += 1;
    this.gate?.runEnded(run.runId);
    printRunSummary(this.log, run, this.config.traceUrl);
    if (this.server) appendJobSummary(this.config.jobSummaryFile, this.config.traceUrl, run); // a live run's CI job, not a later replay's
  }

  /**
   * A live run sent its last frame: once its spans are safely out, the shim may delete its spool
   * file (docs/protocol.md, "Ack"). No ack when an export failed: the spool stays for a replay.
   */
  private ack(run: RunSummary, seq: number, reply: ((line: string) => void) | undefined, bye: FrameOf<'bye'> | undefined): void {
    if (!reply || !this.settlement) return; // a replay: the replayer settles its file itself
    // Told live only: a replayed file's bye would tell it again, as the shim forgets it only on the ack.
    const evicted = bye?.spool_evicted;
    if (evicted?.runs) {
      this.spoolRunsEvicted += evicted.runs;
      this.log.warn(
        `run ${run.runId}: its shim's spool cap (spool_max_mb, spool_max_age_days) deleted ${evicted.runs} earlier run${evicted.runs === 1 ? '' : 's'} (${evicted.bytes} bytes of frames) that no sidecar had taken: their traces are lost`,
      );
    }
    this.settlement
      .settle([run])
      .then((ok) => ok && reply(ackLine(run.runId, seq)))
      .catch((error) => this.log.once('ack', `cannot ack run ${run.runId}: ${(error as Error)?.message ?? error} (its spool file stays; said once)`))
      .finally(() => this.pipeline.release(run.runId));
  }

  private get edges(): IngestEdge[] {
    return [this.server, this.websocket].filter((e): e is NonNullable<typeof e> => e !== undefined);
  }

  /** Outputs first, then the edges that feed them: no frame arrives before its exporters exist. */
  async start(): Promise<void> {
    const b = this.config.baseline;
    if (b && b !== 'auto' && this.server) {
      // a baseline that cannot be read costs the comparison, never the run
      this.baselineRun = await loadRun(b, this.history, undefined, (m) => this.log.warn(`--baseline ${m}`)).catch((err) => {
        this.log.warn(`--baseline ${(err as Error)?.message ?? err}: the run goes on without a baseline`);
        return undefined;
      });
    }
    const outputs: Partial<Component<unknown>>[] = [this.tracing, ...(this.metrics ? [this.metrics] : []), this.logs, ...this.sinks];
    for (const c of outputs) await c.start?.();
    if (this.settlement && this.server) {
      this.settlement.prune();
      this.pruneTimer = setInterval(() => this.settlement!.prune(), 3_600_000).unref();
    }
    for (const c of [...this.edges, ...(this.watch ? [this.watch] : []), ...(this.recorder ? [this.recorder] : [])]) await c.start();
    // Runs the shim had to spool while no sidecar was listening: theirs is the first trace out.
    // Not awaited: a spool file goes only once its export settled, which may wait on the backend.
    void this.spool?.start();
  }

  /**
   * replay and import: stored frames through the live pipeline; returns how many runs they held.
   * A run out whole before (its run mark) is skipped unless the root was built with `force`; the
   * others end here (cut short: as interrupted) and, once out, are marked done, as a spool file's runs are.
   */
  async feed(frames: AsyncIterable<Frame> | Iterable<Frame>): Promise<number> {
    const connections = new Map<string, { id: number } | null>();
    for await (const frame of frames) {
      let conn = connections.get(frame.run);
      if (conn === undefined) {
        conn = !this.force && this.settlement?.done(frame.run) ? null : { id: connections.size + 1 };
        connections.set(frame.run, conn);
        if (!conn) {
          this.runsSkipped += 1;
          this.log.info(`run ${frame.run} was sent whole before: skipped (--force sends it again)`);
        }
      }
      if (!conn) continue;
      this.pipeline.applyFrame(conn, frame);
      // A file reads far faster than a backend takes spans: wait as a socket would, never overflow the export queue.
      if (this.backpressure.behind()) await this.backpressure.whenClear();
    }
    const runs: RunSummary[] = [];
    for (const conn of connections.values()) {
      const run = conn && this.pipeline.onClose(conn);
      if (run) runs.push(run);
    }
    if (runs.length && this.settlement) await withinDeadline(this.settlement.settle(runs), this.config.flushTimeoutMs);
    return connections.size;
  }

  /**
   * In order: the edges take no more runs and cut the open ones, the spooled run being replayed
   * gets its export, what is still open ends as interrupted, the watchers see it, the edges close;
   * then the SDK (NodeSDK flushes every provider), the sinks and the signals hand everything over
   * within `deadlineMs` (the flush timeout), the output marks record what they took, and the
   * report says what went where. The report is written whatever happened before it (a part that threw is one more line).
   * Resolves to whether every span and log record was delivered or is waiting in the disk queue.
   */
  async shutdown(deadlineMs: number): Promise<boolean> {
    const stragglers: Straggler[] = [];
    try {
      await Promise.all(this.edges.map((e) => e.drain()));
      // A spooled run being replayed waits on its export like a live one: it gets the deadline.
      await this.spool?.shutdown(deadlineMs);
      clearInterval(this.pruneTimer);
      this.pipeline.endAll();
      // Watchers see the runs that were cut off end, then the edges close.
      stragglers.push(...(await shutdownAll(this.watch ? [this.watch] : [], deadlineMs)));
      stragglers.push(...(await shutdownAll([...this.edges, ...(this.recorder ? [this.recorder] : [])], deadlineMs)));
      // Before the outputs flush: what their flush delivers (the last metric export) is what marks it.
      const marking = this.gate?.flush();
      await nextMillisecond(); // a metric collection of the flush must come after the marks' wait began (metric-acks.ts)
      const end = Date.now() + deadlineMs;
      // The SDK first: NodeSDK's shutdown flushes every provider, and each signal waits for its own
      // share of it (its processors or readers) before it spills and reports.
      const outputs = [this.sdk, ...this.sinks, this.tracing, ...(this.metrics ? [this.metrics] : []), this.logs];
      stragglers.push(...(await shutdownAll(outputs, deadlineMs)));
      // The outputs have flushed: what they took is marked within a few fsyncs (the rest of the
      // flush deadline, at least MARKS_WRITE_MS). What one did not take (a collector down: its own
      // report says so) stays unmarked, for a replay to give it again: at least once.
      if (marking) await withinDeadline(marking, Math.max(MARKS_WRITE_MS, end - Date.now()));
    } catch (error) {
      stragglers.push({ name: this.name, error });
    } finally {
      for (const s of stragglers) this.log.warn(stragglerMessage(s, deadlineMs));
      printExportReport(this.log, this.tracing.report(), deadlineMs / 1000);
      if (this.metrics) printMetricsReport(this.log, this.metrics.report(), deadlineMs / 1000);
      printLogsReport(this.log, this.logs.report(), deadlineMs / 1000);
    }
    return [...this.tracing.report().perTarget, ...this.logs.report().perTarget].every((t) => t.failed === 0 && t.dropped === 0);
  }
}

/** What the output marks get after the outputs' flush to write what they took (a few fsyncs). */
const MARKS_WRITE_MS = 200;

/** Resolves once Date.now() has moved on: the metric SDK stamps collections in whole milliseconds. */
async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() === now) await new Promise((resolve) => setImmediate(resolve));
}
