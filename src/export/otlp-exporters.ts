// The OTLP exporter of each signal and protocol: the SDK's own exporter classes, or — with a disk
// queue — our durable exporter over the SDK's transport for that protocol. Either way the URL
// given is the one resolved in otel-env.ts, so the summary names the endpoint actually used.
import { OTLPTraceExporter as TraceGrpc } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as TraceHttpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TraceHttpProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPLogExporter as LogsGrpc } from '@opentelemetry/exporter-logs-otlp-grpc';
import { OTLPLogExporter as LogsHttpJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsHttpProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsGrpc } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as MetricsHttpJson } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsHttpProto } from '@opentelemetry/exporter-metrics-otlp-proto';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { AggregationSelector, AggregationTemporalitySelector, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { stripUrlCredentials } from '../util/redact.js';
import type { Logger } from '../util/log.js';
import { durableLogExporter, type DurableLogExporter } from './durable/durable-log-exporter.js';
import { durableMetricExporter, type DurableMetricExporter } from './durable/durable-metric-exporter.js';
import { durableTraceExporter, type DurableSpanExporter } from './durable/durable-trace-exporter.js';
import { describeEndpoint, type OtlpEndpoint } from './otel-env.js';

export interface OtlpChoice<E, D> {
  exporter: E;
  /** Where the signal goes, for the summary (credentials stripped, headers never shown). */
  target: string;
  /** Set when batches the backend does not take wait on disk. */
  durable?: D;
}

interface OtlpOptions {
  /** Disk queue root; undefined: the SDK's exporter, nothing kept across an outage. */
  queueDir?: string | undefined;
  log: Logger;
}

const target = (e: OtlpEndpoint): string => stripUrlCredentials(describeEndpoint(e));

export function otlpSpanExporter(e: OtlpEndpoint, o: OtlpOptions): OtlpChoice<SpanExporter, DurableSpanExporter> {
  if (o.queueDir) {
    const durable = durableTraceExporter({ url: e.url, protocol: e.protocol, queueRoot: o.queueDir, log: o.log });
    return { exporter: durable, durable, target: target(e) };
  }
  const Exporter = { grpc: TraceGrpc, 'http/json': TraceHttpJson, 'http/protobuf': TraceHttpProto }[e.protocol];
  return { exporter: new Exporter({ url: e.url }), target: target(e) };
}

export function otlpLogExporter(e: OtlpEndpoint, o: OtlpOptions): OtlpChoice<LogRecordExporter, DurableLogExporter> {
  if (o.queueDir) {
    const durable = durableLogExporter({ url: e.url, protocol: e.protocol, queueRoot: o.queueDir, log: o.log });
    return { exporter: durable, durable, target: target(e) };
  }
  const Exporter = { grpc: LogsGrpc, 'http/json': LogsHttpJson, 'http/protobuf': LogsHttpProto }[e.protocol];
  return { exporter: new Exporter({ url: e.url }), target: target(e) };
}

interface MetricOptions extends OtlpOptions {
  temporality: AggregationTemporalitySelector;
  aggregation: AggregationSelector;
}

export function otlpMetricExporter(e: OtlpEndpoint, o: MetricOptions): OtlpChoice<PushMetricExporter, DurableMetricExporter> {
  if (o.queueDir) {
    const { temporality, aggregation } = o;
    const durable = durableMetricExporter({ url: e.url, protocol: e.protocol, queueRoot: o.queueDir, log: o.log, temporality, aggregation });
    return { exporter: durable, durable, target: target(e) };
  }
  // The temporality preference the SDK's metric exporters read from OTEL_* themselves.
  const Exporter = { grpc: MetricsGrpc, 'http/json': MetricsHttpJson, 'http/protobuf': MetricsHttpProto }[e.protocol];
  return { exporter: new Exporter({ url: e.url, aggregationPreference: o.aggregation }), target: target(e) };
}
