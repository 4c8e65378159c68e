// In-memory TraceWriter: what the run model asked for, without the SDK (unit tests).
import type { Attributes, SpanStatus, StartSpanOptions, TraceWriter } from '../../src/model/trace-writer.js';

export interface MemorySpan {
  id: number;
  /** The model's stable key (what KeyedIdGenerator derives the ids from). */
  key: string;
  name: string;
  kind: string;
  parent: MemorySpan | undefined;
  remoteParent: string | undefined;
  startNs: number;
  endNs: number | undefined;
  attributes: Attributes;
  links: { traceId: string; spanId: string; attributes?: Attributes }[];
  events: { name: string; tsNs: number; attributes: Attributes }[];
  status: SpanStatus | undefined;
}

export class MemoryWriter implements TraceWriter<MemorySpan> {
  readonly spans: MemorySpan[] = [];

  startSpan(o: StartSpanOptions<MemorySpan>): MemorySpan {
    const span: MemorySpan = {
      id: this.spans.length + 1,
      key: o.key,
      name: o.name,
      kind: o.kind,
      parent: o.parent,
      remoteParent: o.remoteParent?.traceparent,
      startNs: o.startNs,
      endNs: undefined,
      attributes: { ...o.attributes },
      links: o.links ?? [],
      events: [],
      status: undefined,
    };
    this.spans.push(span);
    return span;
  }

  setAttributes(span: MemorySpan, attributes: Attributes): void {
    Object.assign(span.attributes, attributes);
  }

  addEvent(span: MemorySpan, name: string, tsNs: number, attributes: Attributes = {}): void {
    span.events.push({ name, tsNs, attributes });
  }

  endSpan(span: MemorySpan, endNs: number, status: SpanStatus): void {
    if (span.endNs !== undefined) throw new Error(`span ${span.name} ended twice`);
    span.endNs = endNs;
    span.status = status;
  }

  traceId(span: MemorySpan): string {
    let root = span;
    while (root.parent) root = root.parent;
    return `trace-${root.id}`;
  }

  spanId(span: MemorySpan): string {
    return `span-${span.id}`;
  }

  named(name: string): MemorySpan[] {
    return this.spans.filter((s) => s.name === name);
  }

  one(name: string): MemorySpan {
    const found = this.named(name);
    if (found.length !== 1)
      throw new Error(`expected one span named ${JSON.stringify(name)}, found ${found.length}: ${this.spans.map((s) => s.name).join(', ')}`);
    return found[0]!;
  }

  open(): MemorySpan[] {
    return this.spans.filter((s) => s.endNs === undefined);
  }
}
