// What became of one signal's items at one destination: one accounting for spans and log records.
import type { DurableStats } from './durable/durable-otlp-exporter.js';

/** What became of the items sent to one destination. */
export interface TargetReport {
  target: string;
  delivered: number;
  /** Refused for good by the backend, or evicted from a full disk queue. */
  failed: number;
  /** Waiting in the disk queue for a backend that did not take them. */
  queued: number;
  /** Where they wait, when any do. */
  queueDir?: string | undefined;
  /** Ended but none of the above: dropped by a full export queue, or cut by the deadline. */
  dropped: number;
  /** Of `delivered`: not sent by this sidecar, because the delivery ledger says an earlier one delivered them. */
  alreadyDelivered: number;
}

interface Counted {
  target: string;
  exported: number;
  failed: number;
}

interface Durable {
  stats(): DurableStats;
  readonly dir: string;
}

/**
 * `total` items went to the exporter `counted`; with a disk queue its stats are the truth (the
 * counter sees a queued batch as exported). `alreadyDelivered`: items the ledger skipped because
 * an earlier sidecar delivered them.
 */
export function targetReport(counted: Counted, durable: Durable | undefined, total: number, alreadyDelivered = 0): TargetReport {
  const d = durable?.stats();
  const skipped = d ? alreadyDelivered : 0;
  const delivered = d ? d.delivered + skipped : counted.exported;
  const failed = d ? d.refusedItems + d.evictedItems : counted.failed;
  const queued = d?.queuedItems ?? 0;
  const dropped = Math.max(0, total - delivered - failed - queued);
  return { target: counted.target, delivered, failed, queued, queueDir: queued ? durable?.dir : undefined, dropped, alreadyDelivered: skipped };
}
