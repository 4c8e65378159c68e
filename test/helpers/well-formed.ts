// Structural checks on the spans a MemoryWriter collected (unit tests of the run model).
import { expect } from 'vitest';
import type { MemorySpan } from './memory-writer.js';

/** Nothing open, every child inside its parent's interval. */
export function expectWellFormed(spans: MemorySpan[]): void {
  for (const s of spans) {
    expect(s.endNs, `${s.name} ended`).toBeDefined();
    expect(s.endNs!).toBeGreaterThanOrEqual(s.startNs);
    if (s.parent) {
      expect(s.startNs, `${s.name} starts inside ${s.parent.name}`).toBeGreaterThanOrEqual(s.parent.startNs);
      expect(s.endNs!, `${s.name} ends inside ${s.parent.name}`).toBeLessThanOrEqual(s.parent.endNs!);
    }
  }
}
