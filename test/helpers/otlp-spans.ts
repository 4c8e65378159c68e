// Normalizes OTLP trace requests (JSON or protobuf) into plain spans the tests can assert on.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Test-only decoder: the generated protobuf root of an older otlp-transformer release.
const root = require('otlp-proto-decoder/build/src/generated/root.js');
const ExportTraceServiceRequest = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

export type AttrValue = string | number | boolean | AttrValue[] | undefined;

export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startNs: bigint;
  endNs: bigint;
  attributes: Record<string, AttrValue>;
  events: { name: string; tsNs: bigint; attributes: Record<string, AttrValue> }[];
  /** Span links (a baseline run's spans: ansible.link.type). */
  links: { traceId: string; spanId: string; attributes: Record<string, AttrValue> }[];
  status: { code: number; message?: string };
  resource: Record<string, AttrValue>;
  /** The instrumentation scope's schema URL (the semconv release the span follows). */
  schemaUrl?: string;
}

export const KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3 } as const;
export const STATUS = { UNSET: 0, OK: 1, ERROR: 2 } as const;

export function hex(id: unknown): string {
  if (id === undefined || id === null || id === '') return '';
  if (typeof id === 'string') return /^[0-9a-f]+$/i.test(id) && id.length % 16 === 0 ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
  return Buffer.from(id as Uint8Array).toString('hex');
}

export function value(v: any): AttrValue {
  if (!v) return undefined;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return v.doubleValue;
  if ('arrayValue' in v) return (v.arrayValue.values ?? []).map(value);
  return undefined;
}

export function attrs(list: any[] | undefined): Record<string, AttrValue> {
  const out: Record<string, AttrValue> = {};
  for (const kv of list ?? []) out[kv.key] = value(kv.value);
  return out;
}

export function ns(v: unknown): bigint {
  if (v === undefined || v === null) return 0n;
  if (typeof v === 'object' && v !== null && 'low' in v) {
    const { low, high } = v as { low: number; high: number };
    return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
  }
  return BigInt(v as string | number);
}

/** A decoded ExportTraceServiceRequest (as JSON object) into flat spans. */
export function spansOfRequest(req: any): OtlpSpan[] {
  const out: OtlpSpan[] = [];
  for (const rs of req.resourceSpans ?? []) {
    const resource = attrs(rs.resource?.attributes);
    for (const ss of rs.scopeSpans ?? []) {
      for (const s of ss.spans ?? []) {
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name,
          kind: s.kind ?? 0,
          startNs: ns(s.startTimeUnixNano),
          endNs: ns(s.endTimeUnixNano),
          attributes: attrs(s.attributes),
          events: (s.events ?? []).map((e: any) => ({ name: e.name, tsNs: ns(e.timeUnixNano), attributes: attrs(e.attributes) })),
          links: (s.links ?? []).map((l: any) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId), attributes: attrs(l.attributes) })),
          status: { code: s.status?.code ?? 0, message: s.status?.message || undefined },
          resource,
          schemaUrl: ss.schemaUrl || undefined,
        });
      }
    }
  }
  return out;
}

export function decodeProtobufRequest(body: Buffer): any {
  return ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), { longs: String, bytes: String, defaults: false });
}

/** Spans of an OTLP/JSON lines file (the collector file exporter layout). */
export function spansOfJsonLines(text: string): OtlpSpan[] {
  return ofJsonLines(text, spansOfRequest);
}

/** Every request of an OTLP/JSON lines file through `each` (spans here, metric points in otlp-metrics.ts). */
export function ofJsonLines<T>(text: string, each: (request: any) => T[]): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim())
    .flatMap((l) => each(JSON.parse(l)));
}
