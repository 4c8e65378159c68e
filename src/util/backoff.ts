// The one backoff policy of every part that retries (webhook and Slack delivery, the OTLP disk
// queue, watch's reconnect): exponential, capped, with jitter so that many clients that lost the
// same server do not come back to it in step. Pure: the caller keeps the count and the timer.

export interface BackoffPolicy {
  /** The wait before the first retry, before jitter. */
  firstMs: number;
  /** No wait is longer. */
  maxMs: number;
  /**
   * `equal`: uniform between half the wait and all of it (never less than half: a reconnect loop
   * cannot spin); `full`: uniform between 0 and the wait (the least contention, for many clients).
   */
  jitter: 'equal' | 'full';
}

/**
 * The wait before retry number `retry` (0 for the first): `firstMs` doubled per retry, at most
 * `maxMs`, then jittered. `random` is Math.random's contract ([0, 1)); tests pass their own.
 */
export function backoffMs(policy: BackoffPolicy, retry: number, random: () => number = Math.random): number {
  // 2 ** 1100 is Infinity, which min() caps: no overflow however long the outage
  const ceiling = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, retry));
  const floor = policy.jitter === 'equal' ? ceiling / 2 : 0;
  return Math.round(floor + (ceiling - floor) * random());
}
