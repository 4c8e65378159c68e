import type { Attributes, SpanStatus, StartSpanOptions, TraceWriter } from './trace-writer.js';

/**
 * One span of the run tree while it is open. `lastNs` is the latest end of anything inside it,
 * so a parent never ends before its children.
 */
export class SpanNode<S> {
  // A value here, not only in the constructor: a field declared without one starts undefined,
  // and V8 then boxes every double stored to it: a new HeapNumber a store, one per frame or more.
  lastNs = 0;
  ended = false;
  private children = 0;

  private constructor(
    private readonly writer: TraceWriter<S>,
    readonly key: string,
    readonly span: S,
    readonly startNs: number,
    readonly parent: SpanNode<S> | undefined,
    private readonly open: Set<SpanNode<S>>,
  ) {
    this.lastNs = startNs;
    open.add(this);
  }

  /**
   * A root span; `key` must be unique across runs (it contains the run id). `open` holds every
   * span of the tree until it ends: what a run whose state broke still has to end.
   */
  static root<S>(writer: TraceWriter<S>, key: string, options: Omit<StartSpanOptions<S>, 'parent' | 'key'>, open = new Set<SpanNode<S>>()): SpanNode<S> {
    return new SpanNode(writer, key, writer.startSpan({ ...options, key }), options.startNs, undefined, open);
  }

  /** A child span, keyed by its parent's key and birth order: the same frames, the same keys. */
  child(options: Omit<StartSpanOptions<S>, 'parent' | 'key' | 'remoteParent'>): SpanNode<S> {
    return this.childAt(this.reserveKey(), options);
  }

  /**
   * The key of the next child, taken now: a host span whose creation waits for its result
   * (--host-spans problems) keeps the key of its birth order, so the same frames give the same
   * ids whether or not, and whenever, it is created.
   */
  reserveKey(): string {
    return `${this.key}/${this.children++}`;
  }

  /** A child span under a key from reserveKey(). */
  childAt(key: string, options: Omit<StartSpanOptions<S>, 'parent' | 'key' | 'remoteParent'>): SpanNode<S> {
    // Field by field: V8 spreads a fresh object literal slowly (µs), and this runs once per frame.
    const span = this.writer.startSpan({
      key,
      name: options.name,
      kind: options.kind,
      parent: this.span,
      startNs: options.startNs,
      attributes: options.attributes,
      links: options.links,
    });
    return new SpanNode(this.writer, key, span, options.startNs, this, this.open);
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
    this.open.delete(this);
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
