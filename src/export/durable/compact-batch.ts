// A batch of spans or log records reduced to what the OTLP protobuf serializer reads, in a form
// structured clone copies cheaply (tuples, resource and scope once per batch), and rebuilt on
// the encoder worker into objects the same serializer takes. The bytes are the library's own
// (ProtobufTraceSerializer / ProtobufLogsSerializer), not an encoding of ours: only the input
// crosses the thread. bench/encode-crossing.ts measures the forms with it (bench/analysis.md,
// issue 31 item 1); the exporters do not use it yet: the encoder thread lost end to end (069a977).
import type { Attributes, HrTime, Link, SpanContext } from '@opentelemetry/api';
import type { LogAttributes, LogBody } from '@opentelemetry/api-logs';
import type { InstrumentationScope } from '@opentelemetry/core';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

interface CompactResource {
  attributes: Attributes;
  schemaUrl: string | undefined;
}

interface CompactScope {
  name: string;
  version: string | undefined;
  schemaUrl: string | undefined;
  attributes: Attributes | undefined;
  droppedAttributesCount: number | undefined;
}

interface CompactLink {
  traceId: string;
  spanId: string;
  traceFlags: number;
  isRemote: boolean | undefined;
  traceState: string | undefined;
  attributes: Attributes | undefined;
  droppedAttributesCount: number | undefined;
}

/** One span: name, kind, context, parent, times, status, attributes, events, links, counts, resource and scope indexes. */
type CompactSpan = [
  name: string,
  kind: number,
  traceId: string,
  spanId: string,
  traceFlags: number,
  traceState: string | undefined,
  parentSpanId: string | undefined,
  parentIsRemote: boolean | undefined,
  start: HrTime,
  end: HrTime,
  statusCode: number,
  statusMessage: string | undefined,
  attributes: Attributes,
  droppedAttributes: number,
  events: TimedEvent[] | 0,
  droppedEvents: number,
  links: CompactLink[] | 0,
  droppedLinks: number,
  resource: number,
  scope: number,
];

type CompactLog = [
  hrTime: HrTime,
  hrTimeObserved: HrTime,
  traceId: string | undefined,
  spanId: string | undefined,
  traceFlags: number | undefined,
  severityText: string | undefined,
  severityNumber: number | undefined,
  body: LogBody | undefined,
  eventName: string | undefined,
  attributes: LogAttributes,
  droppedAttributes: number,
  resource: number,
  scope: number,
];

export type CompactBatch =
  | { signal: 'traces'; resources: CompactResource[]; scopes: CompactScope[]; items: CompactSpan[] }
  | { signal: 'logs'; resources: CompactResource[]; scopes: CompactScope[]; items: CompactLog[] };

interface Sourced {
  readonly resource: { readonly attributes: Attributes; readonly schemaUrl?: string | undefined };
  readonly instrumentationScope: InstrumentationScope & { attributes?: Attributes; droppedAttributesCount?: number };
}

/**
 * Resources and scopes by identity, as the serializer groups them: each distinct object once,
 * items refer to it by index, so the rebuilt batch groups (and orders) the same way.
 */
class Tables {
  readonly resources: CompactResource[] = [];
  readonly scopes: CompactScope[] = [];
  private readonly resourceIndex = new Map<object, number>();
  private readonly scopeIndex = new Map<object, number>();

  resource(item: Sourced): number {
    const r = item.resource;
    let i = this.resourceIndex.get(r);
    if (i === undefined) {
      i = this.resources.push({ attributes: r.attributes, schemaUrl: r.schemaUrl }) - 1;
      this.resourceIndex.set(r, i);
    }
    return i;
  }

  scope(item: Sourced): number {
    const s = item.instrumentationScope;
    let i = this.scopeIndex.get(s);
    if (i === undefined) {
      const { name, version, schemaUrl, attributes, droppedAttributesCount } = s;
      i = this.scopes.push({ name, version, schemaUrl, attributes, droppedAttributesCount }) - 1;
      this.scopeIndex.set(s, i);
    }
    return i;
  }
}

const compactLink = (l: Link): CompactLink => ({
  traceId: l.context.traceId,
  spanId: l.context.spanId,
  traceFlags: l.context.traceFlags,
  isRemote: l.context.isRemote,
  traceState: l.context.traceState?.serialize(),
  attributes: l.attributes,
  droppedAttributesCount: l.droppedAttributesCount,
});

export function compactSpans(spans: readonly ReadableSpan[]): CompactBatch {
  const t = new Tables();
  const items = spans.map((s): CompactSpan => {
    const c = s.spanContext();
    const p = s.parentSpanContext;
    return [
      s.name,
      s.kind,
      c.traceId,
      c.spanId,
      c.traceFlags,
      c.traceState?.serialize(),
      p?.spanId,
      p?.isRemote,
      s.startTime,
      s.endTime,
      s.status.code,
      s.status.message,
      s.attributes,
      s.droppedAttributesCount,
      s.events.length ? (s.events as TimedEvent[]) : 0,
      s.droppedEventsCount,
      s.links.length ? s.links.map(compactLink) : 0,
      s.droppedLinksCount,
      t.resource(s),
      t.scope(s),
    ];
  });
  return { signal: 'traces', resources: t.resources, scopes: t.scopes, items };
}

export function compactLogs(records: readonly ReadableLogRecord[]): CompactBatch {
  const t = new Tables();
  const items = records.map((r): CompactLog => {
    const c = r.spanContext;
    return [
      r.hrTime,
      r.hrTimeObserved,
      c?.traceId,
      c?.spanId,
      c?.traceFlags,
      r.severityText,
      r.severityNumber,
      r.body,
      r.eventName,
      r.attributes,
      r.droppedAttributesCount,
      t.resource(r as unknown as Sourced),
      t.scope(r as unknown as Sourced),
    ];
  });
  return { signal: 'logs', resources: t.resources, scopes: t.scopes, items };
}

const traceState = (s: string | undefined) => (s ? { serialize: () => s } : undefined);

/** The serializer's view of the spans: the fields it reads, nothing else (on the worker). */
export function rebuildSpans(b: Extract<CompactBatch, { signal: 'traces' }>): ReadableSpan[] {
  return b.items.map((t) => {
    const context = { traceId: t[2], spanId: t[3], traceFlags: t[4], traceState: traceState(t[5]) } as SpanContext;
    const links = t[16]
      ? t[16].map((l) => ({
          context: {
            traceId: l.traceId,
            spanId: l.spanId,
            traceFlags: l.traceFlags,
            isRemote: l.isRemote,
            traceState: traceState(l.traceState),
          } as SpanContext,
          attributes: l.attributes,
          droppedAttributesCount: l.droppedAttributesCount,
        }))
      : [];
    return {
      name: t[0],
      kind: t[1],
      spanContext: () => context,
      parentSpanContext: t[6] === undefined ? undefined : { traceId: t[2], spanId: t[6], traceFlags: t[4], isRemote: t[7] },
      startTime: t[8],
      endTime: t[9],
      status: { code: t[10], message: t[11] },
      attributes: t[12],
      droppedAttributesCount: t[13],
      events: t[14] || [],
      droppedEventsCount: t[15],
      links,
      droppedLinksCount: t[17],
      resource: b.resources[t[18]],
      instrumentationScope: b.scopes[t[19]],
    } as unknown as ReadableSpan;
  });
}

export function rebuildLogs(b: Extract<CompactBatch, { signal: 'logs' }>): ReadableLogRecord[] {
  return b.items.map(
    (t) =>
      ({
        hrTime: t[0],
        hrTimeObserved: t[1],
        spanContext: t[2] === undefined ? undefined : { traceId: t[2], spanId: t[3], traceFlags: t[4] },
        severityText: t[5],
        severityNumber: t[6],
        body: t[7],
        eventName: t[8],
        attributes: t[9],
        droppedAttributesCount: t[10],
        resource: b.resources[t[11]],
        instrumentationScope: b.scopes[t[12]],
      }) as unknown as ReadableLogRecord,
  );
}

/** The library's protobuf bytes of a compact batch: what the encoder worker runs. */
export function encodeCompact(b: CompactBatch): Uint8Array | undefined {
  return b.signal === 'traces' ? ProtobufTraceSerializer.serializeRequest(rebuildSpans(b)) : ProtobufLogsSerializer.serializeRequest(rebuildLogs(b));
}
