// Reads the OTLP/JSON lines traces file (the collector file exporter layout the sidecar writes)
// into slim spans: only what the report needs, so a large file stays cheap to hold.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export type SlimValue = string | number | boolean | string[] | undefined;

export interface SlimSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  startNs: number;
  endNs: number;
  attributes: Record<string, SlimValue>;
}

interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
}

/** The part of an OTLP/JSON ExportTraceServiceRequest line the report reads (ids and times vary by writer). */
interface OtlpJsonRequest {
  resourceSpans?: {
    scopeSpans?: {
      spans?: {
        traceId?: unknown;
        spanId?: unknown;
        parentSpanId?: unknown;
        name: string;
        startTimeUnixNano?: unknown;
        endTimeUnixNano?: unknown;
        attributes?: { key: string; value?: OtlpAnyValue }[];
      }[];
    }[];
  }[];
}

function value(v: OtlpAnyValue | undefined): SlimValue {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => String(value(x)));
  return undefined;
}

/** Timestamps come as decimal strings, numbers or {low, high} halves, depending on the writer. */
function nanos(v: unknown): number {
  if (typeof v === 'object' && v !== null && 'low' in v) {
    const { low, high } = v as { low: number; high: number };
    return (high >>> 0) * 2 ** 32 + (low >>> 0);
  }
  return Number(v ?? 0);
}

/** Collector JSON uses hex ids; protobuf-as-JSON uses base64. */
function hexId(id: unknown): string {
  if (typeof id !== 'string' || id === '') return '';
  return /^[0-9a-f]+$/i.test(id) && id.length % 16 === 0 ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

export class TracesFileError extends Error {}

/** Every span of the file; a line that is not OTLP/JSON is an error naming its line number. */
export async function readTracesFile(path: string): Promise<SlimSpan[]> {
  const spans: SlimSpan[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (!line.trim()) continue;
    let request: OtlpJsonRequest;
    try {
      request = JSON.parse(line);
    } catch {
      throw new TracesFileError(`${path}:${n}: not a JSON line (expected OTLP/JSON, one ExportTraceServiceRequest per line)`);
    }
    for (const rs of request.resourceSpans ?? []) {
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          const attributes: Record<string, SlimValue> = {};
          for (const kv of s.attributes ?? []) attributes[kv.key] = value(kv.value);
          spans.push({
            traceId: hexId(s.traceId),
            spanId: hexId(s.spanId),
            parentSpanId: hexId(s.parentSpanId),
            name: s.name,
            startNs: nanos(s.startTimeUnixNano),
            endNs: nanos(s.endTimeUnixNano),
            attributes,
          });
        }
      }
    }
  }
  return spans;
}
