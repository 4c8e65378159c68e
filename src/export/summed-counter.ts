import type { Attributes, Counter, Meter } from '@opentelemetry/api';

/**
 * A counter whose increments are summed per attribute set between collections and added to the
 * SDK's counter once per set, in the collection path (`flush`): the SDK hashes the attributes
 * (sort + JSON.stringify) on every `add`, which was most of the metrics' cost per host result.
 *
 * Keyed by the attribute object itself: callers pass the same object for the same series (a
 * cache), and two equal objects are still exact, only summed apart. The first increment of a set
 * after a collection goes to the SDK at once, so the SDK creates the series' accumulation at the
 * moment it really started (its start time) and in the same order as without summing (the same
 * sets overflow the cardinality limit).
 */
export class SummedCounter {
  private readonly pending = new Map<Attributes, number>();

  constructor(private readonly counter: Counter) {}

  /** One increment of the series `attributes` names. */
  inc(attributes: Attributes): void {
    const n = this.pending.get(attributes);
    if (n === undefined) {
      this.counter.add(1, attributes);
      this.pending.set(attributes, 0);
    } else {
      this.pending.set(attributes, n + 1);
    }
  }

  /** Hands the sums to the SDK: must run before every collection reads the counter. */
  flush(): void {
    for (const [attributes, n] of this.pending) if (n > 0) this.counter.add(n, attributes);
    this.pending.clear();
  }
}

/**
 * Runs `beforeCollect` at the start of every collection of `meter`, by any of its readers
 * (periodic push, Prometheus scrape, the final push at shutdown). The SDK runs a meter's
 * observable callbacks first and reads its synchronous instruments right after, with no I/O in
 * between (sdk-metrics MeterSharedState.collect), so what `beforeCollect` adds is in that
 * collection. The gauge it hangs on is never observed: an instrument without data points is left
 * out of every export, so the output does not change.
 */
export function beforeEachCollection(meter: Meter, beforeCollect: () => void): void {
  const hook = meter.createObservableGauge('ansible.sidecar.collection.hook', { description: 'Never observed: runs the pre-collection flush' });
  meter.addBatchObservableCallback(() => beforeCollect(), [hook]);
}
