// Assertions over exported spans as a tree: parents, intervals, lookups by name.
import { expect } from 'vitest';
import type { OtlpSpan } from './otlp-spans.js';

export class SpanTree {
  readonly byId = new Map<string, OtlpSpan>();

  constructor(readonly spans: OtlpSpan[]) {
    for (const s of spans) this.byId.set(s.spanId, s);
  }

  named(name: string): OtlpSpan[] {
    return this.spans.filter((s) => s.name === name);
  }

  one(name: string, where: (s: OtlpSpan) => boolean = () => true): OtlpSpan {
    const found = this.named(name).filter(where);
    if (found.length !== 1)
      throw new Error(`expected one span ${JSON.stringify(name)}, found ${found.length} among: ${[...new Set(this.spans.map((s) => s.name))].join(' | ')}`);
    return found[0]!;
  }

  parent(s: OtlpSpan): OtlpSpan | undefined {
    return this.byId.get(s.parentSpanId);
  }

  children(s: OtlpSpan): OtlpSpan[] {
    return this.spans.filter((c) => c.parentSpanId === s.spanId && c.traceId === s.traceId);
  }

  /** Names from the root down to `s`. */
  /** The names from the root down to `s` (a cycle of parents stops after as many steps as there are spans). */
  path(s: OtlpSpan): string[] {
    const names = [s.name];
    for (let p = this.parent(s); p && names.length <= this.spans.length; p = this.parent(p)) names.unshift(p.name);
    return names;
  }

  /**
   * The trace without ids or times, sorted, one line a span: its path from the root, its status
   * code, the `attributes` it has (those that do not depend on timing) and, with `events`, the set
   * of its event names (a set: how many times an async job is polled depends on timing).
   */
  shape(spans: OtlpSpan[] = this.spans, o: { attributes?: readonly string[]; events?: boolean } = {}): string[] {
    return spans
      .map((s) => {
        const attrs = (o.attributes ?? []).filter((k) => s.attributes[k] !== undefined).map((k) => ` ${k}=${String(s.attributes[k])}`);
        const events = o.events ? ` ${[...new Set(s.events.map((e) => e.name))].join(',')}` : '';
        return `${this.path(s).join(' > ')} [${s.status.code}]${attrs.join('')}${events}`;
      })
      .sort();
  }

  roots(): OtlpSpan[] {
    return this.spans.filter((s) => !this.byId.has(s.parentSpanId));
  }

  /** No duplicates, one trace per root, every child within its parent's interval. */
  expectWellFormed(): void {
    expect(new Set(this.spans.map((s) => s.spanId)).size).toBe(this.spans.length);
    for (const s of this.spans) {
      expect(s.endNs >= s.startNs, `${s.name} ends after it starts`).toBe(true);
      const p = this.parent(s);
      if (!p) continue;
      expect(s.traceId).toBe(p.traceId);
      expect(s.startNs >= p.startNs, `${this.path(s).join(' > ')} starts inside its parent`).toBe(true);
      expect(s.endNs <= p.endNs, `${this.path(s).join(' > ')} ends inside its parent`).toBe(true);
    }
  }
}
