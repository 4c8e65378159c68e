import type { SpanNode } from './span-node.js';
import type { Attributes, SpanStatus, StartSpanOptions } from './trace-writer.js';

type ChildOptions<S> = Omit<StartSpanOptions<S>, 'parent' | 'key' | 'remoteParent'>;

/**
 * A host span that may never exist: with --host-spans problems whether a host gets a span is
 * known only at its result (or, for the slowest, at the task's end). Until then what would be
 * done to the span is kept, in order, and done when it is created; a discarded span keeps
 * nothing. Its key is taken at its birth, so its id is the one it has in `all` mode. Timing
 * follows the frames either way: the task span ends when its last host does, span or not.
 */
export class DeferredSpan<S> {
  lastNs = 0; // a value here: see SpanNode.lastNs
  ended = false;
  private node: SpanNode<S> | undefined;
  /** Work waiting for the span; undefined once created or discarded. */
  private pending: ((node: SpanNode<S>) => void)[] | undefined = [];

  constructor(
    private readonly parent: SpanNode<S>,
    private readonly key: string,
    private readonly options: ChildOptions<S>,
  ) {
    this.lastNs = options.startNs;
  }

  get startNs(): number {
    return this.options.startNs;
  }

  /** The span, once created. */
  get span(): SpanNode<S> | undefined {
    return this.node;
  }

  /** The host span's id, or its task span's while it has none (what log records point at). */
  get spanId(): string {
    return (this.node ?? this.parent).spanId;
  }

  /** Creates the span with everything done to it so far. No-op once created or discarded. */
  create(): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    this.node = this.parent.childAt(this.key, this.options);
    for (const work of pending) work(this.node);
  }

  /** This host gets no span: what was kept for it is let go. */
  discard(): void {
    this.pending = undefined;
  }

  /** Does `work` on the span now, or when it is created. */
  with(work: (node: SpanNode<S>) => void): void {
    if (this.node) work(this.node);
    else this.pending?.push(work);
  }

  touch(ns: number): void {
    if (ns > this.lastNs) this.lastNs = ns;
    this.parent.touch(ns);
  }

  // The created case first and without a closure: in `all` mode this runs per frame.
  set(attributes: Attributes): void {
    if (this.node) this.node.set(attributes);
    else this.pending?.push((n) => n.set(attributes));
  }

  event(name: string, ns: number, attributes?: Attributes): void {
    if (this.node) this.node.event(name, ns, attributes);
    else this.pending?.push((n) => n.event(name, ns, attributes));
    this.touch(ns);
  }

  end(ns: number, status: SpanStatus): void {
    if (this.ended) return;
    this.ended = true;
    if (this.node) this.node.end(ns, status);
    else this.pending?.push((n) => n.end(ns, status));
    this.touch(Math.max(ns, this.lastNs));
  }
}
