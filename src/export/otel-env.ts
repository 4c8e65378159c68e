// The OTEL_* configuration (SDK configuration spec), resolved once with @opentelemetry/core's env
// getters. The choosers build from this, and the summary prints the same endpoints: what is shown
// is what is used. Headers, compression, timeout and the TLS files are read by the SDK's OTLP
// transports themselves (otlp-exporter-base, otlp-grpc-exporter-base), from the same variables.
import { getBooleanFromEnv, getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';

export type Signal = 'traces' | 'metrics' | 'logs';
export type OtlpProtocol = 'grpc' | 'http/protobuf' | 'http/json';

/** The spec's defaults when no endpoint is configured: a collector on this machine. */
export const DEFAULT_OTLP_HTTP = 'http://localhost:4318';
export const DEFAULT_OTLP_GRPC = 'http://localhost:4317';

const PROTOCOLS: readonly string[] = ['grpc', 'http/protobuf', 'http/json'];

export interface OtlpEndpoint {
  protocol: OtlpProtocol;
  /** The URL the exporter is given: the signal's endpoint as is, else the base (+ /v1/<signal> over HTTP), else the spec's default. */
  url: string;
  /** An endpoint variable named it (the embedded default applies only when none does). */
  configured: boolean;
  /** gRPC only: plaintext (http:// URL, or no scheme and _INSECURE=true) or TLS. */
  tls?: boolean;
}

export interface SignalEnv {
  /** OTEL_<SIGNAL>_EXPORTER as a list; undefined when unset (then the embedded default decides). */
  exporters: string[] | undefined;
  otlp: OtlpEndpoint;
}

export interface OtelEnv {
  disabled: boolean;
  traces: SignalEnv;
  metrics: SignalEnv;
  logs: SignalEnv;
  /** OTEL_BSP_*, with our defaults where they differ from the SDK's (see BSP_DEFAULTS). */
  bsp: { maxQueueSize: number; scheduledDelayMillis: number; maxExportBatchSize: number; exportTimeoutMillis: number };
  /** OTEL_BLRP_* (the SDK's defaults). */
  blrp: { maxQueueSize: number; scheduledDelayMillis: number; maxExportBatchSize: number; exportTimeoutMillis: number };
  /** OTEL_METRIC_EXPORT_INTERVAL / _TIMEOUT (the timeout never above the interval, as the SDK requires). */
  metricExport: { intervalMillis: number; timeoutMillis: number };
  /** OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, lower case (cumulative when unset). */
  temporality: string;
  /** OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION, lower case (explicit_bucket_histogram when unset). */
  histogramAggregation: string;
  /** OTEL_EXPORTER_PROMETHEUS_HOST / _PORT. */
  prometheus: { host?: string; port?: number };
  /** OTEL_NODE_RESOURCE_DETECTORS as a list (resource.ts picks our default when unset). */
  resourceDetectors: string[] | undefined;
  /** OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: where exceptions are recorded (see exceptionSignal). */
  exceptions: ExceptionSignal;
}

/** Where failures are recorded as exceptions: `exception` span events, `exception.*` on log records, or both. */
export interface ExceptionSignal {
  spanEvents: boolean;
  logs: boolean;
}

/** A task ending on 5,000 hosts at once must not drop (SDK: 2048); traces show up live (SDK: 5000 ms). */
export const BSP_DEFAULTS = { maxQueueSize: 65_536, scheduledDelayMillis: 1_000, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 } as const;
const BLRP_DEFAULTS = { maxQueueSize: 65_536, scheduledDelayMillis: 1_000, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 } as const;

/** Signal-specific first, then the variable every signal shares (the spec's precedence). */
function perSignal(signal: Signal, suffix: string): string | undefined {
  return getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${suffix}`) ?? getStringFromEnv(`OTEL_EXPORTER_OTLP_${suffix}`);
}

function protocolOf(signal: Signal, warn: (key: string, message: string) => void): OtlpProtocol {
  const value = perSignal(signal, 'PROTOCOL') ?? 'http/protobuf';
  if (PROTOCOLS.includes(value)) return value as OtlpProtocol;
  warn(`protocol:${value}`, `OTEL_EXPORTER_OTLP_PROTOCOL value "${value}" is not one of grpc, http/protobuf, http/json; using http/protobuf`);
  return 'http/protobuf';
}

function endpointOf(signal: Signal, protocol: OtlpProtocol): OtlpEndpoint {
  const own = getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`);
  const base = getStringFromEnv('OTEL_EXPORTER_OTLP_ENDPOINT');
  const configured = own !== undefined || base !== undefined;
  if (protocol !== 'grpc') {
    const url = own ?? (base !== undefined ? `${base.replace(/\/+$/, '')}/v1/${signal}` : `${DEFAULT_OTLP_HTTP}/v1/${signal}`);
    return { protocol, url, configured };
  }
  // gRPC has one endpoint for every signal: the base is used as is (the method names the signal).
  const url = own ?? base ?? DEFAULT_OTLP_GRPC;
  const signalInsecure = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_INSECURE`;
  const insecure = getBooleanFromEnv(getStringFromEnv(signalInsecure) !== undefined ? signalInsecure : 'OTEL_EXPORTER_OTLP_INSECURE');
  // The scheme wins over _INSECURE (otlp-grpc-exporter-base applies the same rule when it connects).
  const tls = url.startsWith('https://') || (!url.startsWith('http://') && !insecure);
  return { protocol, url, configured, tls };
}

function signalEnv(signal: Signal, warn: (key: string, message: string) => void): SignalEnv {
  return { exporters: getStringListFromEnv(`OTEL_${signal.toUpperCase()}_EXPORTER`)?.filter(Boolean), otlp: endpointOf(signal, protocolOf(signal, warn)) };
}

function batchOf(prefix: 'OTEL_BSP' | 'OTEL_BLRP', defaults: OtelEnv['bsp']): OtelEnv['bsp'] {
  return {
    maxQueueSize: getNumberFromEnv(`${prefix}_MAX_QUEUE_SIZE`) ?? defaults.maxQueueSize,
    scheduledDelayMillis: getNumberFromEnv(`${prefix}_SCHEDULE_DELAY`) ?? defaults.scheduledDelayMillis,
    maxExportBatchSize: getNumberFromEnv(`${prefix}_MAX_EXPORT_BATCH_SIZE`) ?? defaults.maxExportBatchSize,
    exportTimeoutMillis: getNumberFromEnv(`${prefix}_EXPORT_TIMEOUT`) ?? defaults.exportTimeoutMillis,
  };
}

/**
 * OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN as semconv's exceptions documents define it (v1.44,
 * docs/exceptions/exceptions-logs.md): `logs` records exceptions as logs only, `logs/dup` as both,
 * and without either (the default) as span events, as before. A list, like the other
 * OTEL_SEMCONV_*_OPT_IN variables; `logs/dup` wins over `logs`.
 */
function exceptionSignal(warn: (key: string, message: string) => void): ExceptionSignal {
  const values = getStringListFromEnv('OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN')?.filter(Boolean) ?? [];
  for (const v of values)
    if (v !== 'logs' && v !== 'logs/dup') warn(`exception-signal:${v}`, `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN value "${v}" is not logs or logs/dup; ignored`);
  if (values.includes('logs/dup')) return { spanEvents: true, logs: true };
  if (values.includes('logs')) return { spanEvents: false, logs: true };
  return { spanEvents: true, logs: false };
}

/** Reads process.env once; `warn` hears about values that cannot be honoured (keyed, for say-once loggers). */
export function resolveOtelEnv(warn: (key: string, message: string) => void = () => {}): OtelEnv {
  const intervalMillis = getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  return {
    disabled: getBooleanFromEnv('OTEL_SDK_DISABLED'),
    traces: signalEnv('traces', warn),
    metrics: signalEnv('metrics', warn),
    logs: signalEnv('logs', warn),
    bsp: batchOf('OTEL_BSP', BSP_DEFAULTS),
    blrp: batchOf('OTEL_BLRP', BLRP_DEFAULTS),
    metricExport: { intervalMillis, timeoutMillis: Math.min(getNumberFromEnv('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, intervalMillis) },
    temporality: getStringFromEnv('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE')?.toLowerCase() ?? 'cumulative',
    histogramAggregation: getStringFromEnv('OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION')?.toLowerCase() ?? 'explicit_bucket_histogram',
    prometheus: { host: getStringFromEnv('OTEL_EXPORTER_PROMETHEUS_HOST'), port: getNumberFromEnv('OTEL_EXPORTER_PROMETHEUS_PORT') },
    resourceDetectors: getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS')?.filter(Boolean),
    exceptions: exceptionSignal(warn),
  };
}

/** How the summary names an OTLP destination (credentials are stripped by the caller). */
export function describeEndpoint(e: OtlpEndpoint): string {
  return e.protocol === 'grpc' ? `${e.url} (OTLP grpc, ${e.tls ? 'TLS' : 'plaintext'})` : `${e.url} (OTLP ${e.protocol})`;
}
