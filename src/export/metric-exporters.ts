import { resolve } from 'node:path';
import { getNumberFromEnv } from '@opentelemetry/core';
import { ConsoleMetricExporter, AggregationType, InstrumentType, PeriodicExportingMetricReader, type AggregationSelector, type AggregationTemporalitySelector, type MetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { CumulativeTemporalitySelector, DeltaTemporalitySelector, LowMemoryTemporalitySelector, OTLPMetricExporter as OtlpHttpJsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as OtlpHttpProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { ScrapeEndpoint } from './scrape-endpoint.js';
import { DurableMetricExporter, durableMetricExporter } from './durable/durable-metric-exporter.js';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { CountingMetricExporter } from './counting-metric-exporter.js';
import { OtlpJsonFileMetricExporter } from './otlp-json-file-metric-exporter.js';
import { isTrue, otlpProtocol, otlpSignalUrl } from './otlp-env.js';
import { stripUrlCredentials } from '../util/redact.js';
import type { Logger } from '../util/log.js';

export interface MetricReaderChoice {
  reader: MetricReader;
  /** Where metrics go, for the summary (credentials stripped). */
  target: string;
  counting?: CountingMetricExporter;
  /** The Prometheus endpoint, started with the sidecar. */
  prometheus?: ScrapeEndpoint;
  /** Set when exports the backend does not take wait on disk. */
  durable?: DurableMetricExporter;
}

export interface MetricExporterOptions {
  env: NodeJS.ProcessEnv;
  log: Logger;
  /** --prometheus-port: a scrape endpoint whatever OTEL_METRICS_EXPORTER says. */
  prometheusPort?: number;
  prometheusHost?: string;
  /** Bearer token the scrape endpoint asks for (required off loopback). */
  prometheusToken?: string;
  /** Where the embedded default writes when nothing else is configured for metrics. */
  defaultMetricsFile: string;
  /** Another metrics output is configured (e.g. the Prometheus textfile): no default file. */
  otherOutput: boolean;
  /** Disk queue root for exports the backend does not take (shared with traces); undefined: none. */
  queueDir?: string;
}

/** The spec's OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, for the exporters that do not read it themselves. */
function temporalityFromEnv(env: NodeJS.ProcessEnv): AggregationTemporalitySelector {
  const value = env.OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE?.trim().toLowerCase();
  if (value === 'delta') return DeltaTemporalitySelector;
  if (value === 'lowmemory') return LowMemoryTemporalitySelector;
  return CumulativeTemporalitySelector;
}

/** OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: explicit buckets (default) or base-2 exponential. */
function aggregationFromEnv(env: NodeJS.ProcessEnv, log: Logger): AggregationSelector {
  const value = env.OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION?.trim().toLowerCase();
  const exponential = value === 'base2_exponential_bucket_histogram';
  if (value && !exponential && value !== 'explicit_bucket_histogram') log.once(`histogram:${value}`, `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=${value} is not supported; using explicit_bucket_histogram`);
  return (type) => (exponential && type === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT });
}

function otlpMetricExporter(env: NodeJS.ProcessEnv, log: Logger, aggregationPreference: AggregationSelector, queueDir: string | undefined): { exporter: PushMetricExporter; target: string } {
  const protocol = otlpProtocol(env, 'metrics');
  const url = stripUrlCredentials(otlpSignalUrl(env, 'metrics') ?? 'http://localhost:4318/v1/metrics');
  if (queueDir && (protocol === 'http/json' || protocol === 'http/protobuf')) {
    const exporter = durableMetricExporter({ url, protocol, queueRoot: queueDir, log, temporality: temporalityFromEnv(env), aggregation: aggregationPreference });
    return { exporter, target: `${url} (OTLP ${protocol})` };
  }
  // Endpoint, headers, compression, timeout and temporality preference come from OTEL_* in the exporter itself.
  if (protocol === 'http/json') return { exporter: new OtlpHttpJsonMetricExporter({ aggregationPreference }), target: `${url} (OTLP http/json)` };
  if (protocol !== 'http/protobuf') log.once(`metrics-protocol:${protocol}`, `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL=${protocol} is not supported; using http/protobuf`);
  return { exporter: new OtlpHttpProtoMetricExporter({ aggregationPreference }), target: `${url} (OTLP http/protobuf)` };
}

/** Seconds between pushes (OTEL_METRIC_EXPORT_INTERVAL, default 60 s); `run` pushes once more at shutdown. */
function periodic(exporter: PushMetricExporter, target: string, log: Logger, aggregation?: AggregationSelector): MetricReaderChoice {
  const intervalMs = getNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const timeoutMs = Math.min(getNumberFromEnv('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, intervalMs);
  const counting = new CountingMetricExporter(exporter, target, (t, message) => log.warn(`exporting metrics to ${t} failed: ${message} (said once; counted in the summary)`), aggregation);
  return { reader: new PeriodicExportingMetricReader({ exporter: counting, exportIntervalMillis: intervalMs, exportTimeoutMillis: timeoutMs }), target, counting };
}

function prometheus(env: NodeJS.ProcessEnv, o: MetricExporterOptions): MetricReaderChoice {
  // Loopback unless asked otherwise: the endpoint has no authentication.
  const host = o.prometheusHost ?? env.OTEL_EXPORTER_PROMETHEUS_HOST?.trim() ?? '127.0.0.1';
  const port = o.prometheusPort ?? getNumberFromEnv('OTEL_EXPORTER_PROMETHEUS_PORT') ?? 9464;
  const exporter = new PrometheusExporter({ host, port, preventServerStart: true });
  const token = o.prometheusToken ?? (env.ANSIBLE_OTEL_PROMETHEUS_TOKEN || undefined);
  const endpoint = new ScrapeEndpoint(exporter, host, port, token);
  return { reader: exporter, prometheus: endpoint, target: endpoint.target };
}

/** The metric readers the OTel environment variables ask for (spec semantics), plus our options and default. */
export function chooseMetricReaders(o: MetricExporterOptions): MetricReaderChoice[] {
  const { env, log } = o;
  const chosen: MetricReaderChoice[] = [];
  if (o.prometheusPort !== undefined) chosen.push(prometheus(env, o));
  if (isTrue(env.OTEL_SDK_DISABLED)) return chosen;
  const aggregation = aggregationFromEnv(env, log);
  const file = (path: string): MetricReaderChoice => periodic(new OtlpJsonFileMetricExporter(resolve(path), temporalityFromEnv(env), aggregation), `${resolve(path)} (OTLP/JSON lines)`, log);
  const otlp = (): MetricReaderChoice => {
    const { exporter, target } = otlpMetricExporter(env, log, aggregation, o.queueDir);
    return { ...periodic(exporter, target, log), durable: exporter instanceof DurableMetricExporter ? exporter : undefined };
  };
  const names = (env.OTEL_METRICS_EXPORTER ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) {
    // Embedded default, as for traces: no endpoint and no other metrics output → a local file.
    if (otlpSignalUrl(env, 'metrics')) chosen.push(otlp());
    else if (chosen.length === 0 && !o.otherOutput) chosen.push(file(o.defaultMetricsFile));
    return chosen;
  }
  for (const name of new Set(names)) {
    if (name === 'none') continue;
    if (name === 'otlp') chosen.push(otlp());
    else if (name === 'console') chosen.push(periodic(new ConsoleMetricExporter({ temporalitySelector: temporalityFromEnv(env) }), 'console', log, aggregation));
    else if (name === 'prometheus') {
      if (o.prometheusPort === undefined) chosen.push(prometheus(env, o));
    } else log.once(`metrics-exporter:${name}`, `OTEL_METRICS_EXPORTER value "${name}" is not supported (use otlp, console, prometheus or none); ignored`);
  }
  return chosen;
}
