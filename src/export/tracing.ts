import { SCOPE_NAME, SCOPE_OPTIONS } from './scope.js';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { BatchSpanProcessor, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { SdkProviders } from './node-sdk.js';
import { CountingSpanExporter } from './counting-exporter.js';
import { OtelTraceWriter } from './otel-trace-writer.js';
import { KeyedIdGenerator } from './keyed-id-generator.js';
import { QueueGauge } from './queue-gauge.js';
import { chooseTraceExporters, type ExporterOptions } from './trace-exporters.js';
import type { Resource } from '@opentelemetry/resources';
import type { DurableSpanExporter } from './durable/durable-trace-exporter.js';
import { targetReport, type TargetReport } from './target-report.js';
import type { Component } from '../util/lifecycle.js';
import { LedgerExporter, ledgerErrorLog, ledgerDirs, settleLedgers, shutdownLedgered, spanKey } from './ledger/ledger-exporter.js';
import { DeliveryLedger } from './ledger/delivery-ledger.js';
import { destinationDir } from './ledger/ledger-dir.js';

export interface ExportReport {
  ended: number;
  /** The worst destination's numbers (every span goes to every destination). */
  exported: number;
  failed: number;
  dropped: number;
  targets: string[];
  lastError?: string;
  perTarget: TargetReport[];
}

/** The OTel side of the sidecar: provider, processors, exporters; start and shutdown-with-deadline. */
export class Tracing implements Component<ExportReport> {
  readonly name = 'traces';
  /** Set by `attach`: the composition root gives every signal its provider once NodeSDK built them. */
  writer!: OtelTraceWriter;
  private provider!: SdkProviders['tracerProvider'];
  /** Ours, for NodeSDK: span ids keyed by the run, so a replay re-creates them. */
  readonly idGenerator = new KeyedIdGenerator();
  private readonly exporters: CountingSpanExporter[];
  private readonly durable: (DurableSpanExporter | undefined)[];
  private readonly ledgers: LedgerExporter<ReadableSpan>[];
  private readonly gauges: QueueGauge[];
  /** Ingest should wait while `backlog` is above this: half the export queue, the other half absorbs a chunk in flight. */
  readonly backlogLimit: number;

  private readonly resource: Resource;

  constructor(o: ExporterOptions & { resource: Resource }) {
    this.resource = o.resource;
    diag.setLogger(
      {
        // Said once per kind of message: "Dropped 12 spans…" and "Dropped 40 spans…" are one problem.
        error: (m) => o.log.once(`diag:${m.replace(/\d+/g, 'N')}`, `OpenTelemetry: ${m}`),
        warn: (m) => o.log.once(`diag:${m.replace(/\d+/g, 'N')}`, `OpenTelemetry: ${m}`),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    const choices = chooseTraceExporters(o);
    this.durable = choices.map((c) => c.durable);
    this.ledgers = choices.map(
      (c) =>
        new LedgerExporter(
          c.exporter,
          o.ledgerDir === undefined ? undefined : new DeliveryLedger(destinationDir(o.ledgerDir, 'spans', c.target)),
          spanKey,
          ledgerErrorLog(o.log, 'spans', c.target),
          o.ledgerResend,
        ),
    );
    this.exporters = choices.map(
      (c, i) =>
        new CountingSpanExporter(this.ledgers[i]!, c.target, (target, message) =>
          o.log.warn(`exporting spans to ${target} failed: ${message} (said once; counted in the summary)`),
        ),
    );
    // OTEL_BSP_*, with our defaults (otel-env.ts BSP_DEFAULTS: a bigger queue, a shorter delay).
    const bsp = o.otel.bsp;
    this.backlogLimit = Math.floor(bsp.maxQueueSize / 2);
    this.gauges = this.exporters.map((e) => new QueueGauge(new BatchSpanProcessor(e, bsp), e, bsp.maxQueueSize));
  }

  /** The batch processors (over counting, ledger, durable exporters) NodeSDK puts in the provider. */
  get spanProcessors(): SpanProcessor[] {
    return this.gauges;
  }

  attach(provider: SdkProviders['tracerProvider']): void {
    this.provider = provider;
    this.writer = new OtelTraceWriter(provider.getTracer(SCOPE_NAME, undefined, SCOPE_OPTIONS), this.idGenerator);
  }

  /** Resolves when the resource's detected attributes (host.id…) have settled: before the first span ends. */
  async start(): Promise<void> {
    await this.resource.waitForAsyncAttributes?.();
  }

  /** Spans ended but not yet exported or failed, at the slowest destination. */
  get backlog(): number {
    let worst = 0;
    for (const g of this.gauges) worst = Math.max(worst, g.backlog);
    return worst;
  }

  get targets(): string[] {
    return this.exporters.map((e) => e.target);
  }

  get ledgerDirs(): string[] {
    return ledgerDirs(this.ledgers);
  }

  /** True once every span of these traces is exported to every destination and in its ledger. */
  settle(traceIds: readonly string[]): Promise<boolean> {
    return settleLedgers(() => this.provider.forceFlush(), this.ledgers, traceIds);
  }
  /** These traces are settled: the ledgers let go of them (memory; the files of `removable` ones). */
  release(traceIds: readonly string[], removable: ReadonlySet<string>): void {
    for (const l of this.ledgers) l.release(traceIds, removable);
  }

  /** What the ledgers hold in memory, per destination. */
  get ledgerHeld(): LedgerExporter<never>['held'][] {
    return this.ledgers.map((l) => l.held);
  }

  /** Flushes and shuts down; whatever is not out by the deadline is reported as dropped. */
  async shutdown(deadlineMs: number): Promise<ExportReport> {
    await shutdownLedgered(() => this.provider.shutdown(), this.durable, this.ledgers, deadlineMs);
    return this.report();
  }

  report(): ExportReport {
    const ended = this.writer.spansEnded;
    // The ledger's skips were delivered before (a replay after a crash): with a disk queue they count as delivered.
    const perTarget = this.exporters.map((e, i) => targetReport(e, this.durable[i], ended, this.ledgers[i]!.skipped));
    const worst = (f: (t: TargetReport) => number, pick: (a: number, b: number) => number, none: number): number => perTarget.map(f).reduce(pick, none);
    return {
      ended,
      exported: perTarget.length ? worst((t) => t.delivered, Math.min, ended) : 0,
      failed: worst((t) => t.failed, Math.max, 0),
      dropped: worst((t) => t.dropped + t.queued, Math.max, 0),
      targets: this.targets,
      lastError: this.exporters.find((e) => e.lastError)?.lastError,
      perTarget,
    };
  }
}
