import { resolve } from 'node:path';
import { ConsoleLogRecordExporter, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as OtlpHttpJsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as OtlpHttpProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OtlpJsonFileLogExporter } from './otlp-json-file-exporter.js';
import { isTrue, otlpProtocol, otlpSignalUrl } from './otlp-env.js';
import { stripUrlCredentials } from '../util/redact.js';
import type { Logger } from '../util/log.js';

export interface LogExporterChoice {
  exporter: LogRecordExporter;
  /** Where log records go, for the end summary (credentials stripped, headers never shown). */
  target: string;
}

export interface LogExporterOptions {
  env: NodeJS.ProcessEnv;
  /** --logs-file: always write OTLP/JSON lines here too. */
  logsFile?: string;
  /** Where the embedded default writes when no OTLP endpoint is configured anywhere. */
  defaultLogsFile: string;
  log: Logger;
}

/** Where OTLP/HTTP logs go when only OTEL_LOGS_EXPORTER=otlp is set (the spec's default). */
export const defaultOtlpLogsUrl = 'http://localhost:4318/v1/logs';

function otlpExporter(env: NodeJS.ProcessEnv, log: Logger): LogExporterChoice {
  const protocol = otlpProtocol(env, 'logs');
  const url = stripUrlCredentials(otlpSignalUrl(env, 'logs') ?? defaultOtlpLogsUrl);
  // The exporters read endpoint, headers, compression and timeout from OTEL_* themselves.
  if (protocol === 'http/json') return { exporter: new OtlpHttpJsonLogExporter(), target: `${url} (OTLP http/json)` };
  if (protocol !== 'http/protobuf') log.once(`protocol:${protocol}`, `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; using http/protobuf`);
  return { exporter: new OtlpHttpProtoLogExporter(), target: `${url} (OTLP http/protobuf)` };
}

/**
 * The log record exporters OTEL_LOGS_EXPORTER asks for (otlp, console, none), as
 * chooseTraceExporters does for spans: with nothing configured, OTLP/JSON lines in a local file.
 */
export function chooseLogExporters(o: LogExporterOptions): LogExporterChoice[] {
  const { env, log } = o;
  const chosen: LogExporterChoice[] = [];
  const fileExporter = (path: string): LogExporterChoice => ({ exporter: new OtlpJsonFileLogExporter(resolve(path)), target: `${resolve(path)} (OTLP/JSON lines)` });
  if (o.logsFile) chosen.push(fileExporter(o.logsFile));
  if (isTrue(env.OTEL_SDK_DISABLED)) return chosen;
  const names = (env.OTEL_LOGS_EXPORTER ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) {
    if (otlpSignalUrl(env, 'logs')) chosen.push(otlpExporter(env, log));
    else if (!o.logsFile) chosen.push(fileExporter(o.defaultLogsFile));
    return chosen;
  }
  for (const name of new Set(names)) {
    if (name === 'none') continue;
    if (name === 'otlp') chosen.push(otlpExporter(env, log));
    else if (name === 'console') chosen.push({ exporter: new ConsoleLogRecordExporter(), target: 'console' });
    else log.once(`exporter:${name}`, `OTEL_LOGS_EXPORTER value "${name}" is not supported (use otlp, console or none); ignored`);
  }
  return chosen;
}
