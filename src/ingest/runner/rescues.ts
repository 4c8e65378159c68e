// Which failures a rescue caught: ansible-runner's events do not say. A failed (not ignored) host
// that still starts a task later in the same play was rescued (or ran an `always:`); the stats say
// how many rescues each host had, so the first that many such failures of a host count.
import type { RunnerEvent } from './events.js';
import { stripBatchSuffix, str } from './event-fields.js';

/** The indexes (in `events`, sorted by counter) of the failures a rescue caught. One pass. */
export function rescuedIndexes(events: RunnerEvent[]): Set<number> {
  const stats = events.find((e) => e.event === 'playbook_on_stats')?.event_data?.rescued;
  const budget = new Map<string, number>(Object.entries(stats && typeof stats === 'object' ? (stats as Record<string, number>) : {}));
  // failures of the current play, per host, waiting for that host's next task start
  let waiting = new Map<string, number[]>();
  let play: string | undefined;
  const caught: number[] = [];
  events.forEach((e, i) => {
    const d = e.event_data ?? {};
    const host = str(d.host);
    if (e.event === 'playbook_on_play_start') {
      // a serial batch is the same play again: its hosts' failures stay waiting
      const next = stripBatchSuffix(String(d.play_uuid ?? ''));
      if (next !== play) waiting = new Map();
      play = next;
    } else if (e.event === 'runner_on_start' && host) {
      const failures = waiting.get(host);
      if (failures) caught.push(...failures);
      waiting.delete(host);
    } else if (e.event === 'runner_on_failed' && d.ignore_errors !== true && host && (budget.get(host) ?? 0) > 0) {
      const failures = waiting.get(host) ?? [];
      failures.push(i);
      waiting.set(host, failures);
    }
  });
  const out = new Set<number>();
  for (const i of caught.sort((a, b) => a - b)) {
    const host = String(events[i]!.event_data!.host);
    const left = budget.get(host) ?? 0;
    if (left <= 0) continue;
    budget.set(host, left - 1);
    out.add(i);
  }
  return out;
}
