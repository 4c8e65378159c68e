// What the event-fed outputs got of a run, in a form two runs of the same playbook share (no run,
// trace or span ids, no times), so the exactly-once test can compare a disturbed run with an
// undisturbed one: duplicates and gaps show up, different ids do not.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OtlpPoint } from './otlp-metrics.js';

/**
 * Per metric of the run (the sidecar's own `ansible.sidecar.*` left out), what a backend sums
 * over the sidecars that sent it: each process's series (its service.instance.id) counts with its
 * last cumulative value; histograms by their count. A result counted twice shows here.
 */
export function metricTotals(requests: readonly { points: OtlpPoint[] }[]): Record<string, number> {
  const last = new Map<string, { metric: string; n: number }>();
  for (const r of requests)
    for (const p of r.points) {
      if (p.metric.startsWith('ansible.sidecar.')) continue;
      const series = `${p.resource['service.instance.id']}\0${p.metric}\0${JSON.stringify(Object.entries(p.attributes).sort())}`;
      last.set(series, { metric: p.metric, n: p.kind === 'sum' || p.kind === 'gauge' ? (p.value ?? 0) : (p.count ?? 0) });
    }
  const totals: Record<string, number> = {};
  for (const { metric, n } of last.values()) totals[metric] = (totals[metric] ?? 0) + n;
  return totals;
}

/** Webhook bodies as `type task host status`, sorted. */
export function webhookShape(bodies: readonly any[]): string[] {
  return bodies.map((b) => `${b.event_type} ${b.data?.task ?? ''} ${b.data?.host ?? ''} ${b.data?.status ?? b.data?.result ?? ''}`).sort();
}

/** Slack messages by their fallback text (`exactly.yml succeeded (8 ok, …)`), sorted. */
export function slackShape(bodies: readonly any[]): string[] {
  return bodies.map((b) => String(b.text ?? b.attachments?.[0]?.fallback ?? JSON.stringify(b).slice(0, 80))).sort();
}

/** Events file lines as `event task host status`, sorted. */
export function eventsShape(path: string): string[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const e = JSON.parse(line);
      return `${e.event} ${e.task ?? ''} ${e.host ?? ''} ${e.status ?? e.result ?? ''}`;
    })
    .sort();
}

/** Playbook runs in a run history directory (a JSON line each). */
export function historyRuns(dir: string): { playbook: string; tasks: number }[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.jsonl'))
    .flatMap((n) => readFileSync(join(dir, n), 'utf8').split('\n').filter(Boolean))
    .map((line) => {
      const d = JSON.parse(line);
      return { playbook: d.playbook, tasks: d.tasks.length };
    });
}
