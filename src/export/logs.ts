import { getNumberFromEnv } from '@opentelemetry/core';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { RunLogs } from '../model/run-logs.js';
import type { RunObserver } from '../model/run-observer.js';
import { withinDeadline } from '../util/deadline.js';
import { CountingLogRecordExporter } from './counting-log-exporter.js';
import { chooseLogExporters, type LogExporterOptions } from './log-exporters.js';
import { OtelLogWriter } from './otel-log-writer.js';
import { sidecarResource } from './resource.js';

export interface LogsOptions extends LogExporterOptions {
  /** Task stdout/stderr as INFO records. */
  taskOutput: boolean;
}

export interface LogTargetReport {
  target: string;
  delivered: number;
  failed: number;
  /** Emitted but neither delivered nor failed: a full queue, or cut by the deadline. */
  dropped: number;
}

export interface LogsReport {
  emitted: number;
  targets: string[];
  perTarget: LogTargetReport[];
  lastError?: string;
}

/** As the span processor's: a task ending on thousands of hosts must not drop records. OTEL_BLRP_* win. */
const BLRP_DEFAULTS = { maxQueueSize: 65_536, scheduledDelayMillis: 1_000, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 } as const;

/**
 * The logs signal: a LoggerProvider (the traces' resource) with a batch processor per exporter,
 * fed by the run model's log records (RunLogs); shutdown-with-deadline flushes and reports.
 */
export class Logs {
  /** Give it the run events; empty when no exporter is configured (nothing is mapped then). */
  readonly observer: RunObserver;
  private readonly exporters: CountingLogRecordExporter[];
  private readonly provider: LoggerProvider;
  private readonly writer: OtelLogWriter;

  constructor(o: LogsOptions) {
    this.exporters = chooseLogExporters(o).map(
      (c) => new CountingLogRecordExporter(c.exporter, c.target, (target, message) => o.log.warn(`exporting log records to ${target} failed: ${message} (said once; counted in the summary)`)),
    );
    const blrp = {
      maxQueueSize: getNumberFromEnv('OTEL_BLRP_MAX_QUEUE_SIZE') ?? BLRP_DEFAULTS.maxQueueSize,
      scheduledDelayMillis: getNumberFromEnv('OTEL_BLRP_SCHEDULE_DELAY') ?? BLRP_DEFAULTS.scheduledDelayMillis,
      maxExportBatchSize: getNumberFromEnv('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE') ?? BLRP_DEFAULTS.maxExportBatchSize,
      exportTimeoutMillis: getNumberFromEnv('OTEL_BLRP_EXPORT_TIMEOUT') ?? BLRP_DEFAULTS.exportTimeoutMillis,
    };
    const valueLimit = getNumberFromEnv('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? Infinity;
    const countLimit = getNumberFromEnv('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_COUNT_LIMIT') ?? 128;
    this.provider = new LoggerProvider({
      resource: sidecarResource(),
      logRecordLimits: { attributeValueLengthLimit: valueLimit, attributeCountLimit: countLimit },
      processors: this.exporters.map((exporter) => new BatchLogRecordProcessor({ exporter, ...blrp })),
    });
    this.writer = new OtelLogWriter(this.provider.getLogger('ansible-otel-sidecar'), valueLimit);
    this.observer = this.exporters.length ? new RunLogs(this.writer, { taskOutput: o.taskOutput }) : {};
  }

  get targets(): string[] {
    return this.exporters.map((e) => e.target);
  }

  async start(): Promise<void> {}

  /** Flushes and shuts down; what is not out by the deadline is reported as dropped. */
  async shutdown(deadlineMs: number): Promise<LogsReport> {
    await withinDeadline(this.provider.shutdown(), deadlineMs);
    return this.report();
  }

  report(): LogsReport {
    const emitted = this.writer.emitted;
    const perTarget = this.exporters.map((e) => ({ target: e.target, delivered: e.exported, failed: e.failed, dropped: Math.max(0, emitted - e.exported - e.failed) }));
    return { emitted, targets: this.targets, perTarget, lastError: this.exporters.find((e) => e.lastError)?.lastError };
  }
}

/** --no-log-task-output, else ANSIBLE_OTEL_LOG_TASK_OUTPUT=false, turns the output records off; on by default. */
export function taskOutputFrom(flag: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  return flag !== false && env.ANSIBLE_OTEL_LOG_TASK_OUTPUT?.trim().toLowerCase() !== 'false';
}
