import { BatchHandoff } from './batch-handoff.js';
import { SCOPE_NAME, SCOPE_OPTIONS } from './scope.js';
import type { TracerProvider } from '@opentelemetry/api';
import { BatchSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { CountingSpanExporter } from './counting-exporter.js';
import { OtelTraceWriter } from './otel-trace-writer.js';
import { KeyedIdGenerator } from './keyed-id-generator.js';
import { QueueGauge } from './queue-gauge.js';
import { chooseTraceExporters, type ExporterOptions } from './trace-exporters.js';
import type { Resource } from '@opentelemetry/resources';
import type { TargetReport } from './target-report.js';
import type { Component } from '../util/lifecycle.js';
import { spanKey } from './ledger/ledger-exporter.js';
import { ITEM_ID } from './ledger/delivery-ledger.js';
import { SignalOutput } from './signal-output.js';

export interface ExportReport {
  ended: number;
  /** The worst destination's numbers (every span goes to every destination). */
  exported: number;
  failed: number;
  dropped: number;
  targets: string[];
  lastError?: string | undefined;
  perTarget: TargetReport[];
}

/**
 * The traces' export side, built before NodeSDK: per destination a BatchSpanProcessor (with its
 * backlog gauge) over the counting, ledger and durable exporters, and our id generator.
 */
export class SpanOutput extends SignalOutput<ReadableSpan, CountingSpanExporter, QueueGauge> {
  /** Ours, for NodeSDK: span ids keyed by the run, so a replay re-creates them. */
  readonly idGenerator = new KeyedIdGenerator();
  /** Ingest should wait while `backlog` is above this: half the export queue, the other half absorbs a chunk in flight. */
  readonly backlogLimit: number;

  constructor(o: ExporterOptions) {
    // OTEL_BSP_*, with our defaults (otel-env.ts BSP_DEFAULTS: a bigger queue, a shorter delay).
    const bsp = o.otel.bsp;
    super({
      ledgerName: 'spans',
      items: 'spans',
      choices: chooseTraceExporters(o),
      key: spanKey,
      itemId: ITEM_ID.span,
      ledgerDir: o.ledgerDir,
      ledgerResend: o.ledgerResend,
      log: o.log,
      count: (inner, target, onFirstFailure) => new CountingSpanExporter(inner, target, onFirstFailure),
      batch: (exporter) => new QueueGauge(new BatchSpanProcessor(new BatchHandoff(exporter), bsp), exporter, bsp.maxQueueSize),
    });
    this.backlogLimit = Math.floor(bsp.maxQueueSize / 2);
  }

  /** Spans ended but not yet exported or failed, at the slowest destination. */
  get backlog(): number {
    let worst = 0;
    for (const g of this.processors) worst = Math.max(worst, g.backlog);
    return worst;
  }
}

/** The traces signal: the run model's writer on NodeSDK's tracer provider, over the span output; its report. */
export class Tracing implements Component<ExportReport> {
  readonly name = 'traces';
  readonly writer: OtelTraceWriter;

  constructor(
    readonly output: SpanOutput,
    provider: TracerProvider,
    private readonly resource: Resource,
  ) {
    this.writer = new OtelTraceWriter(provider.getTracer(SCOPE_NAME, undefined, SCOPE_OPTIONS), output.idGenerator);
  }

  /** Resolves when the resource's detected attributes (host.id…) have settled: before the first span ends. */
  async start(): Promise<void> {
    await this.resource.waitForAsyncAttributes?.();
  }

  get targets(): string[] {
    return this.output.targets;
  }

  /** Flushed and shut down (NodeSDK's shutdown, begun by the root); what is not out by the deadline is reported as dropped. */
  async shutdown(deadlineMs: number): Promise<ExportReport> {
    await this.output.shutdown(deadlineMs);
    return this.report();
  }

  report(): ExportReport {
    const ended = this.writer.spansEnded;
    // The ledger's skips were delivered before (a replay after a crash): with a disk queue they count as delivered.
    const perTarget = this.output.perTarget(ended);
    const worst = (f: (t: TargetReport) => number, pick: (a: number, b: number) => number, none: number): number => perTarget.map(f).reduce(pick, none);
    return {
      ended,
      exported: perTarget.length ? worst((t) => t.delivered, Math.min, ended) : 0,
      failed: worst((t) => t.failed, Math.max, 0),
      dropped: worst((t) => t.dropped + t.queued, Math.max, 0),
      targets: this.targets,
      lastError: this.output.lastError,
      perTarget,
    };
  }
}
