// When is a metric recorded "taken"? Once a collection made after it was exported, and the
// destination acknowledged that export (or the disk queue holds it fsync'd), at every push
// destination. The output marks (ledger/output-gate.ts) wait on this before they say a run's
// results are in the metrics, so a replay does not count them again.
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** A metric export the marks waited for failed: what was recorded is not taken (nothing to mark, nothing to say). */
export class NotTaken extends Error {}

interface Waiter {
  /** Collections made at or before this time (ms) do not count: they may lack what was recorded. */
  after: number;
  /** Push exporters that have not acknowledged a later collection yet. */
  left: Set<object>;
  resolve: () => void;
  reject: (error: Error) => void;
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

  /** `exporter`'s export failed (and no disk queue took it): the waiters it was to answer are not taken. */
  failed(exporter: object, metrics: ResourceMetrics): void {
    const at = collectedAt(metrics);
    if (at === undefined) return;
    this.waiters = this.waiters.filter((w) => {
      if (at <= w.after || !w.left.has(exporter)) return true;
      w.reject(new NotTaken(`a metric export failed`));
      return false;
    });
  }

  /**
   * Resolves once what was recorded up to `since` (ms) is in an acknowledged export at every
   * push destination: at once if each has had a later collection acknowledged already (the
   * export right after the results, not the one after that: the window between an export and
   * its mark stays narrow). Without a push destination (a scrape endpoint, the textfile, none),
   * at once: the metrics stay in this process (docs/reliability.md says what that means).
   * Rejects with NotTaken when an export of a later collection failed.
   */
  taken(since: number = Date.now()): Promise<void> {
    const left = new Set([...this.pushers].filter(([, at]) => at <= since).map(([exporter]) => exporter));
    if (left.size === 0) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ after: since, left, resolve, reject }));
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
