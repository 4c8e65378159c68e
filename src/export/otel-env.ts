// The OTEL_* configuration (SDK configuration spec), resolved once from the env main read, with
// @opentelemetry/core's getters' rules (util/environment.ts). The choosers build from this, and
// the summary prints the same endpoints: what is shown is what is used. Headers, compression,
// timeout and the TLS files are read by the SDK's OTLP transports themselves
// (otlp-exporter-base, otlp-grpc-exporter-base), from the same variables.
import { type Env, EnvReader, type EnvWarn } from '../util/environment.js';

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
  /** OTEL_EXPORTER_PROMETHEUS_HOST and _PORT, when set. */
  prometheus: { host: string | undefined; port: number | undefined };
  /** OTEL_NODE_RESOURCE_DETECTORS as a list (resource.ts picks our default when unset). */
  resourceDetectors: string[] | undefined;
  /** OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: where exceptions are recorded (see exceptionSignal). */
  exceptions: ExceptionSignal;
  /** OTEL_LOGRECORD_ATTRIBUTE_*_LIMIT, else OTEL_ATTRIBUTE_*_LIMIT, else the spec's defaults (no length limit, 128 attributes). */
  logRecordLimits: { attributeValueLengthLimit: number; attributeCountLimit: number };
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
function perSignal(env: EnvReader, signal: Signal, suffix: string): string | undefined {
  return env.string(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_${suffix}`) ?? env.string(`OTEL_EXPORTER_OTLP_${suffix}`);
}

function protocolOf(env: EnvReader, signal: Signal, warn: EnvWarn): OtlpProtocol {
  const value = perSignal(env, signal, 'PROTOCOL') ?? 'http/protobuf';
  if (PROTOCOLS.includes(value)) return value as OtlpProtocol;
  warn(`protocol:${value}`, `OTEL_EXPORTER_OTLP_PROTOCOL value "${value}" is not one of grpc, http/protobuf, http/json; using http/protobuf`);
  return 'http/protobuf';
}

function endpointOf(env: EnvReader, signal: Signal, protocol: OtlpProtocol): OtlpEndpoint {
  const own = env.string(`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`);
  const base = env.string('OTEL_EXPORTER_OTLP_ENDPOINT');
  const configured = own !== undefined || base !== undefined;
  if (protocol !== 'grpc') {
    const url = own ?? (base !== undefined ? `${base.replace(/\/+$/, '')}/v1/${signal}` : `${DEFAULT_OTLP_HTTP}/v1/${signal}`);
    return { protocol, url, configured };
  }
  // gRPC has one endpoint for every signal: the base is used as is (the method names the signal).
  const url = own ?? base ?? DEFAULT_OTLP_GRPC;
  const signalInsecure = `OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_INSECURE`;
  const insecure = env.boolean(env.string(signalInsecure) !== undefined ? signalInsecure : 'OTEL_EXPORTER_OTLP_INSECURE');
  // The scheme wins over _INSECURE (otlp-grpc-exporter-base applies the same rule when it connects).
  const tls = url.startsWith('https://') || (!url.startsWith('http://') && !insecure);
  return { protocol, url, configured, tls };
}

function signalEnv(env: EnvReader, signal: Signal, warn: EnvWarn): SignalEnv {
  return { exporters: env.list(`OTEL_${signal.toUpperCase()}_EXPORTER`), otlp: endpointOf(env, signal, protocolOf(env, signal, warn)) };
}

function batchOf(env: EnvReader, prefix: 'OTEL_BSP' | 'OTEL_BLRP', defaults: OtelEnv['bsp']): OtelEnv['bsp'] {
  return {
    maxQueueSize: env.number(`${prefix}_MAX_QUEUE_SIZE`) ?? defaults.maxQueueSize,
    scheduledDelayMillis: env.number(`${prefix}_SCHEDULE_DELAY`) ?? defaults.scheduledDelayMillis,
    maxExportBatchSize: env.number(`${prefix}_MAX_EXPORT_BATCH_SIZE`) ?? defaults.maxExportBatchSize,
    exportTimeoutMillis: env.number(`${prefix}_EXPORT_TIMEOUT`) ?? defaults.exportTimeoutMillis,
  };
}

/**
 * OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN as semconv's exceptions documents define it (v1.44,
 * docs/exceptions/exceptions-logs.md): `logs` records exceptions as logs only, `logs/dup` as both,
 * and without either (the default) as span events, as before. A list, like the other
 * OTEL_SEMCONV_*_OPT_IN variables; `logs/dup` wins over `logs`.
 */
function exceptionSignal(env: EnvReader, warn: EnvWarn): ExceptionSignal {
  const values = env.list('OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN') ?? [];
  for (const v of values)
    if (v !== 'logs' && v !== 'logs/dup') warn(`exception-signal:${v}`, `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN value "${v}" is not logs or logs/dup; ignored`);
  if (values.includes('logs/dup')) return { spanEvents: true, logs: true };
  if (values.includes('logs')) return { spanEvents: false, logs: true };
  return { spanEvents: true, logs: false };
}

/** The OTEL_* our code reads, from the env main read; `warn` hears about values that cannot be honoured (keyed, for say-once loggers). */
export function resolveOtelEnv(vars: Env, warn: EnvWarn = () => {}): OtelEnv {
  const env = new EnvReader(vars, warn);
  const intervalMillis = env.number('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  return {
    disabled: env.boolean('OTEL_SDK_DISABLED'),
    traces: signalEnv(env, 'traces', warn),
    metrics: signalEnv(env, 'metrics', warn),
    logs: signalEnv(env, 'logs', warn),
    bsp: batchOf(env, 'OTEL_BSP', BSP_DEFAULTS),
    blrp: batchOf(env, 'OTEL_BLRP', BLRP_DEFAULTS),
    metricExport: { intervalMillis, timeoutMillis: Math.min(env.number('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, intervalMillis) },
    temporality: env.string('OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE')?.toLowerCase() ?? 'cumulative',
    histogramAggregation: env.string('OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION')?.toLowerCase() ?? 'explicit_bucket_histogram',
    prometheus: { host: env.string('OTEL_EXPORTER_PROMETHEUS_HOST'), port: env.number('OTEL_EXPORTER_PROMETHEUS_PORT') },
    resourceDetectors: env.list('OTEL_NODE_RESOURCE_DETECTORS'),
    exceptions: exceptionSignal(env, warn),
    logRecordLimits: {
      attributeValueLengthLimit: env.number('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? env.number('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? Infinity,
      attributeCountLimit: env.number('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT') ?? env.number('OTEL_ATTRIBUTE_COUNT_LIMIT') ?? 128,
    },
  };
}

/** How the summary names an OTLP destination (credentials are stripped by the caller). */
export function describeEndpoint(e: OtlpEndpoint): string {
  return e.protocol === 'grpc' ? `${e.url} (OTLP grpc, ${e.tls ? 'TLS' : 'plaintext'})` : `${e.url} (OTLP ${e.protocol})`;
}
