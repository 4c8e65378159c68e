import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Context,
  type HrTime,
  type Span,
  type SpanOptions,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { Attributes, RemoteParent, SpanStatus, StartSpanOptions, TraceWriter } from '../model/trace-writer.js';
import type { KeyedIdGenerator } from './keyed-id-generator.js';

const propagator = new W3CTraceContextPropagator();
const KIND = { server: SpanKind.SERVER, internal: SpanKind.INTERNAL } as const;
const CODE = { unset: SpanStatusCode.UNSET, ok: SpanStatusCode.OK, error: SpanStatusCode.ERROR } as const;

/** Frame timestamps (ns since the epoch) as OTel HrTime, without going through milliseconds. */
export function hrTime(ns: number): HrTime {
  const seconds = Math.floor(ns / 1e9);
  return [seconds, Math.max(0, Math.min(999_999_999, Math.round(ns - seconds * 1e9)))];
}

/** Attributes without their undefined values (the SDKs warn about those, or keep them). */
export function clean(attributes: Attributes): Record<string, NonNullable<Attributes[string]>> {
  const out: Record<string, NonNullable<Attributes[string]>> = {};
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function remoteContext(parent: RemoteParent): Context {
  const carrier: Record<string, string> = { traceparent: parent.traceparent };
  if (parent.tracestate) carrier.tracestate = parent.tracestate;
  return propagator.extract(ROOT_CONTEXT, carrier, { get: (c, k) => c[k], keys: (c) => Object.keys(c) });
}

/** The run model's TraceWriter over an OTel Tracer; counts spans it ended. */
export class OtelTraceWriter implements TraceWriter<Span> {
  spansEnded = 0;

  constructor(
    private readonly tracer: Tracer,
    private readonly ids: KeyedIdGenerator,
  ) {}

  startSpan(o: StartSpanOptions<Span>): Span {
    let ctx = ROOT_CONTEXT;
    if (o.parent) ctx = trace.setSpan(ROOT_CONTEXT, o.parent);
    else if (o.remoteParent) ctx = remoteContext(o.remoteParent);
    const options: SpanOptions = { kind: KIND[o.kind], startTime: hrTime(o.startNs) };
    // Links are rare (a task's baseline): only those spans carry the key.
    if (o.links)
      options.links = o.links.map((l) => ({
        context: { traceId: l.traceId, spanId: l.spanId, traceFlags: TraceFlags.SAMPLED },
        ...(l.attributes && { attributes: clean(l.attributes) }),
      }));
    const span = this.ids.withKey(o.key, () => this.tracer.startSpan(o.name, options, ctx));
    // Set after the start, not passed to it: startSpan copies start attributes twice
    // (sanitizeAttributes, before and after sampling) for the sampler, and none of the samplers
    // OTEL_TRACES_SAMPLER can choose reads them. Undefined values are skipped by setAttribute.
    span.setAttributes(o.attributes);
    return span;
  }

  setAttributes(span: Span, attributes: Attributes): void {
    span.setAttributes(attributes);
  }

  addEvent(span: Span, name: string, tsNs: number, attributes?: Attributes): void {
    // Event attributes do keep undefined values: cleaned here.
    span.addEvent(name, attributes ? clean(attributes) : undefined, hrTime(tsNs));
  }

  endSpan(span: Span, endNs: number, status: SpanStatus): void {
    span.setStatus(status.message === undefined ? { code: CODE[status.code] } : { code: CODE[status.code], message: status.message });
    span.end(hrTime(endNs));
    this.spansEnded += 1;
  }

  traceId(span: Span): string {
    return span.spanContext().traceId;
  }

  spanId(span: Span): string {
    return span.spanContext().spanId;
  }
}
