// What changed from one run of a playbook to another: per task the duration change, hosts that
// newly fail, are fixed or newly changed (drift), tasks added, removed or renamed, and tasks that
// change on every run with the same args (not idempotent). Pure: two digests (and the runs before
// the new one, for noise and idempotence) in, one answer out, for `compare`, `run --baseline`, the
// report and the trace alike (docs/baseline.md).
import type { CicdResult } from '../model/attributes.js';
import type { HostRun, RunDigest } from './run-digest.js';
import { groupTasks, matchTasks, type TaskGroup } from './task-match.js';

export interface CompareThresholds {
  /** Slower means at least this many times the usual duration… */
  slowerRatio: number;
  /** …and at least this much longer (ns): a task of 20 ms taking 60 ms is noise, not news. */
  slowerByNs: number;
  /** What counts as a regression (the exit code 3 of `compare`). */
  failOn: RegressionKind[];
}

export const REGRESSION_KINDS = ['slower', 'failed', 'drift', 'not-idempotent', 'removed'] as const;
export type RegressionKind = (typeof REGRESSION_KINDS)[number];

export const DEFAULT_THRESHOLDS: CompareThresholds = { slowerRatio: 1.5, slowerByNs: 1e9, failOn: ['slower', 'failed'] };
/** With this many earlier runs of a task, it counts as slower only above its own p90. */
export const NOISE_RUNS = 5;
/** A task that changed in this many runs in a row (this one included) with the same args is not idempotent. */
export const IDEMPOTENCE_RUNS = 3;

export interface Durations {
  /** Over hosts (every result of every instance). */
  p50Ns: number;
  maxNs: number;
  hosts: number;
}

export interface TaskChange {
  name: string;
  play: string;
  scopes: string[];
  handler: boolean;
  /** The baseline's name of a renamed task. */
  was?: string;
  state: 'same' | 'renamed' | 'added' | 'removed';
  base?: Durations;
  next?: Durations;
  /** next max / usual (the baseline's max, or the median of the earlier runs). */
  ratio?: number;
  deltaNs?: number;
  /** What it usually takes: the baseline's max, or with NOISE_RUNS earlier runs their median. */
  usualNs?: number;
  /** Its own p90 over the earlier runs, when there were NOISE_RUNS of them. */
  p90Ns?: number;
  slower: boolean;
  slowestHost?: string;
  newlyFailed: string[];
  fixed: string[];
  /** Hosts that changed where the baseline did not. */
  drift: string[];
  notIdempotent: boolean;
  /** Runs in a row (this one included) it changed in with the same args. */
  changedRuns?: number;
  /** Span ids of its instances in each run, in order: for links and the report. */
  baseSpanIds: string[];
  nextSpanIds: string[];
}

export interface RunHead {
  runId: string;
  playbook: string;
  traceId: string;
  rootSpanId: string;
  startNs: number;
  durationNs: number;
  result: CicdResult;
}

export interface Comparison {
  base: RunHead;
  next: RunHead;
  tasks: TaskChange[];
  slower: TaskChange[];
  newFailures: TaskChange[];
  fixed: TaskChange[];
  drift: TaskChange[];
  notIdempotent: TaskChange[];
  added: TaskChange[];
  removed: TaskChange[];
  renamed: TaskChange[];
  /** Earlier runs of the same key the noise and idempotence rules looked at. */
  historyRuns: number;
  regressed: boolean;
  /** The kinds that made it a regression. */
  regressions: RegressionKind[];
}

/** run --baseline: the comparison, or why there was none. */
export interface BaselineOutcome {
  comparison?: Comparison;
  missing?: string;
}

const head = (d: RunDigest): RunHead => ({
  runId: d.runId,
  playbook: d.playbook,
  traceId: d.traceId,
  rootSpanId: d.rootSpanId,
  startNs: d.startNs,
  durationNs: d.durationNs,
  result: d.result,
});

/** Nearest-rank percentile of unsorted values. */
export function percentile(values: number[], percent: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percent * sorted.length) / 100) - 1)] ?? 0;
}

function durations(g: TaskGroup): Durations {
  const all: number[] = [];
  for (const rs of g.hosts.values()) for (const r of rs) all.push(r.d);
  if (all.length === 0) {
    const d = Math.max(0, ...g.instances.map((t) => t.durationNs));
    return { p50Ns: d, maxNs: d, hosts: 0 };
  }
  return { p50Ns: percentile(all, 50), maxNs: Math.max(...all), hosts: g.hosts.size };
}

const failed = (rs: HostRun[] | undefined): boolean => rs?.some((r) => r.s === 'failed' || r.s === 'unreachable') ?? false;
const changed = (rs: HostRun[] | undefined): boolean => rs?.some((r) => r.c === 1) ?? false;
const anyChanged = (g: TaskGroup): boolean => [...g.hosts.values()].some(changed);

function slowestHost(g: TaskGroup): string | undefined {
  let best: string | undefined;
  let bestNs = -1;
  for (const [h, rs] of g.hosts) for (const r of rs) if (r.d > bestNs) [best, bestNs] = [h, r.d];
  return best;
}

/** The earlier runs' groups of one task, newest first (undefined where a run did not have it). */
export type TaskHistory = (TaskGroup | undefined)[];

/** Per task key, its group in each earlier run, newest first. */
export function taskHistory(history: RunDigest[]): (key: string) => TaskHistory {
  const runs = [...history].reverse().map((d) => new Map(groupTasks(d.tasks).map((g) => [g.key, g])));
  return (key) => runs.map((m) => m.get(key));
}

/** How many runs in a row, this one first, the task changed in with these args (0 when it did not change now). */
export function changedStreak(args: string, changedNow: boolean, earlier: TaskHistory): number {
  if (!changedNow || args === '') return 0;
  let n = 1;
  for (const g of earlier) {
    // other args (or not run): says nothing either way
    if (!g || (g.args !== args && !g.args.split(',').includes(args))) continue;
    if (!anyChanged(g)) break;
    n += 1;
  }
  return n;
}

/**
 * Compares `next` with `base`. `history`: earlier runs with the same key (oldest first, `next`
 * not among them), for the noise rule (p90 over NOISE_RUNS or more) and idempotence.
 */
export function compareRuns(base: RunDigest, next: RunDigest, history: RunDigest[] = [], t: CompareThresholds = DEFAULT_THRESHOLDS): Comparison {
  const earlier = taskHistory(history.filter((d) => d.traceId !== next.traceId && !d.interrupted));
  const tasks = matchTasks(base.tasks, next.tasks).map(({ base: b, next: n, renamed }) => compareTask(b, n, renamed, earlier, t));
  const c: Comparison = {
    base: head(base),
    next: head(next),
    tasks,
    slower: tasks.filter((x) => x.slower),
    newFailures: tasks.filter((x) => x.newlyFailed.length > 0),
    fixed: tasks.filter((x) => x.fixed.length > 0),
    drift: tasks.filter((x) => x.drift.length > 0 && !x.notIdempotent),
    notIdempotent: tasks.filter((x) => x.notIdempotent),
    added: tasks.filter((x) => x.state === 'added'),
    removed: tasks.filter((x) => x.state === 'removed'),
    renamed: tasks.filter((x) => x.state === 'renamed'),
    historyRuns: history.length,
    regressed: false,
    regressions: [],
  };
  const found: Record<RegressionKind, boolean> = {
    slower: c.slower.length > 0,
    failed: c.newFailures.length > 0,
    drift: c.drift.length > 0,
    'not-idempotent': c.notIdempotent.length > 0,
    removed: c.removed.length > 0,
  };
  c.regressions = t.failOn.filter((k) => found[k]);
  c.regressed = c.regressions.length > 0;
  return c;
}

/** One matched task (`b` and/or `n`): its state, ids, and every verdict the new run allows. */
function compareTask(
  b: TaskGroup | undefined,
  n: TaskGroup | undefined,
  renamed: boolean | undefined,
  earlier: (key: string) => TaskHistory,
  t: CompareThresholds,
): TaskChange {
  const g = (n ?? b) as TaskGroup;
  const change: TaskChange = {
    name: g.name,
    play: g.play,
    scopes: g.scopes,
    handler: g.handler,
    state: !b ? 'added' : !n ? 'removed' : renamed ? 'renamed' : 'same',
    slower: false,
    newlyFailed: [],
    fixed: [],
    drift: [],
    notIdempotent: false,
    baseSpanIds: b?.instances.map((x) => x.spanId) ?? [],
    nextSpanIds: n?.instances.map((x) => x.spanId) ?? [],
  };
  if (renamed && b) change.was = b.name;
  if (b) change.base = durations(b);
  if (n) newRunVerdicts(change, b, n, renamed, earlier, t);
  return change;
}

/** What the new run's group `n` tells: its times, the hosts' verdicts, idempotence, and (with a base) slower or not. */
function newRunVerdicts(
  change: TaskChange,
  b: TaskGroup | undefined,
  n: TaskGroup,
  renamed: boolean | undefined,
  earlier: (key: string) => TaskHistory,
  t: CompareThresholds,
): void {
  change.next = durations(n);
  const slowest = slowestHost(n);
  if (slowest !== undefined) change.slowestHost = slowest;
  hostVerdicts(change, b, n);
  // a renamed task's earlier runs had its old name
  const old = b && renamed ? earlier(b.key) : [];
  const past = earlier(n.key).map((x, i) => x ?? old[i]);
  const streak = changedStreak(n.args, anyChanged(n), past);
  if (streak > 0) change.changedRuns = streak;
  change.notIdempotent = streak >= IDEMPOTENCE_RUNS || n.instances.some((x) => x.changesEveryRun);
  if (b && change.base) slowerRule(change, change.next, change.base, past, t);
}

/** Per host of the new run: newly failed, fixed, or drifted (changed now, ok and unchanged before). */
function hostVerdicts(change: TaskChange, b: TaskGroup | undefined, n: TaskGroup): void {
  for (const [h, rs] of n.hosts) {
    const before = b?.hosts.get(h);
    if (failed(rs) && !failed(before)) change.newlyFailed.push(h);
    if (before && failed(before) && !failed(rs)) change.fixed.push(h);
    if (before && changed(rs) && !changed(before) && !failed(before)) change.drift.push(h);
  }
}

/** Sets usual, ratio, delta and slower: against the baseline, or the task's own p90 with enough earlier runs. */
function slowerRule(change: TaskChange, next: Durations, base: Durations, past: TaskHistory, t: CompareThresholds): void {
  const samples = past.flatMap((g) => (g && g.hosts.size + g.instances.length > 0 ? [durations(g).maxNs] : []));
  let usual = base.maxNs;
  let bar = 0;
  if (samples.length >= NOISE_RUNS) {
    usual = percentile(samples, 50);
    bar = percentile(samples, 90);
    change.p90Ns = bar;
  }
  change.usualNs = usual;
  change.deltaNs = next.maxNs - usual;
  if (usual > 0) change.ratio = next.maxNs / usual;
  change.slower = next.maxNs > bar && next.maxNs >= t.slowerRatio * usual && next.maxNs - usual >= t.slowerByNs;
}
