import { describe, expect, it } from 'vitest';
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
    let backlog = 50;
    const bp = backlogPressure(() => backlog, 10, 1);
    let released = 0;
    const waits = [bp.whenClear(), bp.whenClear()].map((p) => p.then(() => (released += 1)));
    await new Promise((r) => setTimeout(r, 20));
    expect(released).toBe(0);
    backlog = 10;
    await Promise.all(waits);
    expect(released).toBe(2);
  });

  it('resolves at once when not behind', async () => {
    await expect(backlogPressure(() => 0, 10).whenClear()).resolves.toBeUndefined();
  });
});
