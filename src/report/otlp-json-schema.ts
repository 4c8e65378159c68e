// The OTLP/JSON traces we read back (`report`, `compare`, `run --baseline FILE`), declared once:
// one ExportTraceServiceRequest per line, as the embedded default and the Collector's file exporter
// write it. The rules are OTLP/JSON's (opentelemetry-proto, docs/specification.md, "JSON Protobuf
// Encoding"): ids are hex (base64, protobuf's canonical JSON, is taken too), 64-bit integers are a
// decimal string or a number, enums are integers, a field with its default value may be left out.
// Objects allow unknown keys: a newer writer may send more. Logs and metrics are never read back.
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';

/** Nanoseconds since the epoch, below 10^19 (the year 2286): what any clock writes and a double holds within 2 µs. */
const Nanos = Type.Union([Type.String({ pattern: '^[0-9]{1,19}$' }), Type.Integer({ minimum: 0, exclusiveMaximum: 1e19 })], {
  description: 'nanoseconds: a decimal string or an integer below 10^19',
});
const Int64 = Type.Union([Type.String({ pattern: '^-?[0-9]{1,19}$' }), Type.Integer({ minimum: -(2 ** 63), maximum: 2 ** 63 })], {
  description: 'a 64-bit integer: a decimal string or an integer',
});
/** proto3 JSON writes the doubles JSON has no number for as these strings. */
const Double = Type.Union([Type.Number(), Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')], {
  description: 'a number, or "NaN", "Infinity", "-Infinity"',
});
const Count = Type.Integer({ minimum: 0, maximum: 2 ** 32 - 1, description: 'a count: an integer ≥ 0' });
const Enum = Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1, description: 'an enum: its integer value' });
/** An id as hex digits, or as protobuf's canonical JSON has bytes: base64 (padded). */
const id = (hex: number, base64: string, description: string) =>
  Type.String({ pattern: `^(?:[0-9a-fA-F]{${hex}}|${base64})$`, description: `${description}: ${hex} hex digits (or base64)` });
const TraceId = id(32, '[A-Za-z0-9+/]{22}==', 'a trace id');
const SpanId = id(16, '[A-Za-z0-9+/]{11}=', 'a span id');

export const AnyValue = Type.Recursive(
  (This) =>
    Type.Object({
      stringValue: Type.Optional(Type.String()),
      boolValue: Type.Optional(Type.Boolean()),
      intValue: Type.Optional(Int64),
      doubleValue: Type.Optional(Double),
      bytesValue: Type.Optional(Type.String()),
      arrayValue: Type.Optional(Type.Object({ values: Type.Optional(Type.Array(This)) })),
      kvlistValue: Type.Optional(Type.Object({ values: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.Optional(This) }))) })),
    }),
  { description: 'an AnyValue' },
);
export type AnyValue = Static<typeof AnyValue>;

const Attributes = Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.Optional(AnyValue) })));

export const OtlpSpan = Type.Object({
  traceId: TraceId,
  spanId: SpanId,
  // absent or empty on a root span
  parentSpanId: Type.Optional(Type.Union([SpanId, Type.Literal('')], { description: 'a span id, or empty' })),
  traceState: Type.Optional(Type.String()),
  flags: Type.Optional(Count),
  name: Type.Optional(Type.String()),
  kind: Type.Optional(Enum),
  startTimeUnixNano: Type.Optional(Nanos),
  endTimeUnixNano: Type.Optional(Nanos),
  attributes: Attributes,
  droppedAttributesCount: Type.Optional(Count),
  events: Type.Optional(
    Type.Array(
      Type.Object({
        timeUnixNano: Type.Optional(Nanos),
        name: Type.Optional(Type.String()),
        attributes: Attributes,
        droppedAttributesCount: Type.Optional(Count),
      }),
    ),
  ),
  droppedEventsCount: Type.Optional(Count),
  links: Type.Optional(
    Type.Array(
      Type.Object({
        traceId: TraceId,
        spanId: SpanId,
        traceState: Type.Optional(Type.String()),
        attributes: Attributes,
        droppedAttributesCount: Type.Optional(Count),
        flags: Type.Optional(Count),
      }),
    ),
  ),
  droppedLinksCount: Type.Optional(Count),
  status: Type.Optional(Type.Object({ code: Type.Optional(Enum), message: Type.Optional(Type.String()) })),
});
export type OtlpSpan = Static<typeof OtlpSpan>;

/** One line: an ExportTraceServiceRequest. `resourceSpans` is required, so a logs or metrics line is told apart. */
export const TracesRequest = Type.Object({
  resourceSpans: Type.Array(
    Type.Object({
      resource: Type.Optional(Type.Object({ attributes: Attributes, droppedAttributesCount: Type.Optional(Count) })),
      scopeSpans: Type.Optional(
        Type.Array(
          Type.Object({
            scope: Type.Optional(
              Type.Object({
                name: Type.Optional(Type.String()),
                version: Type.Optional(Type.String()),
                attributes: Attributes,
                droppedAttributesCount: Type.Optional(Count),
              }),
            ),
            spans: Type.Optional(Type.Array(OtlpSpan)),
            schemaUrl: Type.Optional(Type.String()),
          }),
        ),
      ),
      schemaUrl: Type.Optional(Type.String()),
    }),
    { description: 'an array of resource spans (this is a traces request)' },
  ),
});
export type TracesRequest = Static<typeof TracesRequest>;

// Compiled once at load, as the frame validator is (src/protocol/decode.ts).
const check = TypeCompiler.Compile(TracesRequest);

/** A value in a message: short, and never a whole object dumped into a log line. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return v === null ? 'null' : 'an object';
  const s = typeof v === 'number' ? String(v) : JSON.stringify(v); // Infinity (a huge number in the file) is no `null`
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** The request, or why not: the first failing path, what it expects and what it has. */
export function checkTracesRequest(value: unknown): { ok: true; request: TracesRequest } | { ok: false; problem: string } {
  if (check.Check(value)) return { ok: true, request: value };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: `not a JSON object but ${shown(value)}` };
  const e = check.Errors(value).First();
  if (!e) return { ok: false, problem: 'invalid' };
  const expected = typeof e.schema.description === 'string' ? `expected ${e.schema.description}` : e.message.replace(/^E/, 'e');
  return { ok: false, problem: `${e.path || '/'}: ${expected}, got ${shown(e.value)}` };
}
