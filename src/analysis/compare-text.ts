// What changed since the baseline, in words: the few summary lines (the sidecar's summary, the
// GitHub job summary), `compare`'s table, and its JSON. One wording for every output.
import { formatDuration } from '../sinks/ansi.js';
import { IDEMPOTENCE_RUNS, type Comparison, type TaskChange } from './compare.js';

/** A task as ansible shows it: `role : name`, handlers marked. */
export function taskLabel(t: Pick<TaskChange, 'name' | 'scopes' | 'handler'>): string {
  const role = [...t.scopes].reverse().find((s) => s.startsWith('role '));
  const name = role ? `${role.slice(5)} : ${t.name}` : t.name;
  return t.handler ? `handler: ${name}` : name;
}

const hosts = (list: string[]): string => (list.length <= 5 ? list.join(', ') : `${list.slice(0, 5).join(', ')} and ${list.length - 5} more`);
const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const ratio = (r: number | undefined): string => (r === undefined ? '' : ` (${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×)`);

/** The most lines of one kind the summary lists; the rest are counted. */
const SHOWN = 5;

function capped(items: TaskChange[], line: (t: TaskChange) => string): string[] {
  const out = items.slice(0, SHOWN).map(line);
  if (items.length > SHOWN) out.push(`  … and ${items.length - SHOWN} more`);
  return out;
}

export function slowerText(t: TaskChange): string {
  return `${taskLabel(t)}: ${formatDuration(t.next?.maxNs ?? 0)} vs usual ${formatDuration(t.usualNs ?? 0)}${ratio(t.ratio)}${t.slowestHost ? `, slowest on ${t.slowestHost}` : ''}`;
}

/** The comparison in a few lines: a head line, then slower tasks, new failures, drift, not idempotent, and what else changed. */
export function baselineLines(c: Comparison): string[] {
  const counts = [
    plural(c.slower.length, 'slower task'),
    plural(c.newFailures.length, 'new failure'),
    `${c.drift.length} with drift`,
    `${c.notIdempotent.length} not idempotent`,
  ];
  const out = [`against the baseline (run ${c.base.runId}, trace ${c.base.traceId}, ${c.base.result}): ${counts.join(', ')}`];
  out.push(...capped(c.slower, (t) => `slower: ${slowerText(t)}`));
  out.push(...capped(c.newFailures, (t) => `new failure: ${taskLabel(t)} on ${hosts(t.newlyFailed)}`));
  out.push(...capped(c.drift, (t) => `drift: ${taskLabel(t)} changed on ${hosts(t.drift)}, where the baseline did not`));
  out.push(...capped(c.notIdempotent, (t) => `not idempotent: ${taskLabel(t)} changed ${idempotenceText(t)}`));
  out.push(...capped(c.fixed, (t) => `fixed: ${taskLabel(t)} on ${hosts(t.fixed)}`));
  const other = [
    ...c.added.map((t) => `added ${taskLabel(t)}`),
    ...c.removed.map((t) => `removed ${taskLabel(t)}`),
    ...c.renamed.map((t) => `renamed ${t.was} → ${t.name}`),
  ];
  if (other.length) out.push(`tasks: ${other.slice(0, SHOWN).join('; ')}${other.length > SHOWN ? `; and ${other.length - SHOWN} more` : ''}`);
  return out;
}

/** How often it changed: counted from the history, or as the new run's trace says (ansible.task.changes_every_run). */
const idempotenceText = (t: TaskChange): string =>
  (t.changedRuns ?? 0) >= IDEMPOTENCE_RUNS
    ? `on each of the last ${t.changedRuns} runs with the same args`
    : `on each of the last ${IDEMPOTENCE_RUNS} or more runs with the same args, as its trace says`;

export const missingLine = (why: string): string => `no baseline: ${why}`;

/** The same lines for the GitHub job summary (Markdown). */
export function baselineMarkdown(c: Comparison): string {
  const [head, ...rest] = baselineLines(c);
  const icon = c.slower.length + c.newFailures.length > 0 ? '🔺' : '✅';
  return `#### ${icon} Since the baseline\n\n${head}\n\n${rest.map((l) => `- ${l.trim()}`).join('\n')}\n`;
}

const sec = (ns: number | undefined): number | undefined => (ns === undefined ? undefined : Math.round(ns / 1e6) / 1e3);

/** `compare --format json`: every fact, durations in seconds. */
export function comparisonJson(c: Comparison): unknown {
  const head = (h: Comparison['base']) => ({
    ...h,
    durationNs: undefined,
    startNs: undefined,
    start: new Date(h.startNs / 1e6).toISOString(),
    duration: sec(h.durationNs),
  });
  const task = (t: TaskChange) => ({
    task: taskLabel(t),
    name: t.name,
    play: t.play,
    scopes: t.scopes,
    state: t.state,
    ...(t.was !== undefined ? { was: t.was } : {}),
    base: t.base && { p50: sec(t.base.p50Ns), max: sec(t.base.maxNs), hosts: t.base.hosts },
    new: t.next && { p50: sec(t.next.p50Ns), max: sec(t.next.maxNs), hosts: t.next.hosts },
    usual: sec(t.usualNs),
    p90: sec(t.p90Ns),
    ratio: t.ratio === undefined ? undefined : Math.round(t.ratio * 1000) / 1000,
    change: sec(t.deltaNs),
    slower: t.slower,
    slowestHost: t.slowestHost,
    newlyFailed: t.newlyFailed,
    fixed: t.fixed,
    drift: t.drift,
    notIdempotent: t.notIdempotent,
    changedRuns: t.changedRuns,
  });
  const names = (ts: TaskChange[]): string[] => ts.map(taskLabel);
  return {
    base: head(c.base),
    new: head(c.next),
    regressed: c.regressed,
    regressions: c.regressions,
    historyRuns: c.historyRuns,
    slower: c.slower.map(task),
    newFailures: c.newFailures.map((t) => ({ task: taskLabel(t), hosts: t.newlyFailed })),
    fixed: c.fixed.map((t) => ({ task: taskLabel(t), hosts: t.fixed })),
    drift: c.drift.map((t) => ({ task: taskLabel(t), hosts: t.drift })),
    notIdempotent: c.notIdempotent.map((t) => ({ task: taskLabel(t), runs: t.changedRuns })),
    added: names(c.added),
    removed: names(c.removed),
    renamed: c.renamed.map((t) => ({ from: t.was, to: t.name })),
    tasks: c.tasks.map(task),
  };
}

/** The notes column of one task's row: every verdict on it, in a fixed order. */
function taskNotes(t: TaskChange): string {
  const notes: string[] = [];
  if (t.slower) notes.push('SLOWER');
  if (t.newlyFailed.length) notes.push(`newly failed: ${hosts(t.newlyFailed)}`);
  if (t.fixed.length) notes.push(`fixed: ${hosts(t.fixed)}`);
  if (t.drift.length && !t.notIdempotent) notes.push(`drift: ${hosts(t.drift)}`);
  if (t.notIdempotent) notes.push('not idempotent');
  if (t.state === 'renamed') notes.push(`renamed from ${t.was}`);
  if (t.state === 'added' || t.state === 'removed') notes.push(t.state);
  return notes.join('; ');
}

/** One task's row of the table; a side the task is missing from shows a dash. */
function taskRow(t: TaskChange): string[] {
  const change = t.deltaNs === undefined ? '' : `${t.deltaNs >= 0 ? '+' : '-'}${formatDuration(Math.abs(t.deltaNs))}${ratio(t.ratio)}`;
  return [
    taskLabel(t),
    t.base ? formatDuration(t.base.maxNs) : '—',
    t.next ? formatDuration(t.next.maxNs) : '—',
    change,
    t.next ? formatDuration(t.next.p50Ns) : '—',
    String(t.next?.hosts ?? t.base?.hosts ?? 0),
    taskNotes(t),
  ];
}

/** `compare` on a terminal (or plain): one row per task, then the summary lines. */
export function comparisonTable(c: Comparison): string {
  const rows: string[][] = [['task', 'base max', 'new max', 'change', 'new p50', 'hosts', 'notes'], ...c.tasks.map(taskRow)];
  const widths = rows[0]!.map((_, i) => Math.min(48, Math.max(...rows.map((r) => (r[i] ?? '').length))));
  const fit = (s: string, w: number): string => (s.length > w ? `${s.slice(0, w - 1)}…` : s.padEnd(w));
  const table = rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : fit(cell, widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  return `${table.join('\n')}\n\n${baselineLines(c).join('\n')}\n${c.regressed ? `regressed: ${c.regressions.join(', ')}` : 'nothing regressed'}\n`;
}
