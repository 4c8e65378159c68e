import { BatchHandoff } from './batch-handoff.js';
import { SCOPE_NAME, SCOPE_OPTIONS } from './scope.js';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import { BatchLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { RunLogs } from '../model/run-logs.js';
import type { RunObserver } from '../model/run-observer.js';
import type { TargetReport } from './target-report.js';
import { CountingLogRecordExporter } from './counting-log-exporter.js';
import { chooseLogExporters, type LogExporterOptions } from './log-exporters.js';
import { OtelLogWriter } from './otel-log-writer.js';
import type { Component } from '../util/lifecycle.js';
import { ITEM_ID } from './ledger/delivery-ledger.js';
import { logRecordKey } from './ledger/ledger-exporter.js';
import { SignalOutput } from './signal-output.js';

export interface LogOutputOptions extends LogExporterOptions {
  /** Ledger root (as for spans): a record a destination took is not sent there again. Undefined: none. */
  ledgerDir?: string | undefined;
  /** `--force`: the ledger records but filters nothing. */
  ledgerResend?: boolean | undefined;
}

export interface LogsOptions {
  /** Task stdout/stderr as INFO records. */
  taskOutput: boolean;
  /** Exceptions as log records (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN logs, logs/dup): `exception.*` on failure records. */
  exceptions: boolean;
  /** OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT, applied to the body too (the SDK clips attributes with it). */
  bodyLimit: number;
}

export interface LogsReport {
  emitted: number;
  targets: string[];
  perTarget: TargetReport[];
  lastError?: string | undefined;
}

/** The logs' export side, built before NodeSDK: per destination a BatchLogRecordProcessor over the counting, ledger and durable exporters. */
export class LogOutput extends SignalOutput<ReadableLogRecord, CountingLogRecordExporter, BatchLogRecordProcessor> {
  constructor(o: LogOutputOptions) {
    const blrp = o.otel.blrp;
    super({
      ledgerName: 'logs',
      items: 'log records',
      choices: chooseLogExporters(o),
      key: logRecordKey,
      itemId: ITEM_ID.logRecord,
      ledgerDir: o.ledgerDir,
      ledgerResend: o.ledgerResend,
      log: o.log,
      count: (inner, target, onFirstFailure) => new CountingLogRecordExporter(inner, target, onFirstFailure),
      batch: (exporter) => new BatchLogRecordProcessor({ exporter: new BatchHandoff(exporter), ...blrp }),
    });
  }
}

/**
 * The logs signal: the run model's log records (RunLogs) through a writer on NodeSDK's logger
 * provider (the traces' resource), over the log output; shutdown-with-deadline flushes and reports.
 */
export class Logs implements Component<LogsReport> {
  readonly name = 'logs';
  /** Give it the run events; empty when no exporter is configured (nothing is mapped then). */
  readonly observer: RunObserver;
  private readonly writer: OtelLogWriter;

  constructor(
    readonly output: LogOutput,
    provider: LoggerProvider,
    o: LogsOptions,
  ) {
    this.writer = new OtelLogWriter(provider.getLogger(SCOPE_NAME, undefined, SCOPE_OPTIONS), o.bodyLimit);
    this.observer = output.exporters.length ? new RunLogs(this.writer, { taskOutput: o.taskOutput, exceptions: o.exceptions }) : {};
  }

  get targets(): string[] {
    return this.output.targets;
  }

  async start(): Promise<void> {}

  /** Flushed and shut down (NodeSDK's shutdown, begun by the root); what is not out by the deadline is reported as dropped. */
  async shutdown(deadlineMs: number): Promise<LogsReport> {
    await this.output.shutdown(deadlineMs);
    return this.report();
  }

  report(): LogsReport {
    const emitted = this.writer.emitted;
    return { emitted, targets: this.targets, perTarget: this.output.perTarget(emitted), lastError: this.output.lastError };
  }
}
