import type { Attributes, SpanStatus, StartSpanOptions, TraceWriter } from './trace-writer.js';

/** The run's writer, counting the spans it starts: the run summary says how large each trace is. */
export class CountingTraceWriter<S> implements TraceWriter<S> {
  started = 0;

  constructor(private readonly inner: TraceWriter<S>) {}

  startSpan(options: StartSpanOptions<S>): S {
    this.started += 1;
    return this.inner.startSpan(options);
  }

  setAttributes(span: S, attributes: Attributes): void {
    this.inner.setAttributes(span, attributes);
  }

  addEvent(span: S, name: string, tsNs: number, attributes?: Attributes): void {
    this.inner.addEvent(span, name, tsNs, attributes);
  }

  endSpan(span: S, endNs: number, status: SpanStatus): void {
    this.inner.endSpan(span, endNs, status);
  }

  traceId(span: S): string {
    return this.inner.traceId(span);
  }

  spanId(span: S): string {
    return this.inner.spanId(span);
  }
}
