// The worker pool simulator on tiny job sets worked out by hand: workers, the fork start-up cost,
// the controller's CPUs shared by the jobs in their CPU part, and a host's next job (free).
import { describe, expect, it } from 'vitest';
import { SimJobs, simulatePool, type SimJob } from '../../src/analysis/pool-sim.js';

const jobs = (n: number, cpu: number, rest: number, ready = 0): SimJob[] => Array.from({ length: n }, (_, seq) => ({ ready, cpu, rest, seq }));

describe('the worker pool simulator', () => {
  it('two jobs on two workers: their CPU parts share one CPU, not two', () => {
    // each 4 CPU then 6 more: both computing at half speed until 8, then 6 more
    expect(simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 0, cpus: 1 })).toBe(14);
    expect(simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 0, cpus: 2 })).toBe(10);
    expect(simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 0, cpus: Number.POSITIVE_INFINITY })).toBe(10);
  });

  it('one worker: the second job waits for it', () => {
    expect(simulatePool(jobs(2, 4, 6), { pool: 1, dispatchNs: 0, cpus: 1 })).toBe(20);
  });

  it('the fork start-up cost spaces the starts; the controller spends it on the CPUs too', () => {
    // no CPU to share: starts at 0 and 2, ends at 10 and 12
    expect(simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 2, cpus: Number.POSITIVE_INFINITY })).toBe(12);
    expect(simulatePool(jobs(3, 0, 10), { pool: 3, dispatchNs: 2, cpus: 1 })).toBe(14);
    // one CPU: the first job and the controller preparing the second share it: the second starts
    // at 4 (2 of CPU at half speed), when the first has 2 of its 4 left; both at half speed until
    // the first's CPU ends at 8, the second's 2 left alone until 10: they end at 14 and 16
    expect(simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 2, cpus: 1 })).toBe(16);
  });

  it('says how long each CPU part took from its start, shared', () => {
    const cpuWall: number[] = [];
    simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 0, cpus: 1, cpuWall });
    expect(cpuWall).toEqual([8, 8]);
    // the second starts at 4 with 4 to do: 2 at half speed until 8, 2 alone until 10
    simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 2, cpus: 1, cpuWall });
    expect(cpuWall).toEqual([8, 6]);
    simulatePool(jobs(2, 4, 6), { pool: 2, dispatchNs: 0, cpus: 2, cpuWall });
    expect(cpuWall).toEqual([4, 4]);
  });

  it("a host's next job is ready its gap after the last one ended", () => {
    const first: SimJob = { ready: 0, cpu: 0, rest: 5, seq: 7 };
    const ended: number[] = [];
    const next = (seq: number, endNs: number): SimJob | undefined => {
      ended.push(seq);
      return ended.length === 1 ? { ready: endNs + 2, cpu: 0, rest: 3, seq } : undefined;
    };
    expect(simulatePool([first], { pool: 1, dispatchNs: 0, cpus: 1, next })).toBe(10);
    expect(ended).toEqual([7, 7]); // the host's first job, then its next
  });

  it('gives the same answers from columns as from job objects, in any order they come', () => {
    const given: SimJob[] = [
      { ready: 3, cpu: 2, rest: 4, seq: 1 },
      { ready: 0, cpu: 1, rest: 9, seq: 0 },
      { ready: 3, cpu: 0, rest: 2, seq: 0 },
      { ready: 1, cpu: 5, rest: 1, seq: 2 },
    ];
    const sorted = SimJobs.of([given[1], given[3], given[2], given[0]] as SimJob[]);
    expect(sorted.inReadyOrder()).toBe(true);
    expect(SimJobs.of(given).inReadyOrder()).toBe(false);
    for (const o of [
      { pool: 2, dispatchNs: 1, cpus: 1 },
      { pool: 1, dispatchNs: 0, cpus: Number.POSITIVE_INFINITY },
      { pool: 3, dispatchNs: 2, cpus: 2 },
    ])
      expect(simulatePool(given, o)).toBe(simulatePool(sorted, o));
    // worked by hand, one worker, no start-up cost: 0–10, 10–16, then the two ready at 3 by seq: 16–18, 18–24
    expect(simulatePool(given, { pool: 1, dispatchNs: 0, cpus: Number.POSITIVE_INFINITY })).toBe(24);
  });

  it('keeps its columns in the array it is given (a scratch column), one after the other', () => {
    const all = new Float64Array(8).fill(-1);
    const given: SimJob[] = [
      { ready: 1, cpu: 2, rest: 3, seq: 4 },
      { ready: 5, cpu: 6, rest: 7, seq: 8 },
    ];
    const jobs = new SimJobs(2, all);
    for (const [i, j] of given.entries()) jobs.put(i, j);
    expect([...all]).toEqual([1, 5, 2, 6, 3, 7, 4, 8]);
    // worked by hand, one worker: 1–6, then 6–19 (ready at 5, taken when the first ends)
    expect(simulatePool(jobs, { pool: 1, dispatchNs: 0, cpus: 1 })).toBe(19);
    expect(simulatePool(given, { pool: 1, dispatchNs: 0, cpus: 1 })).toBe(19);
  });

  it('ends at 0 without jobs', () => {
    expect(simulatePool([], { pool: 2, dispatchNs: 0, cpus: 1 })).toBe(0);
  });
});
