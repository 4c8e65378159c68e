import { describe, expect, it, vi } from 'vitest';
import { backlogPressure } from '../../src/ingest/backpressure.js';

describe('backlogPressure', () => {
  it('is behind only above the limit', () => {
    let backlog = 10;
    const bp = backlogPressure(() => backlog, 10);
    expect(bp.behind()).toBe(false);
    backlog = 11;
    expect(bp.behind()).toBe(true);
  });

  it('lets every waiter go once the backlog is down to the limit', async () => {
    vi.useFakeTimers(); // twenty polls that must all find it behind, without waiting for them
    try {
      let backlog = 50;
      const bp = backlogPressure(() => backlog, 10, 1);
      let released = 0;
      const waits = [bp.whenClear(), bp.whenClear()].map((p) => p.then(() => (released += 1)));
      await vi.advanceTimersByTimeAsync(20);
      expect(released).toBe(0);
      backlog = 10;
      await vi.advanceTimersByTimeAsync(1);
      await Promise.all(waits);
      expect(released).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('resolves at once when not behind', async () => {
    await expect(backlogPressure(() => 0, 10).whenClear()).resolves.toBeUndefined();
  });
});
