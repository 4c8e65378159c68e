// The one backoff policy (src/util/backoff.ts), and the bounds each retrying part takes from it,
// as docs/reliability.md ("Retries") states them.
import { describe, expect, it } from 'vitest';
import { QUEUE_BACKOFF } from '../../src/export/durable/durable-otlp-exporter.js';
import { DELIVERY_BACKOFF } from '../../src/sinks/http-delivery.js';
import { backoffMs, type BackoffPolicy } from '../../src/util/backoff.js';
import { WATCH_BACKOFF } from '../../src/watch/watch-client.js';

const HIGHEST = 1 - Number.EPSILON; // Math.random() never returns 1
const waits = (p: BackoffPolicy, n: number, random: () => number): number[] => Array.from({ length: n }, (_, i) => backoffMs(p, i, random));

/** A fixed-seed generator (mulberry32): the same "random" waits on every run. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

describe('backoff', () => {
  const p: BackoffPolicy = { firstMs: 100, maxMs: 1_000, jitter: 'equal' };

  it('doubles from the first wait up to the cap (the top of each jitter range)', () => {
    expect(waits(p, 7, () => HIGHEST)).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('with equal jitter, waits at least half of that', () => {
    expect(waits(p, 6, () => 0)).toEqual([50, 100, 200, 400, 500, 500]);
    expect(waits(p, 3, () => 0.5)).toEqual([75, 150, 300]);
  });

  it('with full jitter, waits anything from 0 to that', () => {
    const full: BackoffPolicy = { ...p, jitter: 'full' };
    expect(waits(full, 5, () => 0)).toEqual([0, 0, 0, 0, 0]);
    expect(waits(full, 5, () => 0.5)).toEqual([50, 100, 200, 400, 500]);
    expect(waits(full, 5, () => HIGHEST)).toEqual([100, 200, 400, 800, 1_000]);
  });

  it('keeps every wait in its range, however the draws fall', () => {
    const random = seeded(26);
    for (const jitter of ['equal', 'full'] as const)
      for (let retry = 0; retry < 40; retry++) {
        const ceiling = Math.min(1_000, 100 * 2 ** retry);
        const w = backoffMs({ ...p, jitter }, retry, random);
        expect(w).toBeGreaterThanOrEqual(jitter === 'equal' ? ceiling / 2 : 0);
        expect(w).toBeLessThanOrEqual(ceiling);
      }
  });

  it('stays at the cap after any number of retries (no overflow to Infinity or NaN)', () => {
    for (const retry of [64, 1_024, 5_000, Number.MAX_SAFE_INTEGER]) expect(backoffMs(p, retry, () => HIGHEST)).toBe(1_000);
    expect(backoffMs(p, -3, () => HIGHEST)).toBe(100);
  });

  it('gives each retrying part the bounds docs/reliability.md states', () => {
    const seconds = (policy: BackoffPolicy, n: number): number[] => waits(policy, n, () => HIGHEST).map((ms) => ms / 1000);
    expect(seconds(DELIVERY_BACKOFF, 4)).toEqual([0.5, 1, 2, 4]);
    expect(seconds(QUEUE_BACKOFF, 8)).toEqual([1, 2, 4, 8, 16, 30, 30, 30]);
    expect(seconds(WATCH_BACKOFF, 6)).toEqual([0.5, 1, 2, 4, 5, 5]);
    for (const policy of [DELIVERY_BACKOFF, QUEUE_BACKOFF, WATCH_BACKOFF]) expect(policy.jitter).toBe('equal');
  });
});
