// The critical path of one playbook: the chain of waits and work that decided its wall time, in
// three parts that add up to it exactly — host work, fork wait and the controller's own time.
// Pure: a timeline in (timeline.ts), the path out; what the strategies do is in docs/critical-path.md.
import { ScratchColumn } from './scratch.js';
import { hostEnd, type Timeline, type TimelinePlay, type TimelineTask } from './timeline.js';

export interface PathStep {
  /** Index into Timeline.plays. */
  play: number;
  task: string;
  taskUuid: string;
  taskSpanId: string;
  handler: boolean;
  role?: string | undefined;
  host: string;
  delegatedTo?: string | undefined;
  /** The controller's time on the path just before this step (since the previous step, or the playbook's start). */
  controllerNs: number;
  /** Task start (free: the host's previous result) → worker start, less the controller's part. */
  forkWaitNs: number;
  /** Worker start → result. */
  workNs: number;
  startNs: number;
  endNs: number;
  /** It had no result: the run was cut off (or its play ended) while it ran. */
  cut: boolean;
}

export interface CriticalPath {
  startNs: number;
  endNs: number;
  wallNs: number;
  hostWorkNs: number;
  forkWaitNs: number;
  controllerNs: number;
  steps: PathStep[];
  /** Per play: the host whose chain ended last (free and host_pinned plays), else undefined. */
  chainHost: (string | undefined)[];
  /** Per play: the workers it had (playPool), counted once for every analysis of the path. */
  pools: number[];
}

/**
 * Whether host run a ends a task later than b: the later end; at equal ends the earlier start
 * (the longer work); then the name. Plain arguments: the run model asks this once per result.
 */
export function endsLater(aEnd: number, aStart: number, aHost: string, bEnd: number, bStart: number, bHost: string): boolean {
  if (aEnd !== bEnd) return aEnd > bEnd;
  if (aStart !== bStart) return aStart < bStart;
  return aHost < bHost;
}

/** The host of a task the barrier waited for: the position of the one that ended last (-1 without hosts). */
export function lastHostOf(t: TimelineTask, hosts: readonly string[], openEndNs: number): number {
  let best = -1;
  let bestEnd = 0;
  for (let i = 0; i < t.host.length; i++) {
    const e = hostEnd(t, i, openEndNs);
    if (best >= 0 && e < bestEnd) continue;
    if (
      best < 0 ||
      endsLater(e, t.start[i] as number, hosts[t.host[i] as number] as string, bestEnd, t.start[best] as number, hosts[t.host[best] as number] as string)
    ) {
      best = i;
      bestEnd = e;
    }
  }
  return best;
}

/**
 * Hosts of a task in the order they were given a worker (ties by name: the same from frames and
 * from a traces file), as positions into its columns. A live run's hosts come in that order
 * already: then the order is a view of one shared 0, 1, 2, … and a task holds none of its own.
 */
export function dispatchOrder(t: TimelineTask, hosts: readonly string[]): Uint32Array {
  const n = t.host.length;
  let order = orders.get(t);
  if (order?.length === n) return order;
  const before = (a: number, b: number): number =>
    (t.start[a] as number) - (t.start[b] as number) || cmp(hosts[t.host[a] as number] as string, hosts[t.host[b] as number] as string);
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) sorted = before(i - 1, i) <= 0;
  if (sorted) order = identity(n);
  else {
    order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort(before);
  }
  orders.set(t, order);
  return order;
}

/** Each task's dispatch order, computed once (the analyses ask for it several times). */
const orders = new WeakMap<TimelineTask, Uint32Array>();

/** 0, 1, …, n − 1: a view of one array kept as long as the most hosts a task has had. */
let counting = new Uint32Array(0);
function identity(n: number): Uint32Array {
  if (counting.length < n) {
    counting = new Uint32Array(Math.max(n, 2 * counting.length));
    for (let i = 0; i < counting.length; i++) counting[i] = i;
  }
  return counting.subarray(0, n);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** One host's steps in a free play, in order: [task, position] pairs. */
type Chain = [TimelineTask, number][];

function chains(play: TimelinePlay): Map<number, Chain> {
  const byHost = new Map<number, Chain>();
  for (const t of play.tasks)
    for (let i = 0; i < t.host.length; i++) {
      const h = t.host[i] as number;
      const c = byHost.get(h);
      if (c) c.push([t, i]);
      else byHost.set(h, [[t, i]]);
    }
  for (const c of byHost.values()) c.sort((x, y) => (x[0].start[x[1]] as number) - (y[0].start[y[1]] as number));
  return byHost;
}

const runStarts = new ScratchColumn();
const runEnds = new ScratchColumn();

/**
 * The worker starts and the ends (results; `openEndNs` without one) of `tasks`' host runs, each
 * sorted: typed arrays sort numbers without a comparator and hold no object a host run. Valid
 * until the next call (scratch columns: read them before).
 */
function sortedRuns(tasks: readonly TimelineTask[], openEndNs: number): { starts: Float64Array; ends: Float64Array } {
  let n = 0;
  for (const t of tasks) n += t.host.length;
  const starts = runStarts.take(n);
  const ends = runEnds.take(n);
  let k = 0;
  for (const t of tasks)
    for (let i = 0; i < t.host.length; i++, k++) {
      starts[k] = t.start[i] as number;
      ends[k] = hostEnd(t, i, openEndNs);
    }
  return { starts: starts.sort(), ends: ends.sort() };
}

/**
 * The stretches during which every worker was busy, as sorted [start, end, start, end, …]: `pool`
 * workers; a host counts from its worker start to its result (its play's end without one).
 */
export function fullStretches(tasks: readonly TimelineTask[], pool: number, openEndNs: number): number[] {
  const { starts, ends } = sortedRuns(tasks, openEndNs);
  const n = starts.length;
  const full: number[] = [];
  let busy = 0;
  for (let s = 0, e = 0; s < n || e < n; ) {
    // ends first at equal times: a worker freed is free
    const isEnd = e < n && (s >= n || (ends[e] as number) <= (starts[s] as number));
    const ts = isEnd ? (ends[e++] as number) : (starts[s++] as number);
    const was = busy >= pool;
    busy += isEnd ? -1 : 1;
    if (was !== busy >= pool) full.push(ts);
  }
  if (full.length % 2) full.push(openEndNs);
  return full;
}

/** How much of [a, b] lies in the stretches (sorted [start, end] pairs); O(log stretches + those inside). */
export function overlap(stretches: number[], a: number, b: number): number {
  // the first stretch that ends after a (their ends are sorted too: they do not overlap)
  let lo = 0;
  let hi = stretches.length >> 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((stretches[2 * mid + 1] as number) <= a) lo = mid + 1;
    else hi = mid;
  }
  let n = 0;
  for (let i = 2 * lo; i < stretches.length; i += 2) {
    const s = stretches[i] as number;
    const e = stretches[i + 1] as number;
    if (s >= b) break;
    if (e > a) n += Math.min(b, e) - Math.max(a, s);
  }
  return n;
}

/** The workers a task could use: its play's, at most its `throttle`. */
export const taskPool = (playPool: number, t: TimelineTask): number => (t.throttle > 0 ? Math.min(playPool, t.throttle) : playPool);

/** Busy workers at most at any time in a play (what the forks were, as far as the timeline shows). */
export function maxConcurrency(play: TimelinePlay): number {
  if (play.strategy !== 'linear' || !tasksApart(play)) return maxBusy(play.tasks, play.endNs);
  // no host run outlasts a later task's first worker start: at any moment the hosts at work are
  // one task's, so the most at once is one task's most (swept task by task, not the whole play
  // at 16 bytes a host run)
  let most = 0;
  for (const t of play.tasks) most = Math.max(most, maxBusy([t], play.endNs));
  return most;
}

/** Whether every host run of a play's tasks ends by the first worker start of each task after it (an end first at equal times). */
function tasksApart(play: TimelinePlay): boolean {
  let endedBy = Number.NEGATIVE_INFINITY;
  for (const t of play.tasks) {
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < t.host.length; i++) {
      first = Math.min(first, t.start[i] as number);
      last = Math.max(last, hostEnd(t, i, play.endNs));
    }
    if (first < endedBy) return false;
    endedBy = Math.max(endedBy, last);
  }
  return true;
}

/** The most host runs of `tasks` at once: their starts and ends swept together, an end first at equal times. */
function maxBusy(tasks: readonly TimelineTask[], openEndNs: number): number {
  const { starts, ends } = sortedRuns(tasks, openEndNs);
  const n = starts.length;
  let busy = 0;
  let max = 0;
  for (let i = 0, j = 0; i < n; )
    if ((ends[j] as number) <= (starts[i] as number)) {
      busy -= 1;
      j += 1;
    } else {
      busy += 1;
      i += 1;
      if (busy > max) max = busy;
    }
  return max;
}

/**
 * The workers of a linear play at one task's end, for the live path. Without the run's forks
 * that is the most host runs at once so far; a linear play's tasks follow one another, so it is
 * the largest of each task's own, kept per play as its tasks end. Counting the whole play again
 * at every task's end made a run without forks (an older shim, an import) quadratic: tasks² ×
 * hosts, most of a 100-task, 1,000-host stream's CPU time.
 */
const linearPools = new WeakMap<TimelinePlay, number>();
function linearPlayPool(tl: Timeline, play: TimelinePlay, t: TimelineTask): number {
  if (tl.forks !== undefined) return playPool(tl, play);
  const pool = Math.max(1, linearPools.get(play) ?? 0, maxBusy([t], play.endNs));
  linearPools.set(play, pool);
  return pool;
}

/** Hosts of a play (of its largest batch for `serial`). */
export function playHosts(play: TimelinePlay): number {
  let n = 0;
  for (const t of play.tasks) n = Math.max(n, t.host.length);
  return Math.max(n, play.strategy !== 'linear' ? distinctHosts(play) : 0, play.batchHosts ?? 0);
}

/** The hosts a play's tasks ran on, each once. */
export function distinctHosts(play: TimelinePlay): number {
  const seen = new Set<number>();
  for (const t of play.tasks) for (const h of t.host) seen.add(h);
  return seen.size;
}

/** The workers a play had: the run's forks, at most its hosts; without forks, the most that were busy at once. */
export function playPool(tl: Timeline, play: TimelinePlay): number {
  const hosts = Math.max(1, playHosts(play));
  return tl.forks !== undefined ? Math.max(1, Math.min(tl.forks, hosts)) : Math.max(1, maxConcurrency(play));
}

/**
 * The critical path of a playbook.
 * - linear (and serial batches, which are linear plays run in turn): task after task, the host
 *   the task's barrier waited for — the one that ended last — with its wait for a worker (task
 *   start → worker start) and its work (worker start → result); between tasks, the controller.
 * - free / host_pinned: the host whose chain of tasks ended last; each gap before one of its
 *   tasks is fork wait while every worker was busy, controller time otherwise.
 * An interrupted run ends at the cut: a host still running there works until it.
 */
export function criticalPath(tl: Timeline): CriticalPath {
  const steps: PathStep[] = [];
  const chainHost: (string | undefined)[] = [];
  const pools = tl.plays.map((play) => playPool(tl, play));
  let cursor = tl.startNs;
  let controller = 0;
  let forkWait = 0;
  let work = 0;
  /** A host's run on the path: before it the controller's time, less what it spent waiting for a worker (`full`). */
  const step = (play: number, t: TimelineTask, i: number, openEnd: number, waitFrom: number, full: number[]): void => {
    const s = t.start[i] as number;
    const e = hostEnd(t, i, openEnd);
    // monotonic: a step never starts before the previous one ended (parts add up to the wall time)
    const a = Math.max(cursor, waitFrom);
    const b = Math.max(a, s);
    const c = Math.max(b, e);
    const fw = overlap(full, a, b);
    const ctl = b - cursor - fw;
    steps.push({
      play,
      task: t.name,
      taskUuid: t.uuid,
      taskSpanId: t.spanId,
      handler: t.handler,
      role: t.role,
      host: tl.hosts[t.host[i] as number] as string,
      delegatedTo: t.delegated?.get(i),
      controllerNs: ctl,
      forkWaitNs: fw,
      workNs: c - b,
      startNs: s,
      endNs: c,
      cut: Number.isNaN(t.end[i] as number),
    });
    controller += ctl;
    forkWait += fw;
    work += c - b;
    cursor = c;
  };
  tl.plays.forEach((play, p) => {
    if (play.strategy === 'linear') {
      chainHost.push(undefined);
      const pool = pools[p] as number;
      for (const t of play.tasks) {
        const last = lastHostOf(t, tl.hosts, play.endNs);
        if (last >= 0) step(p, t, last, play.endNs, t.startNs, fullStretches([t], taskPool(pool, t), play.endNs));
      }
      return;
    }
    const byHost = chains(play);
    const best = chainWinner(tl, play, byHost);
    chainHost.push(best === undefined ? undefined : tl.hosts[best]);
    if (best === undefined) return;
    const full = fullStretches(play.tasks, pools[p] as number, play.endNs);
    for (const [t, i] of byHost.get(best) as Chain) step(p, t, i, play.endNs, play.startNs, full);
  });
  if (tl.endNs > cursor) controller += tl.endNs - cursor;
  const endNs = Math.max(tl.endNs, cursor);
  return { startNs: tl.startNs, endNs, wallNs: endNs - tl.startNs, hostWorkNs: work, forkWaitNs: forkWait, controllerNs: controller, steps, chainHost, pools };
}

/** free / host_pinned: the host whose chain of tasks ended last (its index in Timeline.hosts). */
function chainWinner(tl: Timeline, play: TimelinePlay, byHost: Map<number, Chain>): number | undefined {
  let best: { endNs: number; startNs: number; host: string; h: number } | undefined;
  for (const [h, c] of byHost) {
    const [lt, li] = c[c.length - 1] as [TimelineTask, number];
    const [ft, fi] = c[0] as [TimelineTask, number];
    const cand = { endNs: hostEnd(lt, li, play.endNs), startNs: ft.start[fi] as number, host: tl.hosts[h] as string, h };
    if (!best || endsLater(cand.endNs, cand.startNs, cand.host, best.endNs, best.startNs, best.host)) best = cand;
  }
  return best?.h;
}

/** The host a free / host_pinned play's path runs through, as far as the play has run (its end: the play's end). */
export function chainHostOf(tl: Timeline, play: TimelinePlay): string | undefined {
  const h = chainWinner(tl, play, chains(play));
  return h === undefined ? undefined : tl.hosts[h];
}

/**
 * A linear task's place on the path, decided when it ends (`openEndNs`: hosts without a result
 * end there): the host it waited for, that host's wait for a worker and its work.
 */
export function taskOnPath(
  tl: Timeline,
  play: TimelinePlay,
  t: TimelineTask,
  openEndNs: number,
): { host: string; forkWaitNs: number; workNs: number } | undefined {
  const pool = taskPool(linearPlayPool(tl, play, t), t);
  const last = lastHostOf(t, tl.hosts, openEndNs);
  if (last < 0) return undefined;
  const s = Math.max(t.startNs, t.start[last] as number);
  const e = Math.max(s, hostEnd(t, last, openEndNs));
  const full = fullStretches([t], pool, openEndNs);
  return { host: tl.hosts[t.host[last] as number] as string, forkWaitNs: overlap(full, t.startNs, s), workNs: e - s };
}
