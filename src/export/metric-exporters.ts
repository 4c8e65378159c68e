import { resolve } from 'node:path';
import {
  ConsoleMetricExporter,
  AggregationType,
  InstrumentType,
  PeriodicExportingMetricReader,
  type AggregationSelector,
  type AggregationTemporalitySelector,
  type MetricReader,
  type PushMetricExporter,
} from '@opentelemetry/sdk-metrics';
import { CumulativeTemporalitySelector, DeltaTemporalitySelector, LowMemoryTemporalitySelector } from '@opentelemetry/exporter-metrics-otlp-http';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { ScrapeEndpoint } from './scrape-endpoint.js';
import type { DurableMetricExporter } from './durable/durable-metric-exporter.js';
import { CountingMetricExporter } from './counting-metric-exporter.js';
import { OtlpJsonFileMetricExporter } from './otlp-json-file-metric-exporter.js';
import { otlpMetricExporter } from './otlp-exporters.js';
import type { OtelEnv } from './otel-env.js';
import type { Logger } from '../util/log.js';
import type { MetricAcks } from './metric-acks.js';
import { withHistogram, type DurationHistogram } from './duration-histogram.js';

export interface MetricReaderChoice {
  reader: MetricReader;
  /** Where metrics go, for the summary (credentials stripped). */
  target: string;
  counting?: CountingMetricExporter;
  /** The Prometheus endpoint, started with the sidecar. */
  prometheus?: ScrapeEndpoint;
  /** Set when exports the backend does not take wait on disk. */
  durable?: DurableMetricExporter | undefined;
}

export interface MetricExporterOptions {
  /** The OTEL_* configuration, resolved once (otel-env.ts). */
  otel: OtelEnv;
  log: Logger;
  /** --prometheus-port: a scrape endpoint whatever OTEL_METRICS_EXPORTER says. */
  prometheusPort?: number | undefined;
  prometheusHost?: string | undefined;
  /** Bearer token the scrape endpoint asks for (required off loopback). */
  prometheusToken?: string | undefined;
  /** Where the embedded default writes when nothing else is configured for metrics. */
  defaultMetricsFile: string;
  /** Another metrics output is configured (e.g. the Prometheus textfile): no default file. */
  otherOutput: boolean;
  /** Disk queue root for exports the backend does not take (shared with traces); undefined: none. */
  queueDir?: string | undefined;
  /** Told of every acknowledged push export (the output marks wait on it). */
  acks?: MetricAcks;
  /** The task durations every reader gets points of (explicitHistograms), by a producer of its own. */
  durations?: DurationHistogram | undefined;
}

/** The spec's OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE, for the exporters that do not read it themselves. */
function temporalityOf(otel: OtelEnv): AggregationTemporalitySelector {
  if (otel.temporality === 'delta') return DeltaTemporalitySelector;
  if (otel.temporality === 'lowmemory') return LowMemoryTemporalitySelector;
  return CumulativeTemporalitySelector;
}

/** OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: explicit buckets (default) or base-2 exponential. */
function aggregationOf(otel: OtelEnv, log: Logger): AggregationSelector {
  const value = otel.histogramAggregation;
  const exponential = value === 'base2_exponential_bucket_histogram';
  if (!exponential && value !== 'explicit_bucket_histogram')
    log.once(`histogram:${value}`, `OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=${value} is not supported; using explicit_bucket_histogram`);
  return (type) => (exponential && type === InstrumentType.HISTOGRAM ? { type: AggregationType.EXPONENTIAL_HISTOGRAM } : { type: AggregationType.DEFAULT });
}

/**
 * Whether histograms are explicit-bucket ones, which the recorder can aggregate itself for the
 * readers (duration-histogram.ts); base-2 exponential ones are left to the SDK instrument, for
 * every reader alike (one variable sets it for all; Prometheus then gets the SDK's explicit buckets).
 */
export function explicitHistograms(otel: OtelEnv): boolean {
  return otel.histogramAggregation !== 'base2_exponential_bucket_histogram';
}

/** Seconds between pushes (OTEL_METRIC_EXPORT_INTERVAL, default 60 s); `run` pushes once more at shutdown. */
function periodic(o: MetricExporterOptions, exporter: PushMetricExporter, target: string, aggregation?: AggregationSelector): MetricReaderChoice {
  const { intervalMillis: exportIntervalMillis, timeoutMillis: exportTimeoutMillis } = o.otel.metricExport;
  const counting = new CountingMetricExporter(
    exporter,
    target,
    (t, message) => o.log.warn(`exporting metrics to ${t} failed: ${message} (said once; counted in the summary)`),
    aggregation,
    o.acks,
  );
  return {
    reader: withHistogram(
      o.durations,
      (metricProducers) => new PeriodicExportingMetricReader({ exporter: counting, exportIntervalMillis, exportTimeoutMillis, metricProducers }),
    ),
    target,
    counting,
  };
}

function prometheus(o: MetricExporterOptions): MetricReaderChoice {
  // Loopback unless asked otherwise: the endpoint has no authentication.
  const host = o.prometheusHost ?? o.otel.prometheus.host ?? '127.0.0.1';
  const port = o.prometheusPort ?? o.otel.prometheus.port ?? 9464;
  const exporter = withHistogram(o.durations, (metricProducers) => new PrometheusExporter({ host, port, preventServerStart: true, metricProducers }));
  const endpoint = new ScrapeEndpoint(exporter, host, port, o.prometheusToken);
  return { reader: exporter, prometheus: endpoint, target: endpoint.target };
}

/** The metric readers the OTel environment variables ask for (spec semantics), plus our options and default. */
export function chooseMetricReaders(o: MetricExporterOptions): MetricReaderChoice[] {
  const { log, otel } = o;
  const chosen: MetricReaderChoice[] = [];
  if (o.prometheusPort !== undefined) chosen.push(prometheus(o));
  if (otel.disabled) return chosen;
  const aggregation = aggregationOf(otel, log);
  const temporality = temporalityOf(otel);
  const file = (path: string): MetricReaderChoice =>
    periodic(o, new OtlpJsonFileMetricExporter(resolve(path), temporality, aggregation), `${resolve(path)} (OTLP/JSON lines)`);
  const otlp = (): MetricReaderChoice => {
    const { exporter, target, durable } = otlpMetricExporter(otel.metrics.otlp, { queueDir: o.queueDir, log, temporality, aggregation });
    return { ...periodic(o, exporter, target), durable };
  };
  const names = otel.metrics.exporters;
  if (names === undefined) {
    // Embedded default, as for traces: no endpoint and no other metrics output → a local file.
    if (otel.metrics.otlp.configured) chosen.push(otlp());
    else if (chosen.length === 0 && !o.otherOutput) chosen.push(file(o.defaultMetricsFile));
    return chosen;
  }
  for (const name of new Set(names)) {
    if (name === 'none') continue;
    if (name === 'otlp') chosen.push(otlp());
    else if (name === 'console') chosen.push(periodic(o, new ConsoleMetricExporter({ temporalitySelector: temporality }), 'console', aggregation));
    else if (name === 'prometheus') {
      if (o.prometheusPort === undefined) chosen.push(prometheus(o));
    } else log.once(`metrics-exporter:${name}`, `OTEL_METRICS_EXPORTER value "${name}" is not supported (use otlp, console, prometheus or none); ignored`);
  }
  return chosen;
}
