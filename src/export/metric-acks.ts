// When is a metric recorded "taken"? Once a collection made after it was exported, and the
// destination acknowledged that export (or the disk queue holds it fsync'd), at every push
// destination. The output marks (ledger/output-gate.ts) wait on this before they say a run's
// results are in the metrics, so a replay does not count them again.
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

interface Waiter {
  /** Collections made at or before this time (ms) do not count: they may lack what was recorded. */
  after: number;
  /** Push exporters that have not acknowledged a later collection yet. */
  left: Set<object>;
  resolve: () => void;
}

export class MetricAcks {
  /** Each push exporter, with the time of the last collection it had acknowledged (ms; 0: none yet). */
  private readonly pushers = new Map<object, number>();
  /** At most one a checkpoint under way (the output gate runs one at a time), plus a shutdown's. */
  private waiters: Waiter[] = [];

  /** A push exporter whose acknowledged exports count. */
  register(exporter: object): void {
    this.pushers.set(exporter, 0);
  }

  /** `exporter` had an export acknowledged: the waiters its collection comes after count it. */
  exported(exporter: object, metrics: ResourceMetrics): void {
    const at = collectedAt(metrics);
    if (at === undefined) return;
    if (at > (this.pushers.get(exporter) ?? 0)) this.pushers.set(exporter, at);
    this.waiters = this.waiters.filter((w) => {
      if (at > w.after) w.left.delete(exporter);
      if (w.left.size) return true;
      w.resolve();
      return false;
    });
  }

  /**
   * Resolves once what was recorded up to `since` (ms) is in an acknowledged export at every
   * push destination: at once if each has had a later collection acknowledged already (the
   * export right after the results, not the one after that: the window between an export and
   * its mark stays narrow). Without a push destination (a scrape endpoint, the textfile, none),
   * at once: the metrics stay in this process (docs/reliability.md says what that means).
   */
  taken(since: number = Date.now()): Promise<void> {
    const left = new Set([...this.pushers].filter(([, at]) => at <= since).map(([exporter]) => exporter));
    if (left.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ after: since, left, resolve }));
  }
}

/**
 * When the collection was made (ms since the epoch): the SDK stamps every point of a collection
 * with the time it started (`millisToHrTime(Date.now())`, sdk-metrics MetricCollector), before
 * the pre-collection hook hands the summed counters over.
 */
function collectedAt(metrics: ResourceMetrics): number | undefined {
  let at: number | undefined;
  for (const scope of metrics.scopeMetrics)
    for (const metric of scope.metrics)
      for (const point of metric.dataPoints) {
        const ms = point.endTime[0] * 1000 + Math.floor(point.endTime[1] / 1e6);
        if (at === undefined || ms > at) at = ms;
      }
  return at;
}
