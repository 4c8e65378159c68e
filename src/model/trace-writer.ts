// The port between the pure run model and whatever records spans: the OTel SDK in
// production (export/otel-trace-writer.ts), an in-memory recorder in unit tests.

export type AttributeValue = string | number | boolean | string[] | number[] | boolean[];
export type Attributes = Record<string, AttributeValue | undefined>;

export type SpanKindName = 'server' | 'internal';
export type StatusCodeName = 'unset' | 'ok' | 'error';

export interface SpanStatus {
  code: StatusCodeName;
  message?: string | undefined;
}

export interface RemoteParent {
  traceparent: string;
  tracestate?: string | undefined;
}

/**
 * An OTel span link to a span of another trace: a run's baseline (src/analysis/baseline.ts).
 * Given at the start, where samplers can see it.
 */
export interface SpanLink {
  traceId: string;
  spanId: string;
  attributes?: Attributes;
}

/** The model fills these field by field (per frame, no spreads): an optional one may be `undefined`. */
export interface StartSpanOptions<S> {
  /**
   * Stable identity of the span within its run (the same frames give the same keys), so a
   * writer can derive ids deterministically and a replay re-creates the same spans.
   */
  key: string;
  name: string;
  kind: SpanKindName;
  /** In-process parent; absent for a playbook root span. */
  parent?: S;
  /** W3C parent for root spans (TRACEPARENT of the run). */
  remoteParent?: RemoteParent | undefined;
  startNs: number;
  attributes: Attributes;
  links?: SpanLink[] | undefined;
}

export interface TraceWriter<S> {
  startSpan(options: StartSpanOptions<S>): S;
  setAttributes(span: S, attributes: Attributes): void;
  addEvent(span: S, name: string, tsNs: number, attributes?: Attributes): void;
  endSpan(span: S, endNs: number, status: SpanStatus): void;
  /** Hex trace id of a span, for summaries and links. */
  traceId(span: S): string;
  /** Hex span id, so other outputs can point at the span. */
  spanId(span: S): string;
}
