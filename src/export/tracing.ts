import { diag, DiagLogLevel } from '@opentelemetry/api';
import { getNumberFromEnv } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { CountingSpanExporter } from './counting-exporter.js';
import { OtelTraceWriter } from './otel-trace-writer.js';
import { KeyedIdGenerator } from './keyed-id-generator.js';
import { chooseTraceExporters, type ExporterOptions } from './trace-exporters.js';
import { sidecarResource } from './resource.js';

export interface ExportReport {
  ended: number;
  exported: number;
  failed: number;
  /** Ended but neither exported nor failed: dropped by a full queue or cut by the deadline. */
  dropped: number;
  targets: string[];
  lastError?: string;
}

/** Defaults that differ from the SDK's: a big queue (a task ending on 5,000 hosts at once must
 * not drop) and a short delay (traces show up live). OTEL_BSP_* still win. */
const BSP_DEFAULTS = { maxQueueSize: 65_536, scheduledDelayMillis: 1_000, maxExportBatchSize: 512 } as const;

/** The OTel side of the sidecar: provider, processors, exporters; start and shutdown-with-deadline. */
export class Tracing {
  readonly writer: OtelTraceWriter;
  private readonly provider: BasicTracerProvider;
  private readonly exporters: CountingSpanExporter[];

  constructor(o: ExporterOptions) {
    diag.setLogger(
      {
        error: (m) => o.log.once(`diag:${m}`, `OpenTelemetry: ${m}`),
        warn: (m) => o.log.once(`diag:${m}`, `OpenTelemetry: ${m}`),
        info: () => {},
        debug: () => {},
        verbose: () => {},
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
    this.exporters = chooseTraceExporters(o).map(
      (c) => new CountingSpanExporter(c.exporter, c.target, (target, message) => o.log.warn(`exporting spans to ${target} failed: ${message} (said once; counted in the summary)`)),
    );
    const bsp = {
      maxQueueSize: getNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE') ?? BSP_DEFAULTS.maxQueueSize,
      scheduledDelayMillis: getNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY') ?? BSP_DEFAULTS.scheduledDelayMillis,
      maxExportBatchSize: getNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE') ?? BSP_DEFAULTS.maxExportBatchSize,
    };
    const ids = new KeyedIdGenerator();
    this.provider = new BasicTracerProvider({
      resource: sidecarResource(),
      idGenerator: ids,
      spanProcessors: this.exporters.map((e) => new BatchSpanProcessor(e, bsp)),
    });
    this.writer = new OtelTraceWriter(this.provider.getTracer('ansible-otel-sidecar'), ids);
  }

  get targets(): string[] {
    return this.exporters.map((e) => e.target);
  }

  /** Flushes and shuts down; whatever is not out by the deadline is reported as dropped. */
  async shutdown(deadlineMs: number): Promise<ExportReport> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
      timer.unref();
    });
    await Promise.race([this.provider.shutdown().catch(() => {}), deadline]);
    clearTimeout(timer);
    return this.report();
  }

  report(): ExportReport {
    const ended = this.writer.spansEnded;
    // With several exporters every span goes to each: report the worst one.
    let exported = this.exporters.length ? ended : 0;
    let failed = 0;
    let lastError: string | undefined;
    for (const e of this.exporters) {
      exported = Math.min(exported, e.exported);
      failed = Math.max(failed, e.failed);
      lastError ??= e.lastError;
    }
    return { ended, exported, failed, dropped: this.exporters.length ? Math.max(0, ended - exported - failed) : 0, targets: this.targets, lastError };
  }
}
