// What other fork counts would have bought: the recorded work re-scheduled under the same
// strategy, each host's work as measured, the controller's own time as measured, and between two
// workers it starts the fork start-up cost measured in this run. Pure and exact: the same
// timeline gives the same estimate, to the nanosecond.
import { dispatchOrder, distinctHosts, fullStretches, overlap, playPool, taskPool, type CriticalPath, type PathStep } from './critical-path.js';
import { Heap, SimJobs, simulatePool, type SimJob } from './pool-sim.js';
import { ScratchColumn } from './scratch.js';
import { hostEnd, type Timeline, type TimelinePlay, type TimelineTask } from './timeline.js';

/** The median of `xs` (0 of none), sorting them where they are: a typed array sorts without a comparator or a copy. */
export function medianInPlace(xs: Float64Array): number {
  if (xs.length === 0) return 0;
  xs.sort();
  const mid = xs.length >> 1;
  return xs.length % 2 ? (xs[mid] as number) : ((xs[mid - 1] as number) + (xs[mid] as number)) / 2;
}

/** The controller's CPUs and what one host's worker uses of them per task (ns); none known: never short. */
export interface CpuModel {
  cpus: number;
  perJobNs: number;
}

export const NO_CPU: CpuModel = { cpus: Number.POSITIVE_INFINITY, perJobNs: 0 };

/**
 * The fork start-up cost: what the controller spends between giving one host a worker and the
 * next (templating its variables, forking), measured where the next host did not wait for a
 * worker — the median over the run's tasks. Also counted: how many such gaps there were. And
 * (`cpuNs`) the CPU time that is under a CPU model: a gap is the controller's CPU work at the
 * share of the CPUs it had then, beside the workers busy (just started: computing) — each gap
 * times that share, the median of those. Never short of CPUs, the two are the same.
 */
export function dispatchCost(
  tl: Timeline,
  cpu: CpuModel = NO_CPU,
  pools: readonly number[] = tl.plays.map((play) => playPool(tl, play)),
): { ns: number; samples: number; cpuNs: number } {
  let most = 0;
  for (const play of tl.plays) if (play.strategy === 'linear') for (const t of play.tasks) most += t.host.length;
  const gaps = new Gaps(most);
  tl.plays.forEach((play, p) => {
    if (play.strategy !== 'linear') return; // a free play's gaps mix in its other hosts' results
    for (const t of play.tasks) taskGaps(t, tl.hosts, play.endNs, taskPool(pools[p] as number, t), cpu, gaps);
  });
  return gaps.medians();
}

/** A linear task's gaps between worker starts where the next host did not wait for a worker. */
function taskGaps(t: TimelineTask, hosts: readonly string[], openEndNs: number, pool: number, cpu: CpuModel, gaps: Gaps): void {
  const order = dispatchOrder(t, hosts);
  // the ends of the hosts started so far, to count the workers busy right after each start
  const ends = new Heap<number>((x, y) => x < y);
  for (let k = 1; k < order.length; k++) {
    const prev = order[k - 1] as number;
    const at = t.start[prev] as number;
    ends.push(hostEnd(t, prev, openEndNs));
    while (ends.size > 0 && (ends.top as number) <= at) ends.pop();
    if (ends.size < pool) gaps.add((t.start[order[k] as number] as number) - at, Math.min(1, cpu.cpus / (ends.size + 1)));
  }
}

/**
 * The fork start-up gaps, at full speed and at the controller's CPU share: at most one a host
 * run, 8 bytes each, not a boxed number in a growing array (a run of 2,000,000 host results made
 * 150 MB of garbage here at its end); the second column only once a share is below 1.
 */
class Gaps {
  private readonly full: Float64Array;
  private shared: Float64Array | undefined;
  private n = 0;

  constructor(private readonly most: number) {
    this.full = new Float64Array(most);
  }

  add(gap: number, share: number): void {
    if (share < 1 && !this.shared) {
      this.shared = new Float64Array(this.most);
      this.shared.set(this.full.subarray(0, this.n));
    }
    this.full[this.n] = gap;
    if (this.shared) this.shared[this.n] = gap * share;
    this.n += 1;
  }

  medians(): { ns: number; samples: number; cpuNs: number } {
    const ns = medianInPlace(this.full.subarray(0, this.n));
    return { ns, samples: this.n, cpuNs: this.shared ? medianInPlace(this.shared.subarray(0, this.n)) : ns };
  }
}

/**
 * What the timeline says of the controller's CPUs (hello.cpus, task_start.worker_cpu): as many as
 * it has, less what other processes kept busy of them while the run went on (machine_cpu), for on
 * a machine shared with others the run gets what they leave it, however many workers it starts.
 */
export function cpuModel(tl: Timeline): CpuModel {
  if (tl.cpus === undefined || tl.workerCpu === undefined) return NO_CPU;
  const left = tl.cpus - (tl.otherCpu ?? 0);
  return { cpus: left > 0 ? left : tl.cpus, perJobNs: tl.workerCpu * 1e9 };
}

/** A job's CPU part (done first): at most all of its `workNs`. */
const cpuPart = (workNs: number, cpu: CpuModel): number => Math.min(workNs, cpu.perJobNs);

/** A job of `workNs`: its CPU part first, then the rest. */
const job = (ready: number, workNs: number, seq: number, cpu: CpuModel): SimJob => {
  const c = cpuPart(workNs, cpu);
  return { ready, cpu: c, rest: workNs - c, seq };
};

const workerEnds = new ScratchColumn();

/**
 * How long each host (in dispatch order) held its worker. A worker is free when its process
 * ends; the controller reports the result later, when its loop gets to it (on a loaded
 * controller, seconds later), and may start the next host on that worker first. So when a host
 * started while `pool` hosts were still without a result, one of them had already let its worker
 * go: the one whose result came first, at that start at the latest. The others: start → result.
 */
export function workerTimes(t: TimelineTask, order: ArrayLike<number>, pool: number, openEndNs: number): number[] {
  const ends = workerEnds.take(order.length);
  const held = new Array<number>(order.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    ends[k] = hostEnd(t, i, openEndNs);
    held[k] = (ends[k] as number) - (t.start[i] as number);
  }
  const running = new Heap<number>((x, y) => (ends[x] as number) < (ends[y] as number) || ((ends[x] as number) === (ends[y] as number) && x < y));
  for (let k = 0; k < order.length; k++) {
    const at = t.start[order[k] as number] as number;
    while (running.size > 0 && (ends[running.top as number] as number) <= at) running.pop();
    if (running.size >= pool) {
      const j = running.pop() as number;
      held[j] = at - (t.start[order[j] as number] as number);
    }
    running.push(k);
  }
  return held;
}

/**
 * The jobs of the task simulator in use. A fresh array a task was garbage V8 kept for a while:
 * at the end of a run of 10,000 hosts × 100 tasks, 32 MB of serve's RSS (320 KB a task, malloc'd).
 */
const calibrated = new ScratchColumn();

/**
 * The jobs of measured lengths `works` under a CPU model, as they ran on `runPool` workers: a
 * host's measured time holds its CPU part as long as it took there, shared with the workers
 * computing beside it, so its rest is what the pool at the run's forks leaves of it. (One pass:
 * the rest taken as the time less the CPU part at full speed, the run's pool simulated, each
 * host's rest its time less its CPU part as long as that made it; a host shorter than that had
 * less CPU to do, no more than its time allowed.) Then more workers stretch the CPU parts from
 * what they took in the run, not from nothing, and the run's own forks give the run.
 */
function calibratedJobs(works: number[], first: number, cpu: CpuModel, runPool: number, dispatchNs: number): SimJobs {
  const n = works.length;
  const jobs = new SimJobs(n, calibrated.take(4 * n));
  for (let k = 0; k < n; k++) {
    const w = works[k] as number;
    const c = cpuPart(w, cpu);
    jobs.set(k, first, c, w - c, k);
  }
  if (cpu === NO_CPU) return jobs;
  const cpuWall: number[] = new Array<number>(n).fill(0);
  simulatePool(jobs, { pool: Math.max(1, Math.min(runPool, n)), dispatchNs, cpus: cpu.cpus, cpuWall });
  for (let k = 0; k < n; k++) {
    const w = works[k] as number;
    const took = cpuWall[k] as number;
    // shorter than its CPU part shared would take: it needed less CPU than the mean, as much as it had
    if (took > w) {
      jobs.cpu[k] = ((jobs.cpu[k] as number) * w) / took;
      jobs.rest[k] = 0;
    } else jobs.rest[k] = w - took;
  }
  return jobs;
}

/**
 * A linear task under `pool` workers (task start → its last result), as a function of the pool;
 * its hosts' CPU parts as long as they took at the run's pool (`runPool`) under the CPU model,
 * shared at `pool` — or, with `shared` false, at full speed (what the CPUs' sharing costs). The
 * hosts' order and work are read once, each answer kept. Its jobs share one scratch column with
 * every simulator's: ask it everything before the next one is asked (the what-if goes task by task).
 */
export function taskSimulator(
  t: TimelineTask,
  hosts: readonly string[],
  dispatchNs: number,
  openEndNs: number,
  runPool: number,
  model: CpuModel,
): (pool: number, shared?: boolean) => number {
  const order = dispatchOrder(t, hosts);
  const first = order.length ? (t.start[order[0] as number] as number) - t.startNs : 0; // the first host: as it went
  const works = workerTimes(t, order, runPool, openEndNs);
  const known = new Map<string, number>();
  let jobs: SimJobs | undefined;
  return (pool, shared = true) => {
    if (works.length === 0) return 0;
    const p = Math.max(1, Math.min(pool, works.length));
    // no more workers than CPUs: never short of CPU, the same as without the model
    const cpus = shared && model.cpus < p ? model.cpus : Number.POSITIVE_INFINITY;
    const key = `${p}/${cpus}`;
    let d = known.get(key);
    if (d === undefined) {
      jobs ??= calibratedJobs(works, first, model, runPool, dispatchNs);
      d = simulatePool(jobs, { pool: p, dispatchNs, cpus });
      known.set(key, d);
    }
    return d;
  };
}

interface ChainStep {
  /** The controller's part of the gap before it (the wait for a worker taken out). */
  gap: number;
  work: number;
}

/** Each host's steps in a free play with the gaps before them, fork waits (at `pool`) taken out. */
function freeChains(play: TimelinePlay, full: number[]): ChainStep[][] {
  const byHost = new Map<number, { s: number; e: number }[]>();
  for (const t of play.tasks)
    for (let i = 0; i < t.host.length; i++) {
      const h = t.host[i] as number;
      const run = { s: t.start[i] as number, e: hostEnd(t, i, play.endNs) };
      const list = byHost.get(h);
      if (list) list.push(run);
      else byHost.set(h, [run]);
    }
  const out: ChainStep[][] = [];
  for (const runs of byHost.values()) {
    runs.sort((a, b) => a.s - b.s);
    let prev = play.startNs;
    const chain: ChainStep[] = [];
    for (const r of runs) {
      const from = Math.min(prev, r.s);
      chain.push({ gap: Math.max(0, r.s - from - overlap(full, from, r.s)), work: Math.max(0, r.e - r.s) });
      prev = Math.max(prev, r.e);
    }
    out.push(chain);
  }
  return out;
}

/**
 * A free play under `pool` workers: play start → its last result. A host whose controller gap is
 * over is ready; ready hosts get workers in the order they became ready, one start-up cost apart.
 * host_pinned: a host keeps its worker from its first task to its last (no CPU model there).
 */
export function simulateFree(chains: ChainStep[][], pinned: boolean, pool: number, dispatchNs: number, cpu: CpuModel = NO_CPU): number {
  const hosts = chains.filter((c) => c.length > 0);
  if (pinned) {
    // hosts in the order they first became ready; each holds a worker for its whole chain
    const whole = hosts.map((c, h) =>
      job(
        (c[0] as ChainStep).gap,
        c.reduce((n, st, k) => n + (k === 0 ? 0 : st.gap) + st.work, 0),
        h,
        NO_CPU,
      ),
    );
    // (simulatePool sorts them by readiness)
    return simulatePool(whole, { pool, dispatchNs, cpus: Number.POSITIVE_INFINITY });
  }
  // A job's seq is its host; the step each host is at is counted beside the jobs.
  const at = new Uint32Array(hosts.length);
  return simulatePool(
    hosts.map((c, h) => job((c[0] as ChainStep).gap, (c[0] as ChainStep).work, h, cpu)),
    {
      pool,
      dispatchNs,
      cpus: cpu.cpus,
      next: (h, endNs) => {
        const k = ((at[h] as number) += 1);
        const after = hosts[h]?.[k];
        return after ? job(endNs + after.gap, after.work, h, cpu) : undefined;
      },
    },
  );
}

export interface ForkOption {
  forks: number;
  /** Estimated wall time of the playbook. */
  wallNs: number;
  /** What it saves against the run as measured (negative: fewer forks, a longer run). */
  savedNs: number;
}

export interface ForkEstimates {
  /** The forks the run had (the shim's), or the most workers seen busy at once. */
  forks: number;
  forksInferred: boolean;
  /** The most hosts any task or free play had: more forks than that buy nothing. */
  hosts: number;
  /** The fork start-up cost (dispatchCost) and how many gaps it is the median of. */
  dispatchNs: number;
  dispatchSamples: number;
  /** Estimates for other fork counts, fewest forks first. */
  options: ForkOption[];
}

export interface WhatIf extends ForkEstimates {
  /** Per path step (same order as CriticalPath.steps): what unlimited forks would save on it. */
  forkBoundNs: number[];
  /** Per path step: what its task's `throttle` costs even with unlimited forks. */
  throttleNs: number[];
  /** Per path step: what sharing the controller's CPUs cost it at the run's forks (linear tasks). */
  cpuNs: number[];
}

/** The fork counts worth asking about: ×2, ×4 and one per host, each only if more than now. */
export function forkCandidates(forks: number, hosts: number): number[] {
  const out = [forks * 2, forks * 4, hosts].filter((f) => f > forks && f <= Math.max(hosts, forks));
  return [...new Set(out.map((f) => Math.min(f, hosts)))].sort((a, b) => a - b);
}

/**
 * Re-schedules the playbook under other fork counts. Each estimate is the run as measured less
 * what the model says the extra forks save (the model at this run's forks against the model at
 * the new ones), so what the model does not capture cancels out, and `forks` now gives the run.
 */
export function whatIfForks(tl: Timeline, path: CriticalPath, counts?: number[]): WhatIf {
  const forksKnown = tl.forks !== undefined;
  const pools = path.pools;
  const forks = forksKnown ? (tl.forks as number) : Math.max(1, ...pools);
  let hosts = 1;
  for (const p of tl.plays) for (const t of p.tasks) hosts = Math.max(hosts, t.host.length);
  for (const p of tl.plays) if (p.strategy !== 'linear') hosts = Math.max(hosts, distinctHosts(p));
  const cpu = cpuModel(tl);
  // what the run measured (reported), and the controller's CPU work it is (simulated)
  const { ns: measuredDispatchNs, samples, cpuNs: dispatchNs } = dispatchCost(tl, cpu, pools);
  const wanted = counts ?? forkCandidates(forks, hosts);
  const forkBoundNs = path.steps.map(() => 0);
  const throttleNs = path.steps.map(() => 0);
  const cpuNs = path.steps.map(() => 0);
  const savedAt = wanted.map(() => 0);
  const ctx: ForkContext = { tl, path, stepOf: new Map(path.steps.map((s, i) => [s.taskSpanId, i])), wanted, dispatchNs, cpu, hosts };
  const out: ForkSavings = { savedAt, forkBoundNs, throttleNs, cpuNs };
  tl.plays.forEach((play, p) => {
    const pool = pools[p] as number;
    if (play.strategy !== 'linear') freePlaySavings(play, p, pool, ctx, out);
    else for (const t of play.tasks) if (t.host.length > 0) linearTaskSavings(t, play.endNs, pool, ctx, out);
  });
  return {
    forks,
    forksInferred: !forksKnown,
    hosts,
    dispatchNs: measuredDispatchNs,
    dispatchSamples: samples,
    options: wanted.map((f, k) => ({ forks: f, wallNs: Math.max(0, path.wallNs - (savedAt[k] as number)), savedNs: savedAt[k] as number })),
    forkBoundNs,
    throttleNs,
    cpuNs,
  };
}

/** What `whatIfForks` fixed once for every play: the run, its path, the candidate fork counts, the cost model. */
interface ForkContext {
  tl: Timeline;
  path: CriticalPath;
  /** A path step's index by its task span id. */
  stepOf: Map<string, number>;
  wanted: number[];
  dispatchNs: number;
  cpu: CpuModel;
  hosts: number;
}

/** What the plays add up to: per candidate the time saved, per path step what forks, throttle and CPU cost it. */
interface ForkSavings {
  savedAt: number[];
  forkBoundNs: number[];
  throttleNs: number[];
  cpuNs: number[];
}

const UNLIMITED = Number.MAX_SAFE_INTEGER;

/** One task of a linear play (a barrier after each task): simulated alone under each pool size. */
function linearTaskSavings(t: TimelineTask, playEndNs: number, pool: number, c: ForkContext, out: ForkSavings): void {
  const sim = taskSimulator(t, c.tl.hosts, c.dispatchNs, playEndNs, taskPool(pool, t), c.cpu);
  const now = sim(taskPool(pool, t));
  // at most what the task took on the path: the model never saves more than was spent
  const at = c.stepOf.get(t.spanId) ?? -1;
  const spent = at >= 0 ? Math.max(0, (c.path.steps[at] as PathStep).endNs - t.startNs) : 0;
  c.wanted.forEach((f, k) => {
    const then = sim(taskPool(Math.min(f, t.host.length), t));
    // fewer forks than the run had: a negative saving, the run estimated longer
    out.savedAt[k] = (out.savedAt[k] as number) + Math.min(spent, now - then);
  });
  if (at < 0) return;
  const unlimited = sim(taskPool(UNLIMITED, t));
  out.forkBoundNs[at] = Math.min(spent, Math.max(0, now - unlimited));
  if (t.throttle > 0 && t.throttle < t.host.length) {
    const unthrottled = sim(UNLIMITED);
    out.throttleNs[at] = Math.min(spent - (out.forkBoundNs[at] as number), Math.max(0, unlimited - unthrottled));
  }
  if (c.cpu !== NO_CPU) {
    const spare = spent - (out.forkBoundNs[at] as number) - (out.throttleNs[at] as number);
    out.cpuNs[at] = Math.min(spare, Math.max(0, now - sim(taskPool(pool, t), false)));
  }
}

/** A free or host_pinned play (no barriers): its hosts' chains simulated as a whole under each pool size. */
function freePlaySavings(play: TimelinePlay, p: number, pool: number, c: ForkContext, out: ForkSavings): void {
  const chains = freeChains(play, fullStretches(play.tasks, pool, play.endNs));
  const pinned = play.strategy === 'host_pinned';
  const now = simulateFree(chains, pinned, pool, c.dispatchNs, c.cpu);
  const spent = play.endNs - play.startNs;
  c.wanted.forEach((f, k) => {
    out.savedAt[k] = (out.savedAt[k] as number) + Math.min(spent, now - simulateFree(chains, pinned, f, c.dispatchNs, c.cpu));
  });
  const unlimited = Math.min(spent, Math.max(0, now - simulateFree(chains, pinned, Math.max(c.hosts, 1), c.dispatchNs, c.cpu)));
  // a free play's saving sits on its chain's fork waits
  let left = unlimited;
  c.path.steps.forEach((s, i) => {
    if (s.play !== p || left <= 0) return;
    const take = Math.min(left, s.forkWaitNs);
    out.forkBoundNs[i] = take;
    left -= take;
  });
}
