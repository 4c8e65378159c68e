import { describe, expect, it } from 'vitest';
import { RunModel } from '../../src/model/run-model.js';
import type { Frame } from '../../src/protocol/frames.js';
import { painter } from '../../src/sinks/ansi.js';
import { LiveState } from '../../src/watch/live-state.js';
import { PlainView, bar, ttyBlock } from '../../src/watch/watch-view.js';
import { stream } from '../helpers/frames.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { loadFrames } from '../helpers/recorded-run.js';

const T0 = 1_700_000_000_000_000_000;
const MS = 1_000_000;

function feed(frames: Frame[]): LiveState {
  const live = new LiveState();
  const model = new RunModel(new MemoryWriter(), frames[0]!.run, live);
  for (const f of frames) model.apply(f);
  return live;
}

// Three hosts; h2 fails the first task, so the second runs on two; h3 is still running at the end.
const rollout = stream([
  { t: 'hello', pid: 1, hostname: 'ctl', user: 'ops' },
  { t: 'playbook_start', path: '/p/site.yml', name: 'site.yml' },
  { t: 'play_start', play: 'p1', name: 'Web', hosts: ['web'], host_count: 3 },
  { t: 'task_start', task: 't1', name: 'install', action: 'apt', handler: false },
  { t: 'host_start', task: 't1', host: 'h1', ts: T0 + 10 * MS },
  { t: 'host_start', task: 't1', host: 'h2', ts: T0 + 10 * MS },
  { t: 'host_start', task: 't1', host: 'h3', ts: T0 + 10 * MS },
  { t: 'host_result', task: 't1', host: 'h1', status: 'ok', changed: true, ts: T0 + 20 * MS },
  { t: 'host_result', task: 't1', host: 'h2', status: 'failed', changed: false, ts: T0 + 30 * MS },
  { t: 'host_result', task: 't1', host: 'h3', status: 'ok', changed: false, ts: T0 + 90 * MS },
  { t: 'task_start', task: 't2', name: 'restart', action: 'service', handler: false, ts: T0 + 100 * MS },
  { t: 'host_start', task: 't2', host: 'h1', ts: T0 + 100 * MS },
  { t: 'host_start', task: 't2', host: 'h3', ts: T0 + 100 * MS },
  { t: 'host_result', task: 't2', host: 'h1', status: 'ok', changed: false, ts: T0 + 110 * MS },
]);

describe('live state', () => {
  it('tracks the current task: hosts done / total (failed hosts leave the play), failures, the slowest host still running', () => {
    const live = feed(rollout);
    const [run] = live.snapshot(T0 + 500 * MS);
    expect(run).toMatchObject({
      playbook: 'site.yml',
      controller: 'ctl',
      user: 'ops',
      state: 'running',
      play: 'Web',
      tasksDone: 1,
      failures: 1,
      hostsSeen: 3,
      elapsedMs: 499,
    });
    expect(run!.task).toMatchObject({
      name: 'restart',
      hostsDone: 1,
      hostsTotal: 2,
      hostsRunning: 1,
      failed: 0,
      durationMs: 400,
      slowest: { host: 'h3', ms: 400, running: true },
    });
    const [first] = live.takeFinishedTasks();
    expect(first!.task).toMatchObject({
      name: 'install',
      hostsDone: 3,
      hostsTotal: 3,
      hostsRunning: 0,
      failed: 1,
      durationMs: 87,
      slowest: { host: 'h3', ms: 80, running: false },
    });
    expect(live.takeFinishedTasks()).toEqual([]);
  });

  it('hands each ended playbook over once, final, and forgets it', () => {
    const live = feed([
      ...rollout,
      ...stream([{ t: 'stats', hosts: { h1: { ok: 2 }, h2: { failures: 1 }, h3: { ok: 1 } }, ts: T0 + 200 * MS }], 'run-1').map((f) => ({ ...f, seq: 99 })),
      // the playbook ends when the command says how it ended
      ...stream([{ t: 'bye', dropped: 0, ts: T0 + 210 * MS }], 'run-1').map((f) => ({ ...f, seq: 100 })),
    ]);
    const ended = live.takeEnded();
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ state: 'ended', result: 'failure', elapsedMs: 199, tasksDone: 2, failures: 1 });
    expect(live.takeEnded()).toEqual([]);
    expect(live.snapshot(T0)).toEqual([]);
    expect(live.takeFinishedTasks().map((t) => t.task.name)).toEqual(['install', 'restart']);
  });

  it('follows a recorded real run to its end, one finished task per task start', () => {
    const frames = loadFrames('shim-features');
    const live = feed(frames);
    const starts = frames.filter((f) => f.t === 'task_start').length;
    const finished = live.takeFinishedTasks();
    expect(finished).toHaveLength(starts);
    expect(live.takeEnded()).toHaveLength(1);
    // one host (localhost): each task finished on it; totals never above play_start's host_count
    expect(finished.every((t) => t.task.hostsDone === 1 && (t.task.hostsTotal ?? 1) <= 1)).toBe(true);
  });
});

describe('watch views', () => {
  const paint = painter(false);

  it('plain: a start line once, a line per finished task, progress only after the interval, the end', () => {
    const live = feed(rollout);
    const view = new PlainView(paint, 10_000);
    const state = { type: 'state' as const, nowNs: T0 + 500 * MS, runs: live.snapshot(T0 + 500 * MS) };
    expect(view.lines(state, 0)).toEqual(['site.yml [run-1] started on ctl as ops']);
    const [task] = live.takeFinishedTasks();
    expect(view.lines({ type: 'task', ...task! }, 1000)).toEqual([
      'site.yml [run-1] play "Web" · task "install" · 3/3 hosts · 1 failed · 87ms · slowest h3 80ms',
    ]);
    expect(view.lines(state, 5000)).toEqual([]);
    expect(view.lines(state, 11_001)).toEqual([
      'site.yml [run-1] play "Web" · task "restart" (running) · 1/2 hosts · 0 failed · 400ms · slowest h3 400ms (running)',
    ]);
    const ended = { ...state.runs[0]!, state: 'ended' as const, result: 'failure' as const, tasksDone: 2 };
    expect(view.lines({ type: 'ended', run: ended }, 12_000)).toEqual(['site.yml [run-1] ended: failure after 499ms · 2 tasks · 3 hosts · 1 failure']);
  });

  it('tty: three lines per run with a progress bar, cut to the width', () => {
    const live = feed(rollout);
    const lines = ttyBlock(live.snapshot(T0 + 500 * MS), paint, 60);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('site.yml [run-1] · 499ms · 1 task done · 1 failure');
    expect(lines[2]!.startsWith(`  ${bar(1, 2, 20)} 1/2 hosts · 1 running`)).toBe(true);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(60);
    expect(bar(0, 4, 4)).toBe('░░░░');
    expect(bar(4, 4, 4)).toBe('████');
    expect(ttyBlock([], paint, 60)).toEqual(['waiting for runs…']);
  });
});
