// Where the time of one playbook went: its critical path, what other fork counts would buy, and
// what limits it when forks do not. One pure function over the timeline; every output (trace,
// report, summaries, metrics) shows this one result.
import { ATTR } from '../model/attributes.js';
import type { Attributes } from '../model/trace-writer.js';
import { criticalPath, type PathStep } from './critical-path.js';
import { ScratchColumn } from './scratch.js';
import { hostEnd, type StrategyKind, type Timeline, type TimelineTask } from './timeline.js';
import { medianInPlace, whatIfForks, type ForkEstimates } from './what-if.js';

export type LimitKind = 'forks' | 'controller' | 'cpu' | 'slow_host' | 'serial' | 'throttle' | 'host_work';

export interface Limit {
  kind: LimitKind;
  /** Time on the path it accounts for. */
  ns: number;
  /** …as a share of the wall time (0–1). */
  share: number;
  /** The slow host, the batches, the throttled task. */
  detail?: string | undefined;
}

export interface PlaybookAnalysis extends ForkEstimates {
  playbook: string;
  traceId: string;
  startNs: number;
  endNs: number;
  wallNs: number;
  interrupted: boolean;
  hostWorkNs: number;
  forkWaitNs: number;
  controllerNs: number;
  plays: { name: string; strategy: StrategyKind; chainHost?: string | undefined }[];
  /** The path, in time order. */
  steps: PathStep[];
  /** Largest first. */
  limits: Limit[];
  /** More forks would save at least 5 % of the wall time. */
  forksLimit: boolean;
  /** Read back from a trace's root span (its host spans were sampled), not computed from a timeline. */
  recorded?: boolean;
  /** The controller's CPUs and one host's worker CPU per task (s), when the shim measured them. */
  cpus?: number | undefined;
  workerCpu?: number | undefined;
  /** The mean CPUs other processes kept busy of the controller's while the tasks ran, when measured. */
  otherCpu?: number | undefined;
}

/** Below this share of the wall time, more forks "buy nothing" worth saying. */
export const FORKS_MATTER = 0.05;
/** A host is "the slow one" when its work takes at least this many times its task's other hosts' median. */
export const SLOW_FACTOR = 2;

const otherHosts = new ScratchColumn();

/** The median work of a task's hosts other than `host`: what a slow host is measured against. */
function othersMedian(tl: Timeline, t: TimelineTask, host: string, openEndNs: number): number {
  const others = otherHosts.take(t.host.length);
  let k = 0;
  for (let j = 0; j < t.host.length; j++) if (tl.hosts[t.host[j] as number] !== host) others[k++] = hostEnd(t, j, openEndNs) - (t.start[j] as number);
  return medianInPlace(others.subarray(0, k));
}

/** `counts`: the fork counts to estimate (default: ×2, ×4 and one per host, those above the run's). */
export function analyzeTimeline(tl: Timeline, counts?: number[]): PlaybookAnalysis {
  const path = criticalPath(tl);
  const w = whatIfForks(tl, path, counts);
  const wall = path.wallNs;
  const tasks = new Map(tl.plays.flatMap((p) => p.tasks.map((t) => [t.spanId, t] as const)));
  let forks = 0;
  let throttle = 0;
  let cpuShared = 0;
  let serial = 0;
  const slowByHost = new Map<string, number>();
  let throttled: string | undefined;
  const serialPlays = new Set<number>();
  // a loop, not forEach: sums a closure writes are numbers boxed in its context, one per write
  for (let i = 0; i < path.steps.length; i++) {
    const s = path.steps[i] as PathStep;
    const fb = w.forkBoundNs[i] ?? 0;
    const th = w.throttleNs[i] ?? 0;
    const cp = w.cpuNs[i] ?? 0;
    forks += fb;
    throttle += th;
    cpuShared += cp;
    if (th > 0 && !throttled) throttled = s.task;
    const own = Math.max(0, s.forkWaitNs + s.workNs - fb - th - cp);
    const play = tl.plays[s.play];
    if (play?.serial && play.batches > 1) {
      serial += own;
      serialPlays.add(s.play);
      continue;
    }
    const t = tasks.get(s.taskSpanId);
    if (!t || t.host.length < 2 || play?.strategy !== 'linear') continue;
    const typical = othersMedian(tl, t, s.host, play.endNs);
    if (s.workNs >= SLOW_FACTOR * typical && s.workNs > typical) slowByHost.set(s.host, (slowByHost.get(s.host) ?? 0) + Math.min(own, s.workNs - typical));
  }
  let slowHost: string | undefined;
  for (const [h, ns] of slowByHost) if (!slowHost || ns > (slowByHost.get(slowHost) as number)) slowHost = h;
  // one slow host: the excess of that host alone (others' excesses count as host work)
  const slowOne = slowHost ? (slowByHost.get(slowHost) as number) : 0;
  // more forks may save more at some count than with no limit at all (the CPUs then shared by more)
  forks = Math.max(forks, ...w.options.map((o) => o.savedNs));
  const rest = Math.max(0, wall - path.controllerNs - forks - throttle - cpuShared - serial - slowOne);
  const share = (ns: number): number => (wall > 0 ? ns / wall : 0);
  const limits: Limit[] = [
    { kind: 'forks' as const, ns: forks, share: share(forks), detail: `forks ${w.forks}` },
    { kind: 'controller' as const, ns: path.controllerNs, share: share(path.controllerNs) },
    { kind: 'cpu' as const, ns: cpuShared, share: share(cpuShared), detail: cpusText(tl) },
    { kind: 'slow_host' as const, ns: slowOne, share: share(slowOne), detail: slowHost },
    { kind: 'serial' as const, ns: serial, share: share(serial), detail: serialDetail(tl, serialPlays) },
    { kind: 'throttle' as const, ns: throttle, share: share(throttle), detail: throttled },
    { kind: 'host_work' as const, ns: rest, share: share(rest) },
  ]
    .filter((l) => l.ns > 0)
    .sort((a, b) => b.ns - a.ns);
  return {
    playbook: tl.playbook,
    traceId: tl.traceId,
    startNs: path.startNs,
    endNs: path.endNs,
    wallNs: wall,
    interrupted: tl.interrupted,
    hostWorkNs: path.hostWorkNs,
    forkWaitNs: path.forkWaitNs,
    controllerNs: path.controllerNs,
    plays: tl.plays.map((p, i) => ({ name: p.name, strategy: p.strategy, chainHost: path.chainHost[i] })),
    steps: path.steps,
    forks: w.forks,
    forksInferred: w.forksInferred,
    hosts: w.hosts,
    dispatchNs: w.dispatchNs,
    dispatchSamples: w.dispatchSamples,
    options: w.options,
    limits,
    cpus: tl.cpus,
    workerCpu: tl.workerCpu,
    otherCpu: tl.otherCpu,
    // what unlimited forks would save, whichever counts were asked about
    forksLimit: wall > 0 && forks / wall >= FORKS_MATTER,
  };
}

/** "2 CPUs", and what other processes kept busy of them when measured: "2 CPUs, 1.7 busy elsewhere". */
function cpusText(tl: Timeline): string | undefined {
  if (tl.cpus === undefined) return undefined;
  return `${tl.cpus} CPU${tl.cpus === 1 ? '' : 's'}${tl.otherCpu === undefined ? '' : `, ${tl.otherCpu.toFixed(1)} busy elsewhere`}`;
}

function serialDetail(tl: Timeline, plays: Set<number>): string | undefined {
  if (plays.size === 0) return undefined;
  let batches = 0;
  let size = 0;
  for (const p of plays) {
    const play = tl.plays[p];
    if (!play) continue;
    batches += play.batches;
    for (const t of play.tasks) size = Math.max(size, t.host.length);
    size = Math.max(size, play.batchHosts ?? 0);
  }
  return `${batches} batches of up to ${size} host${size === 1 ? '' : 's'}`;
}

/** The path's steps by what they cost (fork wait + work), largest first. */
export function topContributors(a: PlaybookAnalysis, n = 5): PathStep[] {
  return [...a.steps].sort((x, y) => y.forkWaitNs + y.workNs - (x.forkWaitNs + x.workNs) || x.startNs - y.startNs).slice(0, n);
}

/** A step's share of the wall time (0–1). */
export const stepShare = (a: PlaybookAnalysis, s: PathStep): number => (a.wallNs > 0 ? (s.forkWaitNs + s.workNs) / a.wallNs : 0);

/** The limit to name when forks are not it: the largest other one. */
export function notForks(a: PlaybookAnalysis): Limit | undefined {
  return a.limits.find((l) => l.kind !== 'forks');
}

/** The answer on the playbook's root span (docs/semantic-conventions.md), durations in seconds. */
export function rootAttributes(a: PlaybookAnalysis): Attributes {
  const top = topContributors(a);
  const sec = (ns: number): number => ns / 1e9;
  const out: Attributes = {};
  out[ATTR.RUN_CP_HOST_WORK] = sec(a.hostWorkNs);
  out[ATTR.RUN_CP_FORK_WAIT] = sec(a.forkWaitNs);
  out[ATTR.RUN_CP_CONTROLLER] = sec(a.controllerNs);
  out[ATTR.RUN_CP_TOTAL] = sec(a.hostWorkNs + a.forkWaitNs + a.controllerNs);
  out[ATTR.RUN_CP_TOP_TASKS] = top.map((s) => s.task);
  out[ATTR.RUN_CP_TOP_HOSTS] = top.map((s) => s.host);
  out[ATTR.RUN_CP_TOP_SHARES] = top.map((s) => Math.round(stepShare(a, s) * 1e4) / 1e4);
  const limit = a.forksLimit ? a.limits.find((l) => l.kind === 'forks') : notForks(a);
  out[ATTR.RUN_CP_LIMIT] = limit?.kind ?? 'host_work';
  out[ATTR.RUN_CP_LIMIT_SHARE] = Math.round((limit?.share ?? 0) * 1e4) / 1e4;
  if (limit?.detail !== undefined) out[ATTR.RUN_CP_LIMIT_DETAIL] = limit.detail;
  out[ATTR.RUN_FORK_STARTUP] = sec(a.dispatchNs);
  if (a.workerCpu !== undefined) out[ATTR.RUN_WORKER_CPU] = a.workerCpu;
  if (a.otherCpu !== undefined) out[ATTR.RUN_OTHER_CPU] = a.otherCpu;
  out[ATTR.RUN_WHAT_IF_FORKS] = a.options.map((o) => o.forks);
  out[ATTR.RUN_WHAT_IF_DURATION] = a.options.map((o) => sec(o.wallNs));
  return out;
}
