import type { Attributes, SpanStatus, StartSpanOptions, TraceWriter } from './trace-writer.js';

/**
 * One span of the run tree while it is open. `lastNs` is the latest end of anything inside it,
 * so a parent never ends before its children.
 */
export class SpanNode<S> {
  lastNs: number;
  ended = false;

  constructor(
    private readonly writer: TraceWriter<S>,
    readonly span: S,
    readonly startNs: number,
    readonly parent: SpanNode<S> | undefined,
  ) {
    this.lastNs = startNs;
  }

  static start<S>(writer: TraceWriter<S>, parent: SpanNode<S> | undefined, options: Omit<StartSpanOptions<S>, 'parent'>): SpanNode<S> {
    const span = writer.startSpan({ ...options, parent: parent?.span });
    return new SpanNode(writer, span, options.startNs, parent);
  }

  child(options: Omit<StartSpanOptions<S>, 'parent'>): SpanNode<S> {
    return SpanNode.start(this.writer, this, options);
  }

  touch(ns: number): void {
    for (let n: SpanNode<S> | undefined = this; n && n.lastNs < ns; n = n.parent) n.lastNs = ns;
  }

  set(attributes: Attributes): void {
    this.writer.setAttributes(this.span, attributes);
  }

  event(name: string, ns: number, attributes?: Attributes): void {
    this.writer.addEvent(this.span, name, ns, attributes);
    this.touch(ns);
  }

  /** Ends at `ns`, or later if something inside ended later. Idempotent. */
  end(ns: number, status: SpanStatus): void {
    if (this.ended) return;
    const endNs = Math.max(ns, this.lastNs);
    this.ended = true;
    this.writer.endSpan(this.span, endNs, status);
    this.parent?.touch(endNs);
  }

  get traceId(): string {
    return this.writer.traceId(this.span);
  }

  get spanId(): string {
    return this.writer.spanId(this.span);
  }
}
