import { resolve } from 'node:path';
import { ConsoleSpanExporter, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { OTLPTraceExporter as OtlpHttpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpHttpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OtlpJsonFileSpanExporter } from './otlp-json-file-exporter.js';
import { durableTraceExporter } from './durable/durable-trace-exporter.js';
import type { DurableSpanExporter } from './durable/durable-trace-exporter.js';
import { isTrue, otlpProtocol, otlpSignalUrl } from './otlp-env.js';
import { stripUrlCredentials } from '../util/redact.js';
import type { Logger } from '../util/log.js';

export interface ExporterChoice {
  exporter: SpanExporter;
  /** Where spans go, for the end summary (credentials stripped, headers never shown). */
  target: string;
  /** Set when batches the backend does not take wait on disk. */
  durable?: DurableSpanExporter;
}

export interface ExporterOptions {
  env: NodeJS.ProcessEnv;
  /** --traces-file: always write OTLP/JSON lines here too. */
  tracesFile?: string;
  /** Where the embedded default writes when no OTLP endpoint is configured anywhere. */
  defaultTracesFile: string;
  /** Disk queue root for OTLP batches the backend does not take; undefined: no queue. */
  queueDir?: string;
  /** Span ledger root (exactly once per destination across crashes); undefined: off. */
  ledgerDir?: string;
  log: Logger;
}

/** Where OTLP/HTTP traces go when only OTEL_TRACES_EXPORTER=otlp is set (the spec's default). */
export const defaultOtlpTracesUrl = 'http://localhost:4318/v1/traces';

const otlpUrl = (env: NodeJS.ProcessEnv): string | undefined => otlpSignalUrl(env, 'traces');

function otlpExporter(env: NodeJS.ProcessEnv, log: Logger, queueDir: string | undefined): ExporterChoice {
  const protocol = otlpProtocol(env, 'traces');
  const url = otlpUrl(env) ?? defaultOtlpTracesUrl;
  if (queueDir && (protocol === 'http/json' || protocol === 'http/protobuf')) {
    const durable = durableTraceExporter({ url, protocol, queueRoot: queueDir, log });
    return { exporter: durable, durable, target: `${stripUrlCredentials(url)} (OTLP ${protocol})` };
  }
  // The exporters read endpoint, headers, compression and timeout from OTEL_* themselves.
  if (protocol === 'http/json') return { exporter: new OtlpHttpJsonExporter(), target: `${stripUrlCredentials(url)} (OTLP http/json)` };
  if (protocol !== 'http/protobuf') log.once(`protocol:${protocol}`, `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol} is not supported; using http/protobuf`);
  return { exporter: new OtlpHttpProtoExporter(), target: `${stripUrlCredentials(url)} (OTLP http/protobuf)` };
}

/** The span exporters the OTel environment variables ask for (spec semantics), plus our default. */
export function chooseTraceExporters(o: ExporterOptions): ExporterChoice[] {
  const { env, log } = o;
  const chosen: ExporterChoice[] = [];
  const fileExporter = (path: string): ExporterChoice => ({ exporter: new OtlpJsonFileSpanExporter(resolve(path)), target: `${resolve(path)} (OTLP/JSON lines)` });
  if (o.tracesFile) chosen.push(fileExporter(o.tracesFile));
  if (isTrue(env.OTEL_SDK_DISABLED)) return chosen;
  const names = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) {
    // Embedded default: no endpoint configured anywhere → a local file, so `run` is useful alone.
    if (otlpUrl(env)) chosen.push(otlpExporter(env, log, o.queueDir));
    else if (!o.tracesFile) chosen.push(fileExporter(o.defaultTracesFile));
    return chosen;
  }
  for (const name of new Set(names)) {
    if (name === 'none') continue;
    if (name === 'otlp') chosen.push(otlpExporter(env, log, o.queueDir));
    else if (name === 'console') chosen.push({ exporter: new ConsoleSpanExporter(), target: 'console' });
    else log.once(`exporter:${name}`, `OTEL_TRACES_EXPORTER value "${name}" is not supported (use otlp, console or none); ignored`);
  }
  return chosen;
}
