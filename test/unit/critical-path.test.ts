// The critical path and the what-if on generated frame streams whose answers are worked out by
// hand (in the comments): linear with fewer forks than hosts, free, serial batches, throttle,
// and the hard cases. Times in ms after T0; exact to the nanosecond (T0 small enough that every
// timestamp is an exact double).
import { describe, expect, it } from 'vitest';
import type { PlaybookAnalysis } from '../../src/analysis/playbook-analysis.js';
import { whatIfLine } from '../../src/analysis/path-text.js';
import type { Timeline, TimelinePlay, TimelineTask } from '../../src/analysis/timeline.js';
import { dispatchOrder, maxConcurrency } from '../../src/analysis/critical-path.js';
import { dispatchCost, medianInPlace, workerTimes } from '../../src/analysis/what-if.js';
import { RunModel } from '../../src/model/run-model.js';
import type { HostSpanChoice } from '../../src/model/host-spans.js';
import type { PlaybookEndEvent } from '../../src/model/run-observer.js';
import type { Frame } from '../../src/protocol/frames.js';
import { at, begin, end, frames, freeOnTwoForks, linearOnTwoForks, MS, ms, result, start, task, throttledOnFourHosts } from '../helpers/path-frames.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import type { SlimSpan, SlimValue } from '../../src/report/otlp-json-lines.js';
import { ReportBuilder } from '../../src/report/report-builder.js';
import { replaySpans, selectTraces } from '../../src/report/replay-spans.js';
import { expectWellFormed } from '../helpers/well-formed.js';

interface Played {
  w: MemoryWriter;
  analysis: PlaybookAnalysis;
  end: PlaybookEndEvent;
}

function play(fs: Frame[], hostSpans: HostSpanChoice = 'all', finish = true): Played {
  const w = new MemoryWriter();
  const ends: PlaybookEndEvent[] = [];
  const model = new RunModel(w, 'run-cp', { playbookEnd: (e) => ends.push(e) }, { hostSpans });
  for (const f of fs) model.apply(f);
  if (finish) model.finish();
  expectWellFormed(w.spans);
  const end = ends[0]!;
  return { w, analysis: end.analysis!, end };
}

/** The path as [task, host, controller, fork wait, work] in ms. */
const steps = (a: PlaybookAnalysis): [string, string, number, number, number][] =>
  a.steps.map((s) => [s.task, s.host, ms(s.controllerNs), ms(s.forkWaitNs), ms(s.workNs)]);
const parts = (a: PlaybookAnalysis): Record<string, number> => ({
  wall: ms(a.wallNs),
  controller: ms(a.controllerNs),
  forkWait: ms(a.forkWaitNs),
  hostWork: ms(a.hostWorkNs),
});
const flagged = (w: MemoryWriter): string[] =>
  w.spans
    .filter((s) => s.attributes['ansible.critical_path'] === true)
    .map((s) => (s.attributes['ansible.task.host.name'] !== undefined ? `${s.parent!.name}/${s.name}` : s.name));
describe('critical path: linear, 4 hosts on 2 forks', () => {
  // Each host works 10 ms; the controller starts a worker 1 ms after the one before.
  // h1 11–21, h2 12–22; h3 waits for h1's worker: 21–31; h4 for h2's: 22–32. Stats at 40.
  const fs = linearOnTwoForks();
  const { w, analysis } = play(fs);

  it('runs through the host the task waited for: its wait, less the controller dispatching, is fork wait', () => {
    // 0–10 controller; 10–12 dispatching h1 and h2 (controller), 12–22 both workers busy (fork
    // wait), 22–32 h4 works; 32–40 controller (stats).
    expect(steps(analysis)).toEqual([['Build', 'h4', 12, 10, 10]]);
    expect(parts(analysis)).toEqual({ wall: 40, controller: 20, forkWait: 10, hostWork: 10 });
  });

  it('estimates other fork counts from the measured fork start-up cost', () => {
    expect(analysis.forks).toBe(2);
    expect(analysis.forksInferred).toBe(false);
    expect(ms(analysis.dispatchNs)).toBe(1); // h1 → h2, the one start that waited for no worker
    expect(analysis.dispatchSamples).toBe(1);
    // at 4 forks: h1 11–21, h2 12–22, h3 13–23, h4 14–24: the task ends at 24 instead of 32
    expect(analysis.options.map((o) => [o.forks, ms(o.wallNs), ms(o.savedNs)])).toEqual([[4, 32, 8]]);
    expect(analysis.forksLimit).toBe(true);
    expect(analysis.limits[0]).toMatchObject({ kind: 'controller' });
    expect(analysis.limits.find((l) => l.kind === 'forks')).toMatchObject({ ns: 8 * MS, share: 0.2 });
  });

  it('marks the task span and its last host span, and puts the parts on the root', () => {
    expect(flagged(w)).toEqual(['Build', 'Build/h4']);
    expect(w.one('Build').attributes).toMatchObject({
      'ansible.task.critical_path.host': 'h4',
      'ansible.task.critical_path.fork_wait': 0.01,
      'ansible.task.critical_path.host_work': 0.01,
    });
    expect(w.one('RUN site.yml').attributes).toMatchObject({
      'ansible.run.forks': 2,
      'ansible.run.critical_path.host_work': 0.01,
      'ansible.run.critical_path.fork_wait': 0.01,
      'ansible.run.critical_path.controller': 0.02,
      'ansible.run.critical_path.total': 0.04,
      'ansible.run.critical_path.top.tasks': ['Build'],
      'ansible.run.critical_path.top.hosts': ['h4'],
      'ansible.run.critical_path.top.shares': [0.5],
      'ansible.run.critical_path.limit': 'forks',
      'ansible.run.critical_path.limit_share': 0.2,
      'ansible.run.critical_path.limit_detail': 'forks 2',
      'ansible.run.fork_startup': 0.001,
      'ansible.run.what_if.forks': [4],
      'ansible.run.what_if.duration': [0.032],
    });
  });

  it('keeps the path host span in every --host-spans mode, the same span as in all', () => {
    const all = w.one('Build');
    for (const mode of ['problems', 'none'] as const) {
      const other = play(fs, mode).w;
      expect(flagged(other)).toEqual(['Build', 'Build/h4']);
      const h4 = other.spans.find((s) => s.name === 'h4')!;
      const twin = w.spans.find((s) => s.name === 'h4')!;
      expect({ ...h4, id: 0, parent: undefined }).toEqual({ ...twin, id: 0, parent: undefined });
      expect(other.one('Build').endNs).toBe(all.endNs);
    }
    expect(
      play(fs, 'none')
        .w.spans.filter((s) => s.parent?.name === 'Build')
        .map((s) => s.name),
    ).toEqual(['h4']);
  });

  it('ends every host span at its own result, however long it was held', () => {
    for (const [h, e] of [
      ['h1', 21],
      ['h2', 22],
      ['h3', 31],
      ['h4', 32],
    ] as const)
      expect(w.spans.find((s) => s.name === h)!.endNs).toBe(at(e));
  });
});

describe('critical path: free, 3 hosts on 2 forks', () => {
  // a: t1 1–11, t2 13–15; b: t1 2–4, t2 7–17; c: t1 4–7, t2 11–13. b's chain ends last.
  const fs = freeOnTwoForks();
  const { w, analysis } = play(fs);

  it('runs through the chain that ended last; a gap while every worker was busy is fork wait', () => {
    // b: 0–2 controller (one worker busy), 2–4 works, 4–7 both workers busy (a, c), 7–17 works; 17–20 controller
    expect(steps(analysis)).toEqual([
      ['One', 'b', 2, 0, 2],
      ['Two', 'b', 0, 3, 10],
    ]);
    expect(parts(analysis)).toEqual({ wall: 20, controller: 5, forkWait: 3, hostWork: 12 });
    expect(analysis.plays).toEqual([{ name: 'Deploy', strategy: 'free', chainHost: 'b' }]);
  });

  it('re-schedules the chains on more workers: 3 forks end the play at 14 instead of 17', () => {
    expect(analysis.options.map((o) => [o.forks, ms(o.wallNs)])).toEqual([[3, 17]]);
  });

  it('names the chain on the play span; no host span is held for it', () => {
    expect(w.one('Deploy').attributes['ansible.play.critical_path.host']).toBe('b');
    expect(flagged(w)).toEqual([]);
  });
});

describe('critical path: serial batches, one failing host', () => {
  // batch 1: a 2–6, b 3–10 (fails); batch 2: c 14–16, d 15–20. Forks 2: a batch never waits for one.
  const fs = frames([
    ...begin(2, 'linear', { serial: [2], host_count: 2 }),
    [1, task('t1', 'Deploy it')],
    [2, start('t1', 'a')],
    [3, start('t1', 'b')],
    [6, result('t1', 'a')],
    [10, result('t1', 'b', 'failed', { res: { msg: 'no' } })],
    [12, { t: 'play_start', play: 'p1', name: 'Deploy', hosts: ['all'], strategy: 'linear', serial: [2], host_count: 2 }],
    [13, task('t1', 'Deploy it')],
    [14, start('t1', 'c')],
    [15, start('t1', 'd')],
    [16, result('t1', 'c')],
    [20, result('t1', 'd')],
    ...end(22),
  ]);
  const { w, analysis } = play(fs);

  it('runs through the batches in order, each through its last host (the failed one too)', () => {
    expect(steps(analysis)).toEqual([
      ['Deploy it', 'b', 3, 0, 7],
      ['Deploy it', 'd', 5, 0, 5],
    ]);
    expect(parts(analysis)).toEqual({ wall: 22, controller: 10, forkWait: 0, hostWork: 12 });
    expect(flagged(w)).toEqual(['Deploy it', 'Deploy it/b', 'Deploy it', 'Deploy it/d']);
  });

  it('says forks are not the limit: the serial batches are', () => {
    expect(analysis.options).toEqual([]); // no more forks than hosts in a batch to try
    expect(analysis.forksLimit).toBe(false);
    expect(analysis.limits.map((l) => [l.kind, ms(l.ns)])).toEqual([
      ['serial', 12],
      ['controller', 10],
    ]);
    expect(analysis.limits[0]!.detail).toBe('2 batches of up to 2 hosts');
  });
});

describe('critical path: throttle 1 on 4 hosts, forks 2', () => {
  // a 2–7, b 7–12, c 12–17, d 17–22: one at a time; stats at 25.
  const fs = throttledOnFourHosts();
  const { w, analysis } = play(fs);

  it('counts the wait for the one worker the throttle allows as fork wait', () => {
    expect(steps(analysis)).toEqual([['Rolling restart', 'd', 2, 15, 5]]);
    expect(parts(analysis)).toEqual({ wall: 25, controller: 5, forkWait: 15, hostWork: 5 });
    expect(w.one('Rolling restart').attributes['ansible.task.throttle']).toBe(1);
  });

  it('says more forks buy nothing: the throttle is the limit', () => {
    expect(analysis.options.map((o) => [o.forks, ms(o.savedNs)])).toEqual([[4, 0]]);
    expect(analysis.forksLimit).toBe(false);
    expect(analysis.limits.map((l) => [l.kind, ms(l.ns)])).toEqual([
      ['throttle', 15], // one at a time: 21 ms; all at once: 6 ms
      ['controller', 5],
      ['host_work', 5],
    ]);
    expect(analysis.limits[0]!.detail).toBe('Rolling restart');
  });
});

describe('critical path: the hard cases', () => {
  it('an interrupted run ends at the cut: the host still running works until it', () => {
    const fs = frames([
      ...begin(2),
      [1, task('t1', 'Long one')],
      [2, start('t1', 'a')],
      [3, start('t1', 'b')],
      [5, result('t1', 'a')],
      [6, start('t1', 'c')],
      [9, { t: 'notify', handler: 'x', host: 'c' }],
    ]);
    const { w, analysis } = play(fs);
    // b and c are cut at 9; b started first (the longer work)
    expect(steps(analysis)).toEqual([['Long one', 'b', 3, 0, 6]]);
    expect(analysis.steps[0]!.cut).toBe(true);
    expect(parts(analysis)).toEqual({ wall: 9, controller: 3, forkWait: 0, hostWork: 6 });
    expect(analysis.interrupted).toBe(true);
    const b = w.spans.find((s) => s.name === 'b')!;
    expect(b.attributes).toMatchObject({ 'ansible.critical_path': true, 'ansible.run.interrupted': true });
    expect(flagged(w)).toEqual(['Long one', 'Long one/b']);
  });

  it('run_once, delegate_to, async poll 0 and a handler at the flush: each a task on the path', () => {
    const fs = frames([
      ...begin(5),
      // run_once: one host of three
      [1, task('t1', 'Migrate once')],
      [2, start('t1', 'a')],
      [6, result('t1', 'a', 'ok', { changed: true })],
      // delegate_to: every host's result ran on the load balancer
      [7, task('t2', 'Drain')],
      [8, start('t2', 'a')],
      [9, start('t2', 'b')],
      [10, start('t2', 'c')],
      [12, result('t2', 'a', 'ok', { delegated_to: 'lb' })],
      [13, result('t2', 'c', 'ok', { delegated_to: 'lb' })],
      [15, result('t2', 'b', 'ok', { delegated_to: 'lb' })],
      // async, poll 0: started, not waited for; then its status polled until done
      [16, task('t3', 'Start the job')],
      [17, start('t3', 'a')],
      [18, result('t3', 'a', 'ok', { res: { ansible_job_id: 'j1', finished: 0 } })],
      [19, task('t4', 'Wait for the job')],
      [20, start('t4', 'a')],
      [22, { t: 'retry', task: 't4', host: 'a', attempt: 1 }],
      [30, result('t4', 'a', 'ok', { res: { finished: 1, attempts: 2 } })],
      // handlers at the flush
      [32, task('h1', 'restart app', { handler: true })],
      [33, start('h1', 'b')],
      [34, start('h1', 'a')],
      [36, result('h1', 'a', 'ok', { changed: true })],
      [37, result('h1', 'b', 'ok', { changed: true })],
      ...end(40),
    ]);
    const { w, analysis } = play(fs);
    expect(steps(analysis)).toEqual([
      ['Migrate once', 'a', 2, 0, 4],
      ['Drain', 'b', 3, 0, 6],
      ['Start the job', 'a', 2, 0, 1],
      ['Wait for the job', 'a', 2, 0, 10],
      ['restart app', 'b', 3, 0, 4],
    ]);
    expect(analysis.steps[1]!.delegatedTo).toBe('lb');
    expect(analysis.steps[4]!.handler).toBe(true);
    expect(parts(analysis)).toEqual({ wall: 40, controller: 15, forkWait: 0, hostWork: 25 });
    expect(flagged(w)).toEqual([
      'Migrate once',
      'Migrate once/a',
      'Drain',
      'Drain/b',
      'Start the job',
      'Start the job/a',
      'Wait for the job',
      'Wait for the job/a',
      'restart app',
      'restart app/b',
    ]);
  });

  it('parts add up to the wall time exactly, on every playbook of a run', () => {
    const fs = frames([
      ...begin(2),
      [1, task('t1', 'One')],
      [2, start('t1', 'a')],
      [4, result('t1', 'a')],
      ...end(5).slice(0, 1),
      [6, { t: 'playbook_start', path: '/srv/two.yml', name: 'two.yml' }],
      [7, { t: 'play_start', play: 'p2', name: 'Two', hosts: ['all'], strategy: 'free' }],
      [8, task('t2', 'Two')],
      [9, start('t2', 'a')],
      [12, result('t2', 'a')],
      ...end(15),
    ]);
    const w = new MemoryWriter();
    const ends: PlaybookEndEvent[] = [];
    const model = new RunModel(w, 'run-cp', { playbookEnd: (e) => ends.push(e) });
    for (const f of fs) model.apply(f);
    expect(ends.map((e) => parts(e.analysis!))).toEqual([
      { wall: 5, controller: 3, forkWait: 0, hostWork: 2 },
      { wall: 9, controller: 6, forkWait: 0, hostWork: 3 },
    ]);
    expect(model.result().traces.map((t) => t.analysis?.playbook)).toEqual(['site.yml', 'two.yml']);
  });
});

/**
 * forks 1, 2 hosts of 10 ms each (a 0–10, b 10–20), then one host of 1 ms; stats at 22; 8 ms of
 * worker CPU over the first task (and, `busy`, 2 of the controller's own, the CPUs busy throughout).
 */
function cpuFrames(cpus?: number, busy = false): Frame[] {
  const clocks = (worker: number, own: number, machine: number): Record<string, number> =>
    busy ? { worker_cpu: worker, controller_cpu: own, machine_cpu: machine } : { worker_cpu: worker };
  return frames([
    [0, { t: 'hello', ansible_version: '2.14.18', hostname: 'ctl', forks: 1, ...(cpus ? { cpus } : {}) }],
    [0, { t: 'playbook_start', path: '/srv/site.yml', name: 'site.yml' }],
    [0, { t: 'play_start', play: 'p1', name: 'Deploy', hosts: ['all'], strategy: 'linear', serial: null }],
    [0, task('t1', 'Build', clocks(0, 1, 100))],
    [0, start('t1', 'a')],
    [10, result('t1', 'a')],
    [10, start('t1', 'b')],
    [20, result('t1', 'b')],
    [20, task('t2', 'Tag', clocks(0.008, 1.002, 100.02))],
    [20, start('t2', 'a')],
    [21, result('t2', 'a')],
    ...end(22),
  ]);
}

describe("what-if: the controller's CPUs, shared by the workers computing at once", () => {
  // forks 1, 2 hosts of 10 ms each (a 0–10, b 10–20), then one host of 1 ms; stats at 22. The shim
  // measured 8 ms of worker CPU over the first task's 2 results: 4 ms a host.
  const run = (cpus?: number) => play(cpuFrames(cpus)).analysis;

  it('counts 4 ms of CPU a host from the shim, and the controller has 1 CPU', () => {
    const a = run(1);
    expect([a.cpus, a.workerCpu]).toEqual([1, 0.004]);
    expect(parts(a)).toEqual({ wall: 22, controller: 1, forkWait: 10, hostWork: 11 });
  });

  it('2 forks: a and b compute together at half speed (done at 8), end at 14: saves 6 ms, not 10', () => {
    expect(run(1).options.map((o) => [o.forks, ms(o.wallNs)])).toEqual([[2, 16]]);
    expect(run().options.map((o) => [o.forks, ms(o.wallNs)])).toEqual([[2, 12]]); // CPUs unknown: never short
  });

  it('says so in the what-if line', () => {
    expect(whatIfLine(run(1))).toBe('forks 1 → 2: est. 22ms → 16ms (fork start-up 0ms; 1 CPU, 4ms CPU a host)');
  });
});

describe('what-if: other processes busy on the CPUs, a run on what they leave it', () => {
  // The same run; between the two task starts (20 ms) the CPUs were busy 20 ms, 8 of them the
  // workers', 2 the controller's own: other processes kept 0.5 of the 1 CPU busy, 0.5 is left.
  // Forks 1 on 0.5 CPU: a's 4 ms of CPU took 8, so its rest is 2 (b the same).
  const { analysis: a, w } = play(cpuFrames(1, true));

  it('measures what other processes took: 0.5 CPU', () => {
    expect([a.cpus, a.workerCpu, a.otherCpu]).toEqual([1, 0.004, 0.5]);
    expect(w.one('RUN site.yml').attributes).toMatchObject({ 'ansible.run.other_cpu': 0.5, 'ansible.run.worker_cpu': 0.004 });
  });

  it('2 forks: a and b share 0.5 CPU (done at 16), then 2 more: end at 18, saves 2 ms, not 6', () => {
    expect(a.options.map((o) => [o.forks, ms(o.wallNs)])).toEqual([[2, 20]]);
    expect(whatIfLine(a)).toBe('forks 1 → 2: est. 22ms → 20ms (fork start-up 0ms; 1 CPU (0.5 busy elsewhere), 4ms CPU a host)');
  });

  it("counts what sharing the CPUs cost the path: Build at full speed 12 ms, not 20; Tag's 1 ms, all CPU on half a CPU, 0.5", () => {
    expect(a.limits.find((l) => l.kind === 'cpu')).toMatchObject({ ns: 8.5 * MS, detail: '1 CPU, 0.5 busy elsewhere' });
  });
});

describe('what-if: a worker let go before its result was reported', () => {
  // forks 1: a 0–10, b 8–18; b started at 8, before a's result at 10, so a's worker was free by
  // then: a held it 8 ms, b 10. At forks 1 that is the run (0–18); at 2 both start at 0: 10.
  const { analysis } = play(
    frames([...begin(1), [0, task('t1', 'Build')], [0, start('t1', 'a')], [8, start('t1', 'b')], [10, result('t1', 'a')], [18, result('t1', 'b')], ...end(20)]),
  );

  it('estimates 2 forks from the time each host held its worker: saves 8 ms, not 10', () => {
    expect(analysis.options.map((o) => [o.forks, ms(o.wallNs), ms(o.savedNs)])).toEqual([[2, 12, 8]]);
  });

  it('bounds a worker by the next start only when every worker was taken', () => {
    const t = { host: [0, 1, 2], start: [0, 1, 9], end: [10, 12, 20] } as TimelineTask;
    // 2 workers: c took a's (the first result); a held it 9, b and c to their results
    expect(workerTimes(t, [0, 1, 2], 2, 0)).toEqual([9, 11, 11]);
    // 3 workers: c had a free one
    expect(workerTimes(t, [0, 1, 2], 3, 0)).toEqual([10, 11, 11]);
  });
});

describe('what-if: the fork start-up cost in CPU time', () => {
  // 4 hosts on 2 forks: h2 started 1 ms after h1 with one worker busy beside the controller; on
  // 1 CPU the controller had half of it then: 0.5 ms of CPU
  const h = { name: 'Build', startNs: 0, throttle: 0, host: [0, 1, 2, 3], start: [1, 2, 11, 12].map((x) => x * MS), end: [11, 12, 21, 22].map((x) => x * MS) };
  const tl = {
    forks: 2,
    hosts: ['h1', 'h2', 'h3', 'h4'],
    plays: [{ strategy: 'linear', startNs: 0, endNs: 30 * MS, tasks: [h] }],
  } as unknown as Timeline;

  it('is the gap at the share of the CPUs the controller had, the same without a CPU model', () => {
    expect(dispatchCost(tl, { cpus: 1, perJobNs: 4 * MS })).toEqual({ ns: 1 * MS, samples: 1, cpuNs: 0.5 * MS });
    expect(dispatchCost(tl, { cpus: 2, perJobNs: 4 * MS })).toEqual({ ns: 1 * MS, samples: 1, cpuNs: 1 * MS });
    expect(dispatchCost(tl)).toEqual({ ns: 1 * MS, samples: 1, cpuNs: 1 * MS });
  });

  it('takes a gap at its CPU share only where the CPUs were short, the gaps before at full speed', () => {
    // 3 forks, 2 CPUs: b 1 ms after a (a busy: 2 on 2 CPUs, full speed), c 2 ms after b (a and b
    // busy: the controller had 2/3 of a CPU): gaps 1 and 2 ms, at the CPU share 1 and 4/3 ms
    const t = { name: 'Build', startNs: 0, throttle: 0, host: [0, 1, 2], start: [0, 1, 3].map((x) => x * MS), end: [100, 100, 100].map((x) => x * MS) };
    const three = { forks: 3, hosts: ['a', 'b', 'c'], plays: [{ strategy: 'linear', startNs: 0, endNs: 100 * MS, tasks: [t] }] } as unknown as Timeline;
    const d = dispatchCost(three, { cpus: 2, perJobNs: 1 });
    expect([d.ns, d.samples]).toEqual([1.5 * MS, 2]);
    expect(d.cpuNs).toBeCloseTo((1 * MS + (4 / 3) * MS) / 2, 3);
  });
});

describe('the answer from a traces file (ansible-otel report)', () => {
  /** The spans as a traces file gives them back. */
  const fromFile = (w: MemoryWriter): PlaybookAnalysis => {
    const spans: SlimSpan[] = w.spans.map((s) => ({
      traceId: w.traceId(s),
      spanId: w.spanId(s),
      parentSpanId: s.parent ? w.spanId(s.parent) : '',
      name: s.name,
      startNs: s.startNs,
      endNs: s.endNs!,
      attributes: { ...s.attributes } as Record<string, SlimValue>,
    }));
    const builder = new ReportBuilder();
    replaySpans(spans, selectTraces(spans), builder);
    return builder.playbooks[0]!.analysis!;
  };
  it('recomputes it from the spans when every host result has its span: exactly the live answer', () => {
    for (const fs of [linearOnTwoForks(), throttledOnFourHosts(), freeOnTwoForks(), cpuFrames(1)]) {
      const live = play(fs);
      expect(fromFile(live.w)).toEqual(live.analysis);
    }
  });

  it('reads it back from the trace when host spans were sampled: parts, what-if, limit, the path from the flagged spans', () => {
    const live = play(linearOnTwoForks(), 'none');
    const back = fromFile(live.w);
    expect(back.recorded).toBe(true);
    expect(parts(back)).toEqual(parts(live.analysis));
    expect(steps(back)).toEqual(steps(live.analysis));
    expect(back.options.map((o) => [o.forks, ms(o.wallNs)])).toEqual([[4, 32]]);
    expect(back.limits).toEqual([{ kind: 'forks', share: 0.2, ns: 8 * MS, detail: 'forks 2' }]);
    expect([back.forks, back.forksLimit, ms(back.dispatchNs)]).toEqual([2, true, 1]);
  });
});

describe('what-if: the hosts in dispatch order', () => {
  const hosts = ['b', 'a', 'c'];

  it('is the columns as they are when the hosts came in start order: a view, nothing held per task', () => {
    const t = { host: [1, 0, 2], start: [1, 2, 2], end: [5, 6, 7] } as TimelineTask;
    const order = dispatchOrder(t, hosts);
    expect(Array.from(order)).toEqual([0, 1, 2]);
    expect(dispatchOrder({ ...t } as TimelineTask, hosts).buffer).toBe(order.buffer); // one array shared
  });

  it('sorts by worker start, ties by host name, as a traces file gives them', () => {
    // c at 3, then b and a both at 1 (a before b by name), given out of order
    const t = { host: [2, 0, 1], start: [3, 1, 1], end: [5, 6, 7] } as TimelineTask;
    expect(Array.from(dispatchOrder(t, hosts))).toEqual([2, 1, 0]);
  });

  it('asks the same task once: a later call returns the same order', () => {
    const t = { host: [2, 0], start: [3, 1], end: [5, 6] } as TimelineTask;
    expect(dispatchOrder(t, hosts)).toBe(dispatchOrder(t, hosts));
  });
});

describe('what-if: the median', () => {
  it('is the middle value, the mean of the two middle ones for an even count, 0 of none; it sorts its input in place', () => {
    const xs = Float64Array.of(5, 1, 3, 2);
    expect(medianInPlace(xs)).toBe(2.5);
    expect([...xs]).toEqual([1, 2, 3, 5]);
    expect(medianInPlace(Float64Array.of(7, -1, 3))).toBe(3);
    expect(medianInPlace(new Float64Array(0))).toBe(0);
    // a view: only its part is sorted
    const whole = Float64Array.of(9, 4, 8, 0);
    expect(medianInPlace(whole.subarray(0, 3))).toBe(8);
    expect([...whole]).toEqual([4, 8, 9, 0]);
  });
});

describe('what-if: the most hosts at work at once in a play', () => {
  // the oracle: at every start, the host runs that cover it (an end first at equal times)
  const byBruteForce = (tasks: TimelineTask[], endNs: number): number => {
    const runs = tasks.flatMap((t) => Array.from(t.host, (_, i) => [t.start[i] as number, Number.isNaN(t.end[i] as number) ? endNs : (t.end[i] as number)]));
    return Math.max(0, ...runs.map(([s]) => runs.filter(([a, b]) => (a as number) <= (s as number) && (b as number) > (s as number)).length));
  };
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };

  it('is the same task by task as over the whole play, for tasks apart in time and for overlapping ones', () => {
    for (let round = 0; round < 200; round++) {
      const overlapping = round % 2 === 1;
      let at = 0;
      const tasks = Array.from({ length: 1 + rand(5) }, () => {
        const n = 1 + rand(6);
        const start = Array.from({ length: n }, () => at + rand(5));
        const end = start.map((s) => (rand(10) === 0 ? Number.NaN : s + 1 + rand(8)));
        const last = Math.max(...end.map((e, i) => (Number.isNaN(e) ? (start[i] as number) : e)));
        at = overlapping ? at + rand(4) : last;
        return { host: start.map((_, i) => i), start, end } as unknown as TimelineTask;
      });
      // a cut host (NaN) runs to the play's end: it overlaps every later task
      const endNs = at + 20;
      const play = { strategy: 'linear', endNs, tasks } as unknown as TimelinePlay;
      expect(maxConcurrency(play)).toBe(byBruteForce(tasks, endNs));
    }
  });
});
