import { SCOPE_NAME, SCOPE_OPTIONS } from './scope.js';
import type { DurableLogExporter } from './durable/durable-log-exporter.js';
import type { Resource } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, type LoggerProvider, type LogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { RunLogs } from '../model/run-logs.js';
import type { RunObserver } from '../model/run-observer.js';
import { targetReport, type TargetReport } from './target-report.js';
import { CountingLogRecordExporter } from './counting-log-exporter.js';
import { chooseLogExporters, type LogExporterOptions } from './log-exporters.js';
import { OtelLogWriter } from './otel-log-writer.js';
import type { Component } from '../util/lifecycle.js';
import { DeliveryLedger, ITEM_ID } from './ledger/delivery-ledger.js';
import { destinationDir } from './ledger/ledger-dir.js';
import { LedgerExporter, ledgerErrorLog, ledgerDirs, logRecordKey, settleLedgers, shutdownLedgered } from './ledger/ledger-exporter.js';

export interface LogsOptions extends LogExporterOptions {
  /** The resource every signal shares (built by the composition root, src/root/sidecar-root.ts). */
  resource: Resource;
  /** Task stdout/stderr as INFO records. */
  taskOutput: boolean;
  /** Exceptions as log records (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN logs, logs/dup): `exception.*` on failure records. */
  exceptions?: boolean;
  /** Ledger root (as for spans): a record a destination took is not sent there again. Undefined: none. */
  ledgerDir?: string;
  /** `--force`: the ledger records but filters nothing. */
  ledgerResend?: boolean;
}

export interface LogsReport {
  emitted: number;
  targets: string[];
  perTarget: TargetReport[];
  lastError?: string;
}

/**
 * The logs signal: a LoggerProvider (the traces' resource) with a batch processor per exporter,
 * fed by the run model's log records (RunLogs); shutdown-with-deadline flushes and reports.
 */
export class Logs implements Component<LogsReport> {
  readonly name = 'logs';
  /** Give it the run events; empty when no exporter is configured (nothing is mapped then). */
  observer: RunObserver = {};
  private readonly exporters: CountingLogRecordExporter[];
  private readonly durable: (DurableLogExporter | undefined)[];
  private readonly ledgers: LedgerExporter<ReadableLogRecord>[];
  private provider!: LoggerProvider;
  private writer!: OtelLogWriter;
  /** The processors and limits NodeSDK puts in the logger provider. */
  readonly logRecordProcessors: LogRecordProcessor[];
  readonly logRecordLimits: { attributeValueLengthLimit: number; attributeCountLimit: number };
  private readonly taskOutput: boolean;
  private readonly exceptions: boolean;

  constructor(o: LogsOptions) {
    const choices = chooseLogExporters(o);
    this.durable = choices.map((c) => c.durable);
    this.ledgers = choices.map(
      (c) =>
        new LedgerExporter(
          c.exporter,
          o.ledgerDir === undefined ? undefined : new DeliveryLedger(destinationDir(o.ledgerDir, 'logs', c.target), ITEM_ID.logRecord),
          logRecordKey,
          ledgerErrorLog(o.log, 'log records', c.target),
          o.ledgerResend,
        ),
    );
    this.exporters = choices.map(
      (c, i) =>
        new CountingLogRecordExporter(this.ledgers[i]!, c.target, (target, message) =>
          o.log.warn(`exporting log records to ${target} failed: ${message} (said once; counted in the summary)`),
        ),
    );
    const blrp = o.otel.blrp;
    this.logRecordLimits = o.otel.logRecordLimits;
    this.logRecordProcessors = this.exporters.map((exporter) => new BatchLogRecordProcessor({ exporter, ...blrp }));
    this.taskOutput = o.taskOutput;
    this.exceptions = o.exceptions ?? false;
  }

  attach(provider: LoggerProvider): void {
    this.provider = provider;
    this.writer = new OtelLogWriter(provider.getLogger(SCOPE_NAME, undefined, SCOPE_OPTIONS), this.logRecordLimits.attributeValueLengthLimit);
    this.observer = this.exporters.length ? new RunLogs(this.writer, { taskOutput: this.taskOutput, exceptions: this.exceptions }) : {};
  }

  get targets(): string[] {
    return this.exporters.map((e) => e.target);
  }

  async start(): Promise<void> {}

  get ledgerDirs(): string[] {
    return ledgerDirs(this.ledgers);
  }

  /** True once every log record of these traces is exported to every destination and in its ledger. */
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

  /** Flushes and shuts down; what is not out by the deadline is reported as dropped. */
  async shutdown(deadlineMs: number): Promise<LogsReport> {
    await shutdownLedgered(() => this.provider.shutdown(), this.durable, this.ledgers, deadlineMs);
    return this.report();
  }

  report(): LogsReport {
    const emitted = this.writer.emitted;
    const perTarget = this.exporters.map((e, i) => targetReport(e, this.durable[i], emitted, this.ledgers[i]!.skipped));
    return { emitted, targets: this.targets, perTarget, lastError: this.exporters.find((e) => e.lastError)?.lastError };
  }
}
