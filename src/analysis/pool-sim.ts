// ansible's worker pool, simulated: jobs (one host's run of one task) wait until they are ready,
// take one of `pool` workers in the order they became ready, one fork start-up cost apart (the
// controller prepares one worker at a time), spend their CPU first — shared, with the controller
// while it prepares the next, when more want a CPU than the controller has — then the rest of
// their time, and free their worker. A job may bring the next job of its host (the free strategy).
// Times in ns from the simulation's own origin, so the doubles stay exact.

import { ScratchColumn } from './scratch.js';

/**
 * A binary min-heap of numbers ordered by `less`. Its array never shrinks: a pop leaves the slot
 * past the end as it was, so a heap that fills and empties over and over (a pool's running jobs,
 * a simulation a task and fork count) allocates only while it grows to its largest, not each time.
 */
export class Heap<T extends number = number> {
  private readonly a: T[] = [];
  private n = 0;
  constructor(private readonly less: (x: T, y: T) => boolean) {}
  get size(): number {
    return this.n;
  }
  get top(): T | undefined {
    return this.n > 0 ? this.a[0] : undefined;
  }
  push(v: T): void {
    const a = this.a;
    let i = this.n++;
    if (i < a.length) a[i] = v;
    else a.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(v, a[p] as T)) break;
      a[i] = a[p] as T;
      a[p] = v;
      i = p;
    }
  }
  pop(): T | undefined {
    if (this.n === 0) return undefined;
    const a = this.a;
    const top = a[0];
    const n = --this.n;
    if (n === 0) return top;
    a[0] = a[n] as T;
    for (let i = 0; ; ) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && this.less(a[l] as T, a[m] as T)) m = l;
      if (r < n && this.less(a[r] as T, a[m] as T)) m = r;
      if (m === i) return top;
      const t = a[i] as T;
      a[i] = a[m] as T;
      a[m] = t;
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

/**
 * Jobs as columns, job i at position i: a task of 10,000 hosts is four typed arrays, not 10,000
 * objects of boxed numbers that live through all its simulations — at a big run's end those were
 * what V8's young generation kept promoting into the old one (serve's RSS up by 50 MiB at once).
 */
export class SimJobs {
  readonly ready: Float64Array;
  readonly cpu: Float64Array;
  readonly rest: Float64Array;
  readonly seq: Float64Array;

  /** `all`: where the columns go, 4 × length numbers (a scratch column); a new array without. */
  constructor(
    readonly length: number,
    all: Float64Array = new Float64Array(4 * length),
  ) {
    this.ready = all.subarray(0, length);
    this.cpu = all.subarray(length, 2 * length);
    this.rest = all.subarray(2 * length, 3 * length);
    this.seq = all.subarray(3 * length);
  }

  static of(jobs: readonly SimJob[]): SimJobs {
    const out = new SimJobs(jobs.length);
    jobs.forEach((j, i) => {
      out.put(i, j);
    });
    return out;
  }

  put(i: number, j: SimJob): void {
    this.set(i, j.ready, j.cpu, j.rest, j.seq);
  }

  set(i: number, ready: number, cpu: number, rest: number, seq: number): void {
    this.ready[i] = ready;
    this.cpu[i] = cpu;
    this.rest[i] = rest;
    this.seq[i] = seq;
  }

  copy(): SimJobs {
    const out = new SimJobs(this.length);
    out.ready.set(this.ready);
    out.cpu.set(this.cpu);
    out.rest.set(this.rest);
    out.seq.set(this.seq);
    return out;
  }

  /** Whether job x becomes ready before job y (ties: by seq, then by position). */
  readyBefore(x: number, y: number): boolean {
    const a = this.ready[x] as number;
    const b = this.ready[y] as number;
    if (a !== b) return a < b;
    const s = this.seq[x] as number;
    const t = this.seq[y] as number;
    return s < t || (s === t && x < y);
  }

  /** Whether the jobs are first ready first already: a linear task's are all ready at once, in dispatch order. */
  inReadyOrder(): boolean {
    for (let i = 1; i < this.length; i++) if (this.readyBefore(i, i - 1)) return false;
    return true;
  }

  /** The job numbers first ready first; undefined when that is their own order (no copy, no sort). */
  readyOrder(): Uint32Array | undefined {
    if (this.inReadyOrder()) return undefined;
    const order = new Uint32Array(this.length);
    for (let i = 0; i < this.length; i++) order[i] = i;
    return order.sort((x, y) => (this.readyBefore(x, y) ? -1 : this.readyBefore(y, x) ? 1 : 0));
  }
}

export interface PoolOptions {
  pool: number;
  /** The fork start-up cost: the least time between two jobs taking a worker. */
  dispatchNs: number;
  /** The controller's CPUs shared by the jobs in their CPU part (Infinity: never short). */
  cpus: number;
  /** The job that follows a finished one (of `seq`, its host) on its host, if any (its `ready` set from `endNs`). */
  next?: (seq: number, endNs: number) => SimJob | undefined;
  /** Filled in, if given (without `next`): per job in the order given, the time from its start to the end of its CPU part. */
  cpuWall?: number[];
}

/**
 * Runs the jobs through the pool; returns when the last one ended (0 without jobs). The jobs
 * computing at once all progress at the same rate, so one clock of the CPU time each has had
 * since the start (`served`) orders them: a job's CPU part ends when that clock reaches its
 * start value plus its CPU time. O(jobs · log jobs); queues and heaps hold job numbers, the times
 * in arrays beside them, so a step allocates nothing.
 */
export function simulatePool(given: SimJobs | readonly SimJob[], o: PoolOptions): number {
  const jobs = given instanceof SimJobs ? given : SimJobs.of(given);
  if (!o.next && (o.cpus === Number.POSITIVE_INFINITY || o.cpus >= o.pool)) {
    if (o.cpuWall) for (let i = 0; i < jobs.length; i++) o.cpuWall[i] = jobs.cpu[i] as number;
    return fifoPool(jobs, o);
  }
  // next jobs take their host's slot (endJobs): on a copy
  return new SharedPool(o.next && jobs === given ? jobs.copy() : jobs, o).run();
}

/** Columns of one simulation at a time, reused (scratch.ts): a run's analysis simulates each task several times. */
const jobEnds = new ScratchColumn();
const cpuEnds = new ScratchColumn();
const jobStarts = new ScratchColumn();
const workersFree = new ScratchColumn();

/**
 * `simulatePool`'s event loop where CPUs are short or jobs bring next ones. Its state is in fields
 * so that each phase of a step is a method; a step still allocates nothing.
 */
class SharedPool {
  // Jobs not started yet, first ready first: with next jobs a heap; without, the order is known
  // up front, sorted once, then read in turn.
  private readonly heap: Heap<number> | undefined;
  /** Undefined with a heap, or when the jobs came in that order already (a linear task's). */
  private readonly sorted: Uint32Array | undefined;
  private read = 0;
  private readonly at: Float64Array; // when a job's whole run ends
  private readonly until: Float64Array; // the CPU clock at which its CPU part ends
  private readonly began: Float64Array; // when it took a worker
  private readonly ending: Heap<number>;
  private readonly computing: Heap<number>;
  private served = 0;
  private free: number;
  // The controller prepares each next job (its variables, the fork: the start-up cost) on a CPU
  // too, once it started the one before and while there is one to come: meanwhile it shares the CPUs.
  private prepLeft = 0; // CPU time it still needs before it can start the next job (the first's is in its ready time)
  private preparing = false;
  private prepUntil = 0; // the CPU clock at which it is done, while preparing
  private now = 0; // a value here, not undefined first: V8 would box each double stored to it
  private next = 0;
  private last = 0;

  constructor(
    private readonly jobs: SimJobs,
    private readonly o: PoolOptions,
  ) {
    const n = jobs.length;
    this.heap = o.next ? new Heap<number>((x, y) => jobs.readyBefore(x, y)) : undefined;
    if (this.heap) for (let i = 0; i < n; i++) this.heap.push(i);
    else this.sorted = jobs.readyOrder();
    // each slot is written before it is read (a job's start writes `began` and `until` or `at`)
    const at = jobEnds.take(n);
    const until = cpuEnds.take(n);
    this.at = at;
    this.until = until;
    this.began = jobStarts.take(n);
    this.ending = new Heap<number>((x, y) => (at[x] as number) < (at[y] as number) || ((at[x] as number) === (at[y] as number) && x < y));
    this.computing = new Heap<number>((x, y) => (until[x] as number) < (until[y] as number) || ((until[x] as number) === (until[y] as number) && x < y));
    this.free = Math.max(1, o.pool);
    const first = this.top();
    this.now = first === undefined ? 0 : (jobs.ready[first] as number);
  }

  run(): number {
    for (;;) {
      this.startReady();
      this.prepare();
      const sharing = this.computing.size + (this.preparing ? 1 : 0);
      const rate = sharing > 0 ? Math.min(1, this.o.cpus / sharing) : 0;
      this.nextEvent(rate);
      const t = this.next;
      if (t === Number.POSITIVE_INFINITY) return this.last;
      this.served += (t - this.now) * rate;
      this.now = t;
      this.cpuPartsOver();
      this.endJobs();
    }
  }

  /** The first job not started yet, if any. */
  private top(): number | undefined {
    if (this.heap) return this.heap.top;
    if (this.sorted) return this.sorted[this.read];
    return this.read < this.jobs.length ? this.read : undefined;
  }

  /** Starts what can start now: ready jobs, while a worker is free and the controller has prepared one. */
  private startReady(): void {
    const { jobs, until, at, now } = this;
    for (let h = this.top(); this.prepLeft <= 0 && this.free > 0 && h !== undefined && (jobs.ready[h] as number) <= now; h = this.top()) {
      if (this.heap) this.heap.pop();
      else this.read += 1;
      this.free -= 1;
      const cpu = jobs.cpu[h] as number;
      this.began[h] = now;
      if (cpu > 0) {
        until[h] = this.served + cpu;
        this.computing.push(h);
      } else {
        at[h] = now + (jobs.rest[h] as number);
        this.ending.push(h);
      }
      this.prepLeft = this.o.dispatchNs;
    }
  }

  /** Whether the controller is preparing a next job now (and so takes a share of the CPUs). */
  private prepare(): void {
    // a free strategy's controller goes on round its hosts whether or not one is ready yet
    const wantPrep = this.prepLeft > 0 && (this.top() !== undefined || (this.o.next !== undefined && this.computing.size + this.ending.size > 0));
    if (wantPrep && !this.preparing) {
      this.preparing = true;
      this.prepUntil = this.served + this.prepLeft;
    } else if (!wantPrep && this.preparing) {
      this.preparing = false;
    }
  }

  /**
   * The time of the next event at this CPU `rate` into `next` (a field: a double returned is a
   * number boxed, a step): a CPU part or the preparation done, a job's end, a job's start.
   */
  private nextEvent(rate: number): void {
    const { computing, now, served } = this;
    const cpuDone = computing.size > 0 ? now + ((this.until[computing.top as number] as number) - served) / rate : Number.POSITIVE_INFINITY;
    const prepDone = this.preparing ? now + (this.prepUntil - served) / rate : Number.POSITIVE_INFINITY;
    const h = this.top();
    const startAt = this.prepLeft <= 0 && this.free > 0 && h !== undefined ? Math.max(this.jobs.ready[h] as number, now) : Number.POSITIVE_INFINITY;
    this.next = Math.min(cpuDone, prepDone, this.ending.size > 0 ? (this.at[this.ending.top as number] as number) : Number.POSITIVE_INFINITY, startAt);
  }

  /** The preparation and the jobs' CPU parts that are over now (within half a nanosecond's rounding). */
  private cpuPartsOver(): void {
    const { computing, until, served, now, o } = this;
    if (this.preparing) {
      this.prepLeft = this.prepUntil - served;
      if (this.prepLeft <= 0.5) {
        this.prepLeft = 0;
        this.preparing = false;
      }
    }
    while (computing.size > 0 && (until[computing.top as number] as number) - served <= 0.5) {
      const i = computing.pop() as number;
      if (o.cpuWall) o.cpuWall[i] = now - (this.began[i] as number);
      this.at[i] = now + (this.jobs.rest[i] as number);
      this.ending.push(i);
    }
  }

  /** Jobs over now free their workers; each may bring its host's next job. */
  private endJobs(): void {
    const { ending, at, now, jobs } = this;
    while (ending.size > 0 && (at[ending.top as number] as number) <= now) {
      const i = ending.pop() as number;
      this.free += 1;
      this.last = Math.max(this.last, now);
      const after = this.o.next?.(jobs.seq[i] as number, now);
      if (after) {
        // The ended job's slot takes its host's next: a host has one job in the pool at a time,
        // so the arrays stay at one slot a host, not one a host run (a free play of 10,000 hosts
        // x 100 tasks held 1,000,000). The slot's number breaks no tie that matters: jobs of
        // one host never wait together, and jobs that end or compute alike are taken all at once.
        jobs.put(i, after);
        this.heap?.push(i);
      }
    }
  }
}

/**
 * The same without CPUs to share (never short of them) and without next jobs: each job in turn
 * takes the worker free first, one start-up cost after the one before. O(jobs · log pool).
 */
function fifoPool(jobs: SimJobs, o: PoolOptions): number {
  const n = jobs.length;
  const order = jobs.readyOrder();
  // when each worker is free, a min-heap in a typed column (no number boxed a step); more
  // workers than jobs would stay free throughout
  const k = Math.max(1, Math.min(o.pool, n));
  const free = workersFree.take(k).fill(Number.NEGATIVE_INFINITY);
  let lastStart = Number.NEGATIVE_INFINITY;
  let last = 0;
  for (let q = 0; q < n; q++) {
    const j = order ? (order[q] as number) : q;
    const start = Math.max(jobs.ready[j] as number, free[0] as number, lastStart + o.dispatchNs);
    const end = start + (jobs.cpu[j] as number) + (jobs.rest[j] as number);
    // the worker free first takes the job: it is free again at `end`
    let i = 0;
    for (let l = 1; l < k; l = 2 * i + 1) {
      const m = l + 1 < k && (free[l + 1] as number) < (free[l] as number) ? l + 1 : l;
      if ((free[m] as number) >= end) break;
      free[i] = free[m] as number;
      i = m;
    }
    free[i] = end;
    lastStart = start;
    last = Math.max(last, end);
  }
  return last;
}
