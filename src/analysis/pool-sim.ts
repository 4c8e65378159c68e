// ansible's worker pool, simulated: jobs (one host's run of one task) wait until they are ready,
// take one of `pool` workers in the order they became ready, one fork start-up cost apart (the
// controller starts one worker at a time), spend their CPU first — shared by every job in its
// CPU part when there are more of those than the controller has CPUs — then the rest of their
// time, and free their worker. A job may bring the next job of its host (the free strategy).
// Times in ns from the simulation's own origin, so the doubles stay exact.

/** A binary min-heap ordered by `less`. */
export class Heap<T> {
  private readonly a: T[] = [];
  constructor(private readonly less: (x: T, y: T) => boolean) {}
  get size(): number {
    return this.a.length;
  }
  get top(): T | undefined {
    return this.a[0];
  }
  push(v: T): void {
    const a = this.a;
    a.push(v);
    for (let i = a.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if (!this.less(v, a[p] as T)) break;
      a[i] = a[p] as T;
      a[p] = v;
      i = p;
    }
  }
  pop(): T | undefined {
    const a = this.a;
    const top = a[0];
    const last = a.pop() as T;
    if (a.length === 0) return top;
    a[0] = last;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l] as T, a[m] as T)) m = l;
      if (r < a.length && this.less(a[r] as T, a[m] as T)) m = r;
      if (m === i) return top;
      [a[i], a[m]] = [a[m] as T, a[i] as T];
      i = m;
    }
  }
}

export interface SimJob {
  /** When it may take a worker. */
  ready: number;
  /** Its CPU time on the controller (done first, at most its whole time). */
  cpu: number;
  /** The rest of its time: waiting on the module, the network, the target host. */
  rest: number;
  /** Order among jobs ready at the same time. */
  seq: number;
}

export interface PoolOptions {
  pool: number;
  /** The fork start-up cost: the least time between two jobs taking a worker. */
  dispatchNs: number;
  /** The controller's CPUs shared by the jobs in their CPU part (Infinity: never short). */
  cpus: number;
  /** The job that follows a finished one on its host, if any (its `ready` set from `endNs`). */
  next?: (job: SimJob, endNs: number) => SimJob | undefined;
}

const readyFirst = (x: SimJob, y: SimJob): boolean => x.ready < y.ready || (x.ready === y.ready && x.seq < y.seq);

/** The queue of a simulation without next jobs: the jobs sorted once, then taken in turn. */
class Sorted {
  private at = 0;
  private readonly jobs: SimJob[];
  constructor(jobs: readonly SimJob[]) {
    this.jobs = [...jobs].sort((x, y) => x.ready - y.ready || x.seq - y.seq);
  }
  get top(): SimJob | undefined {
    return this.jobs[this.at];
  }
  pop(): SimJob | undefined {
    return this.jobs[this.at++];
  }
  push(): void {
    throw new Error('no job is added to a simulation without next jobs');
  }
}

/**
 * Runs the jobs through the pool; returns when the last one ended (0 without jobs). The jobs
 * computing at once all progress at the same rate, so one clock of the CPU time each has had
 * since the start (`served`) orders them: a job's CPU part ends when that clock reaches its
 * start value plus its CPU time. O(jobs · log jobs).
 */
export function simulatePool(jobs: readonly SimJob[], o: PoolOptions): number {
  // without next jobs the order is known up front: a sorted list read in turn
  const queue = o.next ? new Heap<SimJob>(readyFirst) : new Sorted(jobs);
  if (o.next) for (const j of jobs) queue.push(j);
  const ending = new Heap<{ at: number; job: SimJob }>((x, y) => x.at < y.at || (x.at === y.at && x.job.seq < y.job.seq));
  const computing = new Heap<{ until: number; job: SimJob }>((x, y) => x.until < y.until || (x.until === y.until && x.job.seq < y.job.seq));
  let served = 0;
  let free = Math.max(1, o.pool);
  let lastStart = Number.NEGATIVE_INFINITY;
  let now = queue.top?.ready ?? 0;
  let last = 0;
  for (;;) {
    // start what can start now
    for (let head = queue.top; free > 0 && head && head.ready <= now && now >= lastStart + o.dispatchNs; head = queue.top) {
      queue.pop();
      free -= 1;
      lastStart = now;
      if (head.cpu > 0) computing.push({ until: served + head.cpu, job: head });
      else ending.push({ at: now + head.rest, job: head });
    }
    const rate = computing.size > 0 ? Math.min(1, o.cpus / computing.size) : 0;
    const cpuDone = computing.top ? now + (computing.top.until - served) / rate : Number.POSITIVE_INFINITY;
    const head = queue.top;
    const startAt = free > 0 && head ? Math.max(head.ready, lastStart + o.dispatchNs, now) : Number.POSITIVE_INFINITY;
    const t = Math.min(cpuDone, ending.top?.at ?? Number.POSITIVE_INFINITY, startAt);
    if (t === Number.POSITIVE_INFINITY) return last;
    served += (t - now) * rate;
    now = t;
    // CPU parts over (within half a nanosecond's rounding)
    while (computing.top && computing.top.until - served <= 0.5) {
      const { job } = computing.pop() as { until: number; job: SimJob };
      ending.push({ at: now + job.rest, job });
    }
    while (ending.top && ending.top.at <= now) {
      const { job } = ending.pop() as { at: number; job: SimJob };
      free += 1;
      last = Math.max(last, now);
      const after = o.next?.(job, now);
      if (after) queue.push(after);
    }
  }
}
