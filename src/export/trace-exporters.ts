import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OtlpJsonFileSpanExporter } from './otlp-json-file-exporter.js';
import type { DurableSpanExporter } from './durable/durable-trace-exporter.js';
import { chooseExporters } from './exporter-choice.js';
import { otlpSpanExporter, type OtlpChoice } from './otlp-exporters.js';
import type { OtelEnv } from './otel-env.js';
import type { Logger } from '../util/log.js';

export type ExporterChoice = OtlpChoice<SpanExporter, DurableSpanExporter>;

export interface ExporterOptions {
  /** The OTEL_* configuration, resolved once (otel-env.ts). */
  otel: OtelEnv;
  /** --traces-file: always write OTLP/JSON lines here too. */
  tracesFile?: string | undefined;
  /** Where the embedded default writes when no OTLP endpoint is configured anywhere. */
  defaultTracesFile: string;
  /** Disk queue root for OTLP batches the backend does not take; undefined: no queue. */
  queueDir?: string | undefined;
  /** Span ledger root (exactly once per destination across crashes); undefined: off. */
  ledgerDir?: string | undefined;
  /** `--force`: the ledger records what goes out but filters nothing: everything is sent again. */
  ledgerResend?: boolean | undefined;
  log: Logger;
}

/** The span exporters the OTel environment variables ask for (spec semantics), plus our default. */
export function chooseTraceExporters(o: ExporterOptions): ExporterChoice[] {
  return chooseExporters(
    { signal: o.otel.traces, disabled: o.otel.disabled, file: o.tracesFile, defaultFile: o.defaultTracesFile, variable: 'OTEL_TRACES_EXPORTER', log: o.log },
    {
      file: (path) => new OtlpJsonFileSpanExporter(path),
      console: () => new ConsoleSpanExporter(),
      otlp: (endpoint) => otlpSpanExporter(endpoint, { queueDir: o.queueDir, log: o.log }),
    },
  );
}
