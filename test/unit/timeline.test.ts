// The timeline's columns: a linear play's tasks that are over are sealed into typed arrays of
// their length (the memory of a run of 1,000,000 host results); the numbers, and the analysis
// over them, stay the same; a result that comes for a sealed task after all still lands.
import { describe, expect, it } from 'vitest';
import { analyzeTimeline } from '../../src/analysis/playbook-analysis.js';
import { MAX_KEPT, ScratchColumn } from '../../src/analysis/scratch.js';
import { TimelineRecorder, type Timeline } from '../../src/analysis/timeline.js';
import type { HostResultEvent } from '../../src/model/run-observer.js';

const RUN = { runId: 'r', pipelineRunId: 'p', playbook: 'site.yml', playbookPath: '/site.yml', traceId: 'a'.repeat(32), rootSpanId: 'b'.repeat(16) };
const MS = 1e6;

/** Events of one play of `tasks` tasks on `hosts` hosts, each host 3–5 ms after a 1 ms start-up gap. */
function record(strategy: string, tasks: number, hosts: number, late?: (r: TimelineRecorder) => void): Timeline {
  const r = new TimelineRecorder();
  r.playbookStart({ ...RUN, startNs: 0, spanId: 'root', forks: 2 });
  r.playStart({ ...RUN, play: 'web', playUuid: 'p1', startNs: MS, batch: 1, spanId: 'play', strategy });
  let t0 = 2 * MS;
  for (let k = 0; k < tasks; k++) {
    const taskUuid = `t${k}`;
    r.taskStart({ ...RUN, play: 'web', task: `task ${k}`, taskUuid, handler: false, startNs: t0, spanId: `s${k}` });
    for (let h = 0; h < hosts; h++) {
      const startNs = t0 + (h + 1) * MS;
      const endNs = startNs + (3 + ((h * 7 + k) % 3)) * MS;
      r.hostStart({ ...RUN, task: `task ${k}`, taskUuid, host: `h${h}`, startNs, taskSpanId: `s${k}` });
      r.hostResult(result(k, h, startNs, endNs));
    }
    t0 += (hosts + 8) * MS;
  }
  late?.(r);
  return r.finish(t0 + MS, false) as Timeline;
}

function result(k: number, h: number, startNs: number, endNs: number): HostResultEvent {
  return {
    ...RUN,
    play: 'web',
    task: `task ${k}`,
    taskUuid: `t${k}`,
    taskRunId: `t${k}`,
    handler: false,
    host: `h${h}`,
    status: 'ok',
    startNs,
    endNs,
    items: 0,
    retries: 0,
    spanId: `x${k}-${h}`,
    changed: false,
    taskSpanId: `s${k}`,
  };
}

describe('timeline: the columns of tasks that are over', () => {
  it('seals a linear play’s earlier tasks into typed arrays holding the same numbers, and leaves the running one growing', () => {
    const tl = record('linear', 3, 4);
    const [t0, t1, t2] = tl.plays[0]?.tasks ?? [];
    for (const t of [t0, t1]) {
      expect(t?.host).toBeInstanceOf(Uint32Array);
      expect(t?.start).toBeInstanceOf(Float64Array);
      expect(t?.end).toBeInstanceOf(Float64Array);
    }
    expect(Array.isArray(t2?.host)).toBe(true); // the last task: no task after it sealed it
    expect(Array.from(t0?.host ?? [])).toEqual([0, 1, 2, 3]);
    expect(Array.from(t1?.start ?? [])).toEqual([15, 16, 17, 18].map((n) => n * MS));
    expect(Array.from(t1?.end ?? [])).toEqual([19, 21, 20, 22].map((n) => n * MS));
  });

  it('gives the same analysis as the same timeline in plain arrays', () => {
    const tl = record('linear', 6, 5);
    const plain: Timeline = structuredClone(tl);
    for (const t of plain.plays.flatMap((p) => p.tasks)) Object.assign(t, { host: Array.from(t.host), start: Array.from(t.start), end: Array.from(t.end) });
    expect(plain.plays[0]?.tasks.every((t) => Array.isArray(t.host))).toBe(true);
    const sealed = analyzeTimeline(tl);
    expect(sealed.options.length).toBeGreaterThan(0);
    expect(sealed).toEqual(analyzeTimeline(plain));
  });

  it('takes a result for a task already sealed (events out of order) at the end of its columns', () => {
    const tl = record('linear', 2, 2, (r) => r.hostResult(result(0, 5, 40 * MS, 44 * MS)));
    const first = tl.plays[0]?.tasks[0];
    expect(Array.from(first?.host ?? [])).toEqual([0, 1, 2]);
    expect(tl.hosts[2]).toBe('h5');
    expect(Array.from(first?.start ?? []).at(-1)).toBe(40 * MS);
    expect(Array.from(first?.end ?? []).at(-1)).toBe(44 * MS);
  });

  it('leaves a free play’s tasks growing: their results interleave to the play’s end', () => {
    const tl = record('free', 3, 2);
    expect(tl.plays[0]?.tasks.every((t) => Array.isArray(t.host))).toBe(true);
  });
});

describe('analysis scratch columns', () => {
  it('reuses one column up to MAX_KEPT numbers, and gives a larger request an array of its own', () => {
    const c = new ScratchColumn();
    const a = c.take(10);
    a.fill(7);
    const b = c.take(20);
    expect(b.length).toBe(20);
    expect(c.take(10).buffer).toBe(b.buffer); // kept: the next take reuses it
    const big = c.take(MAX_KEPT + 1);
    expect(big.length).toBe(MAX_KEPT + 1);
    expect(big.buffer).not.toBe(b.buffer);
    expect(c.take(MAX_KEPT).buffer.byteLength).toBe(MAX_KEPT * 8); // never more than MAX_KEPT kept
  });
});
