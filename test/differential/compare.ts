// The differential checks: ansible's own output (the oracle) against the trace of the same run.
// Each returns the discrepancies as readable lines; an empty list is agreement.
import type { AnsibleOutput, RecapCounts, TaskBlock } from '../helpers/ansible-output.js';
import type { OtlpSpan } from '../helpers/otlp-spans.js';
import { SpanTree } from '../helpers/span-tree.js';
import { isInclude, isMeta, recapOfTrace, traceResults, type TraceHost } from './trace-results.js';

/** What ansible-core version rules the comparison must know (test/differential/README.md). */
export interface Rules {
  /** ansible-core 2.19+: include_role prints `included:` and counts like include_tasks. */
  includeRolePrinted: boolean;
}

export function rulesFor(version: string): Rules {
  const [major, minor] = (/core (\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number) as [number, number];
  return { includeRolePrinted: major > 2 || minor >= 19 };
}

/** A host span the run was cut off in: ansible printed no result for it, and counted none. */
const cutOff = (h: TraceHost): boolean => h.span.attributes['ansible.run.interrupted'] === true;

/**
 * Before 2.19 an include_role whose role cannot be loaded fails its hosts with an `ERROR!` only:
 * no result line, nothing in the PLAY RECAP. Those host spans (their message is that error) are
 * neither printed nor counted.
 */
function silentFailures(hosts: TraceHost[], out: AnsibleOutput, rules: Rules): Set<TraceHost> {
  if (rules.includeRolePrinted) return new Set();
  const errors = new Set(out.errors.map((e) => e.split('\n')[0]!.trim()));
  return new Set(
    hosts.filter(
      (h) =>
        /include_role$/.test(h.task.action) &&
        (h.status === 'failed' || h.status === 'rescued') &&
        errors.has(
          String(h.span.attributes['ansible.task.message'] ?? '')
            .split('\n')[0]!
            .trim(),
        ),
    ),
  );
}

const STATUS_OF_LINE: Record<string, string> = { ok: 'ok', changed: 'changed', skipping: 'skipped', fatal: 'fatal', unreachable: 'unreachable' };

/**
 * Every result line of the output, as `task | host | what`. Under free strategies an `included:`
 * line follows whichever banner came last, so `ordered` false leaves its task out.
 */
function outputLines(out: AnsibleOutput, ordered: boolean): string[] {
  const lines: string[] = [];
  for (const t of out.tasks) {
    for (const r of t.results) {
      if (r.item !== undefined) lines.push(`${t.name} | ${r.host} | item ${r.status} ${r.item}`);
      else lines.push(`${t.name} | ${r.host} | ${r.ignoring ? 'ignored' : STATUS_OF_LINE[r.status]}`);
    }
    for (let i = 0; i < t.looseIgnoring; i++) lines.push(`${t.name} | * | ...ignoring`);
    for (const inc of t.included) for (const h of inc.hosts) lines.push(`${ordered ? t.name : '*'} | ${h} | included`);
  }
  return lines;
}

const ITEM_WORD: Record<string, string> = { ok: 'ok', changed: 'changed', skipped: 'skipping', failed: 'failed' };

/** The result lines the default callback prints for what the trace holds, in the same form. */
function expectedLines(hosts: TraceHost[], rules: Rules, ordered: boolean): string[] {
  const lines: string[] = [];
  for (const h of hosts) {
    const name = h.task.display;
    if (isInclude(h.task.action)) {
      // an include's own ok is not printed: its loads are (`included:`), once per item of a loop
      if (h.status === 'ok') {
        const loads = h.items.length ? h.items.filter((i) => i.status === 'ok' || i.status === 'changed').length : 1;
        if (!/include_role$/.test(h.task.action) || rules.includeRolePrinted)
          for (let i = 0; i < loads; i++) lines.push(`${ordered ? name : '*'} | ${h.host} | included`);
        continue;
      }
    } else {
      for (const i of h.items) lines.push(`${name} | ${h.host} | item ${ITEM_WORD[i.status === 'changed' ? 'changed' : i.status] ?? i.status} ${i.label}`);
    }
    const loop = h.items.length > 0;
    const unreachable = h.status === 'unreachable' || (h.status === 'ignored' && h.span.attributes['error.type'] === 'unreachable');
    switch (h.status) {
      case 'ok':
      case 'changed':
        if (!loop) lines.push(`${name} | ${h.host} | ${h.status}`);
        break;
      case 'skipped':
        lines.push(`${name} | ${h.host} | skipped`);
        break;
      case 'failed':
      case 'rescued':
        if (!loop || isInclude(h.task.action)) lines.push(`${name} | ${h.host} | fatal`);
        break;
      case 'ignored':
        if (loop && !unreachable) lines.push(`${name} | * | ...ignoring`);
        else lines.push(`${name} | ${h.host} | ignored`);
        break;
      case 'unreachable':
        lines.push(`${name} | ${h.host} | unreachable`);
        break;
      default:
        lines.push(`${name} | ${h.host} | status ${h.status}?`);
    }
  }
  return lines;
}

/** a − b as multisets. */
function minus(a: string[], b: string[]): string[] {
  const count = new Map<string, number>();
  for (const x of b) count.set(x, (count.get(x) ?? 0) + 1);
  const out: string[] = [];
  for (const x of a) {
    const n = count.get(x) ?? 0;
    if (n > 0) count.set(x, n - 1);
    else out.push(x);
  }
  return out;
}

/** A loop's items are printed by label; the trace may hold a longer (JSON) form of a non-string item. */
function sameLines(printed: string[], expected: string[]): { notInTrace: string[]; notPrinted: string[] } {
  return { notInTrace: minus(printed, expected), notPrinted: minus(expected, printed) };
}

/** Every result line has its span and every host span its line. */
export function compareResults(out: AnsibleOutput, spans: OtlpSpan[], rules: Rules, ordered = true): string[] {
  const all = traceResults(spans).hosts;
  // ad-hoc output names no task: its one task is `*` on both sides
  if (out.adhoc) for (const h of all) h.task.display = '*';
  const silent = silentFailures(all, out, rules);
  const hosts = all.filter((h) => !silent.has(h) && !cutOff(h));
  const { notInTrace, notPrinted } = sameLines(outputLines(out, ordered), expectedLines(hosts, rules, ordered));
  return [...notInTrace.map((l) => `printed by ansible, no span: ${l}`), ...notPrinted.map((l) => `span, not printed by ansible: ${l}`)];
}

/** `FAILED - RETRYING` lines against the host spans' ansible.retry events. */
export function compareRetries(out: AnsibleOutput, spans: OtlpSpan[]): string[] {
  const printed = new Map<string, number>();
  for (const t of out.tasks) for (const [h, n] of t.retries) printed.set(`${t.name} | ${h}`, (printed.get(`${t.name} | ${h}`) ?? 0) + n);
  const traced = new Map<string, number>();
  for (const h of traceResults(spans).hosts)
    if (h.retries) traced.set(`${h.task.display} | ${h.host}`, (traced.get(`${h.task.display} | ${h.host}`) ?? 0) + h.retries);
  const keys = new Set([...printed.keys(), ...traced.keys()]);
  return [...keys]
    .filter((k) => printed.get(k) !== traced.get(k))
    .map((k) => `retries of ${k}: ansible printed ${printed.get(k) ?? 0}, the trace has ${traced.get(k) ?? 0}`);
}

/** PLAY RECAP against the counts the host spans imply. */
export function compareRecap(out: AnsibleOutput, spans: OtlpSpan[], rules: Rules): string[] {
  if (!out.recapPrinted) return []; // ansible stopped before its recap: nothing to hold the counts against
  const loads = new Map<string, number>();
  for (const t of out.tasks) for (const inc of t.included) for (const h of inc.hosts) loads.set(h, (loads.get(h) ?? 0) + 1);
  const { hosts } = traceResults(spans);
  const silent = silentFailures(hosts, out, rules);
  const traced = recapOfTrace(
    hosts.filter((h) => !silent.has(h) && !cutOff(h)),
    loads,
  );
  const problems: string[] = [];
  for (const host of new Set([...out.recap.keys(), ...traced.keys()])) {
    const want = out.recap.get(host) ?? { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
    const got = traced.get(host) ?? { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
    for (const k of Object.keys(want) as (keyof RecapCounts)[]) {
      if (want[k] !== got[k]) problems.push(`${host} ${k}: PLAY RECAP ${want[k]}, spans ${got[k]}`);
    }
  }
  return problems;
}

/** Under linear, the task banners in order against the task spans in order of start, play by play. */
export function compareTaskOrder(out: AnsibleOutput, spans: OtlpSpan[]): string[] {
  const banners = out.tasks.map((t: TaskBlock) => `${t.handler ? 'handler ' : ''}${t.name}`);
  const traced = traceResults(spans).tasks.map((t) => `${t.handler ? 'handler ' : ''}${t.display}`);
  const at = banners.findIndex((b, i) => b !== traced[i]);
  if (at < 0 && banners.length === traced.length) return [];
  const from = Math.max(0, (at < 0 ? banners.length : at) - 2);
  return [`from task ${from}: banners ${JSON.stringify(banners.slice(from, from + 6))}, task spans ${JSON.stringify(traced.slice(from, from + 6))}`];
}

/**
 * ansible-playbook's exit codes (ansible-core's `ExitCode`, 2.19; the TaskQueueManager's RUN_*
 * codes and the CLI's before) and the result the run's root must carry. 4 is both "hosts were
 * unreachable" (the run reached its PLAY RECAP) and "parse error" (it stopped before).
 */
export function expectedResult(code: number | null, recapPrinted: boolean, killed: boolean): { result: string; errorType?: string } {
  if (killed || code === null) return { result: 'error', errorType: 'interrupted' };
  switch (code) {
    case 0:
      return { result: 'success' };
    case 1:
      return { result: 'error', errorType: 'ansible_error' };
    case 2:
      return { result: 'failure', errorType: 'failed' };
    case 4:
      return recapPrinted ? { result: 'failure', errorType: 'unreachable' } : { result: 'error', errorType: 'parser_error' };
    case 5:
      return { result: 'error', errorType: 'invalid_options' };
    case 99:
      return { result: 'cancellation', errorType: 'keyboard_interrupt' };
    case 250:
      return { result: 'error', errorType: 'unexpected_error' };
    default:
      return { result: 'error', errorType: '_OTHER' };
  }
}

/** The roots: the last playbook's carries the exit code's result, the ones before it succeeded. */
export function compareRootResult(code: number | null, out: AnsibleOutput, spans: OtlpSpan[], killed = false): string[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const roots = spans.filter((s) => !ids.has(s.parentSpanId)).sort((a, b) => (a.startNs < b.startNs ? -1 : 1));
  if (roots.length === 0) return ['no root span'];
  const problems: string[] = [];
  const last = roots.at(-1)!;
  // ad-hoc `ansible` prints no recap: a run that printed its results completed
  const want = expectedResult(code, out.recapPrinted || (out.adhoc && out.tasks.length > 0), killed);
  const got = { result: last.attributes['cicd.pipeline.result'], errorType: last.attributes['error.type'] };
  if (got.result !== want.result || got.errorType !== want.errorType)
    problems.push(
      `exit code ${code}: root ${last.name} has result ${String(got.result)} / error.type ${String(got.errorType)}, want ${want.result} / ${String(want.errorType)}`,
    );
  const wantStatus = want.result === 'success' ? [0, 1] : [2];
  if (!wantStatus.includes(last.status.code)) problems.push(`exit code ${code}: root ${last.name} has status ${last.status.code}`);
  for (const r of roots.slice(0, -1)) {
    if (r.attributes['cicd.pipeline.result'] !== 'success')
      problems.push(`root ${r.name} before the last: result ${String(r.attributes['cicd.pipeline.result'])}, want success`);
  }
  return problems;
}

/** No duplicate ids, no orphans, every span ended inside its parent. */
export function compareTree(spans: OtlpSpan[]): string[] {
  const problems: string[] = [];
  const byId = new Map<string, OtlpSpan>();
  for (const s of spans) {
    if (byId.has(s.spanId)) problems.push(`duplicate span id ${s.spanId} (${s.name})`);
    byId.set(s.spanId, s);
  }
  const path = (s: OtlpSpan): string => {
    const names = [s.name];
    for (let p = byId.get(s.parentSpanId); p && names.length < 64; p = byId.get(p.parentSpanId)) names.unshift(p.name);
    return names.join(' > ');
  };
  for (const s of spans) {
    if (s.endNs < s.startNs) problems.push(`${path(s)} ends before it starts`);
    if (!s.parentSpanId) continue;
    const p = byId.get(s.parentSpanId);
    if (!p) {
      problems.push(`${path(s)}: parent ${s.parentSpanId} is not in the trace`);
      continue;
    }
    if (p.traceId !== s.traceId) problems.push(`${path(s)}: another trace than its parent`);
    if (s.startNs < p.startNs) problems.push(`${path(s)} starts ${Number(p.startNs - s.startNs) / 1e6} ms before its parent`);
    if (s.endNs > p.endNs) problems.push(`${path(s)} ends ${Number(s.endNs - p.endNs) / 1e6} ms after its parent`);
  }
  return problems;
}

/** The tree's shape: every span's path, status and the attributes that do not depend on timing. */
export function shape(spans: OtlpSpan[]): string[] {
  return new SpanTree(spans).shape(spans, { attributes: STABLE });
}

const STABLE = ['ansible.task.host.status', 'ansible.task.changed', 'cicd.pipeline.task.run.result', 'cicd.pipeline.result', 'error.type'];

/** Two shapes' differences, as lines only one of them has. */
export function compareShapes(a: string[], b: string[]): string[] {
  return [...minus(a, b).map((l) => `only in the first: ${l}`), ...minus(b, a).map((l) => `only in the second: ${l}`)];
}

export { isMeta };
