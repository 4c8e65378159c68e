// What a trace says each host did, in the terms ansible's default callback prints: the other side
// of the differential comparison (ansible-output.ts is ansible's side).
import type { OtlpSpan } from '../helpers/otlp-spans.js';
import type { RecapCounts } from '../helpers/ansible-output.js';

export interface TraceTask {
  span: OtlpSpan;
  /** As ansible's banner shows it: `role : name` for a role's task. */
  display: string;
  handler: boolean;
  action: string;
}

export interface TraceHost {
  span: OtlpSpan;
  task: TraceTask;
  host: string;
  status: string;
  changed: boolean;
  items: { label: string; status: string }[];
  retries: number;
  asyncEvents: string[];
}

const INCLUDE_ACTIONS = /^(ansible\.builtin\.|ansible\.legacy\.)?(include_tasks|include_role|include)$/;
const META_ACTIONS = /^(ansible\.builtin\.|ansible\.legacy\.)?meta$/;

export const isInclude = (action: string): boolean => INCLUDE_ACTIONS.test(action);
export const isMeta = (action: string): boolean => META_ACTIONS.test(action);

const str = (v: unknown): string => (v === undefined ? '' : String(v));

/** Task spans, host spans and their items, ordered by start. */
export function traceResults(spans: OtlpSpan[]): { tasks: TraceTask[]; hosts: TraceHost[] } {
  const byParent = new Map<string, OtlpSpan[]>();
  for (const s of spans) {
    const list = byParent.get(s.parentSpanId) ?? [];
    list.push(s);
    byParent.set(s.parentSpanId, list);
  }
  const byStart = (a: OtlpSpan, b: OtlpSpan) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0);
  const tasks: TraceTask[] = [];
  const hosts: TraceHost[] = [];
  for (const s of [...spans].sort(byStart)) {
    if (s.attributes['cicd.pipeline.task.run.id'] === undefined || s.attributes['ansible.task.host.name'] !== undefined) continue;
    const role = s.attributes['ansible.task.role'];
    const name = str(s.attributes['ansible.task.name']);
    const action = str(s.attributes['ansible.task.action']);
    // ansible prefixes a role's task with `role : `, but not an include_role task (IncludeRole.get_name)
    const prefixed = role !== undefined && !name.startsWith(`${str(role)} : `) && !/include_role$/.test(action);
    const task: TraceTask = {
      span: s,
      display: prefixed ? `${str(role)} : ${name}` : name,
      handler: s.attributes['ansible.task.handler'] === true,
      action,
    };
    tasks.push(task);
    for (const h of (byParent.get(s.spanId) ?? []).sort(byStart)) {
      if (h.attributes['ansible.task.host.name'] === undefined) continue;
      const items = (byParent.get(h.spanId) ?? [])
        .filter((i) => i.attributes['ansible.task.item.index'] !== undefined)
        .sort((a, b) => Number(a.attributes['ansible.task.item.index']) - Number(b.attributes['ansible.task.item.index']))
        .map((i) => ({ label: str(i.attributes['ansible.task.item.label']), status: str(i.attributes['ansible.task.host.status']) }));
      hosts.push({
        span: h,
        task,
        host: str(h.attributes['ansible.task.host.name']),
        status: str(h.attributes['ansible.task.host.status']),
        changed: h.attributes['ansible.task.changed'] === true,
        items,
        retries: h.events.filter((e) => e.name === 'ansible.retry').length,
        asyncEvents: h.events.filter((e) => e.name.startsWith('ansible.async_')).map((e) => e.name.slice('ansible.async_'.length)),
      });
    }
  }
  return { tasks, hosts };
}

/** The recap a trace implies, per host, by the rules of ansible's stats (test/differential/README.md). */
export function recapOfTrace(hosts: TraceHost[], includedLoads: Map<string, number>): Map<string, RecapCounts> {
  const out = new Map<string, RecapCounts>();
  const of = (host: string): RecapCounts => {
    let c = out.get(host);
    if (!c) out.set(host, (c = { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 }));
    return c;
  };
  for (const h of hosts) {
    if (isMeta(h.task.action)) continue;
    const c = of(h.host);
    if (isInclude(h.task.action) && h.status === 'ok') continue; // counted by its loads, below
    switch (h.status) {
      case 'ok':
        c.ok += 1;
        break;
      case 'changed':
        c.ok += 1;
        c.changed += 1;
        break;
      case 'ignored':
        c.ok += 1;
        c.ignored += 1;
        if (h.changed) c.changed += 1;
        break;
      case 'skipped':
        c.skipped += 1;
        break;
      case 'failed':
        c.failed += 1;
        break;
      case 'rescued':
        c.rescued += 1;
        break;
      case 'unreachable':
        c.unreachable += 1;
        break;
    }
  }
  for (const [host, n] of includedLoads) of(host).ok += n;
  return out;
}
