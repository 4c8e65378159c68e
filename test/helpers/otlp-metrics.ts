// Normalizes OTLP metrics requests (JSON or protobuf) into flat data points the tests assert on.
import { createRequire } from 'node:module';
import { attrs, ofJsonLines, type AttrValue } from './otlp-spans.js';

const require = createRequire(import.meta.url);
// Test-only decoder: the generated protobuf root of an older otlp-transformer release.
const root = require('otlp-proto-decoder/build/src/generated/root.js');
const ExportMetricsServiceRequest = root.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;

export const TEMPORALITY = { DELTA: 1, CUMULATIVE: 2 } as const;

export interface OtlpPoint {
  metric: string;
  unit: string;
  /** sum, gauge, histogram or exponentialHistogram */
  kind: string;
  temporality: number | undefined;
  monotonic: boolean | undefined;
  attributes: Record<string, AttrValue>;
  /** Sum and gauge points. */
  value?: number | undefined;
  /** Histogram points. */
  count?: number | undefined;
  sum?: number | undefined;
  bounds?: number[] | undefined;
  /** Histogram points: counts per bucket, min and max. */
  bucketCounts?: number[] | undefined;
  min?: number | undefined;
  max?: number | undefined;
  /** Start and end of the point (unix ns, as decimal strings: beyond a double's precision). */
  startNs?: string | undefined;
  endNs?: string | undefined;
  resource: Record<string, AttrValue>;
  /** Sum and gauge points: whether the value came as an integer or a double. */
  valueType?: 'int' | 'double' | undefined;
  schemaUrl?: string | undefined;
}

const num = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number(v));

/** A decoded ExportMetricsServiceRequest (as a JSON object) into flat points. */
export function pointsOfRequest(req: any): OtlpPoint[] {
  const out: OtlpPoint[] = [];
  for (const rm of req.resourceMetrics ?? []) {
    const resource = attrs(rm.resource?.attributes);
    for (const sm of rm.scopeMetrics ?? []) {
      for (const m of sm.metrics ?? []) {
        const kind = ['sum', 'gauge', 'histogram', 'exponentialHistogram'].find((k) => m[k]);
        if (!kind) continue;
        const data = m[kind];
        for (const p of data.dataPoints ?? []) {
          out.push({
            metric: m.name,
            unit: m.unit ?? '',
            kind,
            temporality: num(data.aggregationTemporality),
            monotonic: data.isMonotonic,
            attributes: attrs(p.attributes),
            value: num(p.asDouble ?? p.asInt),
            count: num(p.count),
            sum: num(p.sum),
            bounds: p.explicitBounds?.map(Number),
            bucketCounts: p.bucketCounts?.map(Number),
            min: num(p.min),
            max: num(p.max),
            startNs: p.startTimeUnixNano === undefined ? undefined : String(p.startTimeUnixNano),
            endNs: p.timeUnixNano === undefined ? undefined : String(p.timeUnixNano),
            resource,
            valueType: p.asInt !== undefined ? 'int' : p.asDouble !== undefined ? 'double' : undefined,
            schemaUrl: sm.schemaUrl || undefined,
          });
        }
      }
    }
  }
  return out;
}

export function decodeProtobufMetrics(body: Buffer): any {
  return ExportMetricsServiceRequest.toObject(ExportMetricsServiceRequest.decode(body), { longs: String, enums: Number, defaults: false });
}

/** Points of an OTLP/JSON lines file. */
export function pointsOfJsonLines(text: string): OtlpPoint[] {
  return ofJsonLines(text, pointsOfRequest);
}
