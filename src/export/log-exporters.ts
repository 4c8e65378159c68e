import { ConsoleLogRecordExporter, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { DurableLogExporter } from './durable/durable-log-exporter.js';
import { chooseExporters } from './exporter-choice.js';
import { OtlpJsonFileLogExporter } from './otlp-json-file-exporter.js';
import { otlpLogExporter, type OtlpChoice } from './otlp-exporters.js';
import type { OtelEnv } from './otel-env.js';
import type { Logger } from '../util/log.js';

export type LogExporterChoice = OtlpChoice<LogRecordExporter, DurableLogExporter>;

export interface LogExporterOptions {
  /** The OTEL_* configuration, resolved once (otel-env.ts). */
  otel: OtelEnv;
  /** A logs file option, if the CLI grows one: always written. */
  logsFile?: string | undefined;
  /** Where the embedded default writes (`ansible-otel-logs.jsonl`, beside the traces file). */
  defaultLogsFile: string;
  /** Disk queue root shared with traces and metrics; undefined: no queue. */
  queueDir?: string | undefined;
  log: Logger;
}

/** The log record exporters OTEL_LOGS_EXPORTER and OTEL_EXPORTER_OTLP_[LOGS_]* ask for, as for traces. */
export function chooseLogExporters(o: LogExporterOptions): LogExporterChoice[] {
  return chooseExporters(
    { signal: o.otel.logs, disabled: o.otel.disabled, file: o.logsFile, defaultFile: o.defaultLogsFile, variable: 'OTEL_LOGS_EXPORTER', log: o.log },
    {
      file: (path) => new OtlpJsonFileLogExporter(path),
      console: () => new ConsoleLogRecordExporter(),
      otlp: (endpoint) => otlpLogExporter(endpoint, { queueDir: o.queueDir, log: o.log }),
    },
  );
}
