// The report model as the page's compact JSON: host names and messages interned, each host
// result a run of five numbers, times in ms from the run's start. 20,000 results stay ~0.5 MB.
import { limitText, partsLine, stepHost, stepTask, whatIfLine } from '../analysis/path-text.js';
import { stepShare, topContributors, type PlaybookAnalysis } from '../analysis/playbook-analysis.js';
import type { HostSpanStatus } from '../model/attributes.js';
import type { ReportRun, ReportTask } from './report-model.js';
import type { Comparison, TaskChange } from '../analysis/compare.js';
import { baselineLines, taskLabel } from '../analysis/compare-text.js';

export const STATUSES: HostSpanStatus[] = ['ok', 'changed', 'failed', 'unreachable', 'ignored', 'rescued', 'skipped'];

export interface PageData {
  v: 1;
  /** Epoch ms of the earliest playbook start; every other time is ms after it. */
  t0: number;
  traceUrl?: string;
  statuses: HostSpanStatus[];
  hosts: string[];
  messages: string[];
  playbooks: {
    name: string;
    path: string;
    traceId: string;
    rootSpanId: string;
    runId: string;
    s: number;
    e: number;
    result: string;
    interrupted: boolean;
    plays: {
      name: string;
      s: number;
      e: number;
      /** [host index, status index, start, duration, message index or -1] per result, flattened. */
      tasks: { name: string; s: number; e: number; action?: string; role?: string; handler?: true; r: number[]; cp?: string[]; b?: PageTaskBaseline }[];
    }[];
    /** Where the time went (src/analysis); `cp` on a task: its hosts on the critical path. */
    cp?: PagePath;
    /** What changed since the baseline; `b` on a task: its baseline column. */
    bl?: PageBaseline;
  }[];
}

/** A task's baseline column: the slowest host's time in both runs (ms), the ratio, what changed. */
export interface PageTaskBaseline {
  /** Slowest host in the baseline run (ms); undefined (absent from the JSON) for an added task. */
  m?: number | undefined;
  /** …and in this run. */
  n: number;
  r?: number | undefined;
  /** slower, newly-failed, fixed, drift, not-idempotent, renamed, added. */
  f: string[];
  /** Hosts each flag is about. */
  h: string[];
}

export interface PageBaseline {
  runId: string;
  traceId: string;
  rootSpanId: string;
  result: string;
  /** Epoch ms of the baseline run's start. */
  start: number;
  /** The summary's lines, the head first. */
  lines: string[];
  removed: string[];
  /** Times and ratio as in PageTaskBaseline: undefined ones are absent from the JSON. */
  rows: { task: string; m?: number | undefined; n?: number | undefined; r?: number | undefined; f: string[] }[];
}

/** The critical path as the page shows it: times in ms, the sentences as the summaries word them. */
export interface PagePath {
  wall: number;
  hostWork: number;
  forkWait: number;
  controller: number;
  parts: string;
  whatIf: string;
  forks: number;
  /** The fork start-up cost measured in the run. */
  startup: number;
  options: { forks: number; wall: number }[];
  limits: { kind: string; share: number; text: string }[];
  forksLimit: boolean;
  recorded?: true;
  /** Path steps beyond the PATH_ROWS listed. */
  more: number;
  /** Largest share first: task, host, controller before it, fork wait, work, share of the wall time. */
  steps: { task: string; host: string; play: string; ctl: number; wait: number; work: number; share: number; top?: true; cut?: true }[];
}

/** The path steps the page lists at most (largest first); the rest is counted. */
export const PATH_ROWS = 50;

function pagePath(a: PlaybookAnalysis): PagePath {
  const ms = (ns: number): number => Math.round(ns / 1e5) / 10;
  const top = new Set(topContributors(a));
  const steps = [...a.steps].sort((x, y) => y.forkWaitNs + y.workNs - (x.forkWaitNs + x.workNs) || x.startNs - y.startNs);
  return {
    wall: ms(a.wallNs),
    hostWork: ms(a.hostWorkNs),
    forkWait: ms(a.forkWaitNs),
    controller: ms(a.controllerNs),
    parts: partsLine(a),
    whatIf: whatIfLine(a),
    forks: a.forks,
    startup: ms(a.dispatchNs),
    options: a.options.map((o) => ({ forks: o.forks, wall: ms(o.wallNs) })),
    limits: a.limits.map((l) => ({ kind: l.kind, share: Math.round(l.share * 1000) / 1000, text: limitText(l) })),
    forksLimit: a.forksLimit,
    ...(a.recorded ? { recorded: true as const } : {}),
    more: Math.max(0, steps.length - PATH_ROWS),
    steps: steps.slice(0, PATH_ROWS).map((s) => ({
      task: stepTask(s),
      host: stepHost(s),
      play: a.plays[s.play]?.name ?? '',
      ctl: ms(s.controllerNs),
      wait: ms(s.forkWaitNs),
      work: ms(s.workNs),
      share: Math.round(stepShare(a, s) * 1000) / 1000,
      ...(top.has(s) ? { top: true as const } : {}),
      ...(s.cut ? { cut: true as const } : {}),
    })),
  };
}

const msOf = (ns: number | undefined): number | undefined => (ns === undefined ? undefined : Math.round(ns / 1e5) / 10);

function flags(t: TaskChange): { f: string[]; h: string[] } {
  const f: string[] = [];
  const h = new Set<string>();
  if (t.slower) f.push('slower');
  if (t.newlyFailed.length) f.push('newly-failed');
  if (t.fixed.length) f.push('fixed');
  if (t.drift.length && !t.notIdempotent) f.push('drift');
  if (t.notIdempotent) f.push('not-idempotent');
  if (t.state === 'renamed' || t.state === 'added') f.push(t.state);
  for (const x of [...t.newlyFailed, ...(t.notIdempotent ? [] : t.drift)]) h.add(x);
  return { f, h: [...h] };
}

/** The comparison as the page shows it: per task span, its baseline column; the head lines and the table of what changed. */
function pageBaseline(c: Comparison): { page: PageBaseline; bySpan: Map<string, PageTaskBaseline> } {
  const bySpan = new Map<string, PageTaskBaseline>();
  const rows: PageBaseline['rows'] = [];
  for (const t of c.tasks) {
    const { f, h } = flags(t);
    const r = t.ratio === undefined ? undefined : Math.round(t.ratio * 100) / 100;
    if (t.next) for (const id of t.nextSpanIds) bySpan.set(id, { m: msOf(t.base?.maxNs), n: msOf(t.next.maxNs) ?? 0, r, f, h });
    if (f.length) rows.push({ task: taskLabel(t), m: msOf(t.base?.maxNs), n: msOf(t.next?.maxNs), r, f });
  }
  return {
    bySpan,
    page: {
      runId: c.base.runId,
      traceId: c.base.traceId,
      rootSpanId: c.base.rootSpanId,
      result: c.base.result,
      start: Math.round(c.base.startNs / 1e6),
      lines: baselineLines(c),
      removed: c.removed.map(taskLabel),
      rows,
    },
  };
}

const MAX_MESSAGE = 2_000;

/** A table of distinct values (host names, messages) the page refers to by index. */
class Interned<T> {
  readonly values: T[] = [];
  private readonly index = new Map<T, number>();
  id(v: T): number {
    let i = this.index.get(v);
    if (i === undefined) {
      i = this.values.length;
      this.values.push(v);
      this.index.set(v, i);
    }
    return i;
  }
}

/** What every task's row shares: the run's origin and the interned tables. */
interface PageTables {
  t0Ns: number;
  hosts: Interned<string>;
  messages: Interned<string>;
  statusIndex: Map<HostSpanStatus, number>;
}

type PageTask = PageData['playbooks'][number]['plays'][number]['tasks'][number];

export function pageData(run: ReportRun): PageData {
  const t0Ns = Math.min(...run.playbooks.map((p) => p.startNs));
  const ms = (ns: number): number => msAfter(t0Ns, ns);
  const tables: PageTables = { t0Ns, hosts: new Interned(), messages: new Interned(), statusIndex: new Map(STATUSES.map((s, i) => [s, i])) };
  return {
    v: 1,
    t0: Number.isFinite(t0Ns) ? Math.round(t0Ns / 1e6) : 0,
    ...(run.traceUrl !== undefined && { traceUrl: run.traceUrl }),
    statuses: STATUSES,
    hosts: tables.hosts.values,
    messages: tables.messages.values,
    playbooks: run.playbooks.map((pb) => {
      const onPath = pathHosts(pb.analysis);
      const bl = pb.baseline ? pageBaseline(pb.baseline) : undefined;
      return {
        name: pb.name,
        path: pb.path,
        traceId: pb.traceId,
        rootSpanId: pb.rootSpanId,
        runId: pb.runId,
        s: ms(pb.startNs),
        e: ms(pb.endNs),
        result: pb.interrupted ? 'interrupted' : (pb.result ?? 'running'),
        interrupted: pb.interrupted,
        ...(pb.analysis ? { cp: pagePath(pb.analysis) } : {}),
        ...(bl ? { bl: bl.page } : {}),
        plays: pb.plays.map((play) => ({
          name: play.name,
          s: ms(play.startNs),
          e: ms(play.endNs),
          tasks: play.tasks.map((t) =>
            pageTask(t, tables, t.spanId === undefined ? undefined : onPath.get(t.spanId), t.spanId === undefined ? undefined : bl?.bySpan.get(t.spanId)),
          ),
        })),
      };
    }),
  };
}

/** ms after the run's start, to a tenth: what the page shows, and a third of the JSON of ns. */
function msAfter(t0Ns: number, ns: number): number {
  return Math.round((ns - t0Ns) / 1e5) / 10;
}

/** One task: its times, and its host results as five numbers each (messages cut at MAX_MESSAGE). */
function pageTask(t: ReportTask, p: PageTables, cp: string[] | undefined, b: PageTaskBaseline | undefined): PageTask {
  const r: number[] = [];
  for (const x of t.results) {
    const m = x.message ? p.messages.id(x.message.length > MAX_MESSAGE ? `${x.message.slice(0, MAX_MESSAGE - 1)}…` : x.message) : -1;
    r.push(p.hosts.id(x.host), p.statusIndex.get(x.status) ?? 0, msAfter(p.t0Ns, x.startNs), Math.round((x.endNs - x.startNs) / 1e5) / 10, m);
  }
  return {
    name: t.name,
    s: msAfter(p.t0Ns, t.startNs),
    e: msAfter(p.t0Ns, t.endNs),
    ...(t.action !== undefined && { action: t.action }),
    ...(t.role !== undefined && { role: t.role }),
    ...(t.handler ? { handler: true as const } : {}),
    r,
    ...(cp ? { cp } : {}),
    ...(b ? { b } : {}),
  };
}

/** Task span → its hosts on the critical path. */
function pathHosts(a: PlaybookAnalysis | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const s of a?.steps ?? []) {
    const hosts = out.get(s.taskSpanId);
    if (hosts) hosts.push(s.host);
    else out.set(s.taskSpanId, [s.host]);
  }
  return out;
}
