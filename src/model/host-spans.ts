// Which host spans a task gets (--host-spans), and the facts its span carries about every host
// whether or not the host has a span: a 10,000-host run would otherwise be one trace of a
// million spans that no backend keeps whole and no person reads (docs/scale.md, item 1).
import { ATTR, HOST_SPAN_STATUSES, type HostSpanStatus } from './attributes.js';
import type { Attributes } from './trace-writer.js';

export const HOST_SPAN_MODES = ['all', 'problems', 'none'] as const;
export type HostSpanMode = (typeof HOST_SPAN_MODES)[number];

export function isHostSpanMode(value: unknown): value is HostSpanMode {
  return typeof value === 'string' && (HOST_SPAN_MODES as readonly string[]).includes(value);
}

/** A mode, or `auto:N`: `all` for a play of up to N hosts, `problems` above. */
export type HostSpanChoice = HostSpanMode | `auto:${number}`;

export function isHostSpanChoice(value: unknown): value is HostSpanChoice {
  return isHostSpanMode(value) || (typeof value === 'string' && /^auto:[1-9][0-9]{0,8}$/.test(value));
}

/**
 * The mode of one task. `auto:N` needs the hosts of its play (of its `serial` batch: the shim's
 * `host_count`); without them the play counts as small: `all`, as before the option.
 */
export function taskMode(choice: HostSpanChoice, playHosts: number | undefined): HostSpanMode {
  if (isHostSpanMode(choice)) return choice;
  return playHosts !== undefined && playHosts > Number(choice.slice('auto:'.length)) ? 'problems' : 'all';
}

/** Statuses that always keep their host span in `problems` mode: what someone reading the trace looks for. */
export const PROBLEM_STATUSES: ReadonlySet<HostSpanStatus> = new Set(['failed', 'unreachable', 'changed', 'rescued', 'ignored']);

/**
 * The slowest hosts of a task that keep their span in `problems` mode. Five: enough to tell one
 * straggler from a slow group on the waterfall, while a 100-task run adds at most 500 spans.
 */
export const SLOWEST_HOSTS = 5;

/**
 * The N longest entries offered so far, longest first; on a tie the earlier one stays. Bounded:
 * what does not fit is handed back at once, so a task holds at most N hosts waiting for its end.
 */
export class Slowest<T> {
  private readonly kept: { ns: number; value: T }[] = [];

  constructor(private readonly size: number) {}

  /** Offers a value; returns the one that no longer fits (it, or an earlier one), if any. */
  offer(ns: number, value: T): T | undefined {
    if (this.size <= 0) return value;
    if (this.kept.length === this.size && ns <= (this.kept[this.size - 1] as { ns: number }).ns) return value;
    let at = this.kept.length;
    while (at > 0 && (this.kept[at - 1] as { ns: number }).ns < ns) at--;
    this.kept.splice(at, 0, { ns, value });
    return this.kept.length > this.size ? this.kept.pop()?.value : undefined;
  }

  /** The kept values, longest first; the structure is empty afterwards. */
  take(): T[] {
    return this.kept.splice(0).map((k) => k.value);
  }
}

/** Nearest-rank percentile of ascending values (`percent` an integer, so the rank is exact). */
export function nearestRank(sorted: Float64Array, percent: number): number {
  return sorted[Math.max(0, Math.ceil((percent * sorted.length) / 100) - 1)] as number;
}

/**
 * Every host result of one task, as counts by status and durations: O(hosts of the task), let go
 * when the task span ends.
 */
export class TaskHostFacts {
  private readonly counts: Record<HostSpanStatus, number> = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
  private readonly durations: number[] = [];
  private slowestHost: string | undefined;
  private slowestNs = -1;

  add(host: string, status: HostSpanStatus, durationNs: number): void {
    this.counts[status] += 1;
    this.durations.push(durationNs);
    if (durationNs > this.slowestNs) {
      this.slowestNs = durationNs;
      this.slowestHost = host;
    }
  }

  /** The task span's `ansible.task.hosts.*` attributes (docs/semantic-conventions.md); durations in seconds. */
  attributes(): Attributes {
    const a: Attributes = {};
    a[ATTR.TASK_HOSTS_TOTAL] = this.durations.length;
    for (const s of HOST_SPAN_STATUSES) a[ATTR.TASK_HOSTS_PREFIX + s] = this.counts[s];
    if (this.durations.length === 0) return a;
    const sorted = Float64Array.from(this.durations).sort();
    a[ATTR.TASK_HOSTS_DURATION_P50] = nearestRank(sorted, 50) / 1e9;
    a[ATTR.TASK_HOSTS_DURATION_P90] = nearestRank(sorted, 90) / 1e9;
    a[ATTR.TASK_HOSTS_DURATION_MAX] = (sorted[sorted.length - 1] as number) / 1e9;
    a[ATTR.TASK_HOSTS_SLOWEST_NAME] = this.slowestHost;
    a[ATTR.TASK_HOSTS_SLOWEST_DURATION] = this.slowestNs / 1e9;
    return a;
  }
}
