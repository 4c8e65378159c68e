// Resume (#24): a shim that lost its connection carries its run from its spool file on a new one;
// the pipeline answers with the last `seq` it applied, and the run goes on as if never cut.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Connection } from '../../src/ingest/connection.js';
import type { RunSummary } from '../../src/model/run-model.js';
import { Pipeline, WAITING_MAX } from '../../src/pipeline.js';
import type { Frame } from '../../src/protocol/frames.js';
import { Logger } from '../../src/util/log.js';
import { stream } from '../helpers/frames.js';
import { MemoryWriter } from '../helpers/memory-writer.js';

const RUN = 'r1';
const frames = (run = RUN, resume = true): Frame[] =>
  stream(
    [
      { t: 'hello', resume },
      { t: 'playbook_start', path: '/p/site.yml' },
      { t: 'play_start', play: 'p1', name: 'play' },
      { t: 'task_start', task: 't1', name: 'first' },
      { t: 'host_start', task: 't1', host: 'h1' },
      { t: 'host_result', task: 't1', host: 'h1', status: 'ok' },
      { t: 'task_start', task: 't2', name: 'second' },
      { t: 'host_start', task: 't2', host: 'h1' },
      { t: 'host_result', task: 't2', host: 'h1', status: 'ok' },
      { t: 'stats', hosts: { h1: { ok: 2 } } },
      { t: 'bye' },
    ],
    run,
  );
const resume = (seq: number, leftover?: boolean, run = RUN): Frame => ({ v: 1, t: 'resume', run, seq, ts: 1, ...(leftover ? { leftover } : {}) });
const eof = (seq: number, run = RUN): Frame => ({ v: 1, t: 'eof', run, seq, ts: 2 });

let nextId = 1;
/** A connection whose replies are kept; `ws` ones are resumable. */
function connection(ws = true): Connection & { lines: string[] } {
  const lines: string[] = [];
  return { id: nextId++, reply: (l) => lines.push(l), resumable: ws, lines };
}

function setup(done: string[] = []) {
  const writer = new MemoryWriter();
  const said: string[] = [];
  const ended: RunSummary[] = [];
  const last: { run: string; seq: number; reply?: ((l: string) => void) | undefined }[] = [];
  const pipeline = new Pipeline(
    writer,
    new Logger((l) => said.push(l)),
    (r) => ended.push(r),
    {},
    (run, seq, reply) => last.push({ run: run.runId, seq, reply }),
    { resumeGate: { done: (id) => done.includes(id) }, resumeGraceMs: 60_000 },
  );
  return { writer, said, ended, last, pipeline };
}

const shape = (w: MemoryWriter): string[] =>
  w.spans.map((s) => `${s.name} ${s.status?.code ?? 'open'}${s.attributes['ansible.run.interrupted'] ? ' interrupted' : ''}`).sort();

function undisturbed(): string[] {
  const { writer, pipeline } = setup();
  const c = connection();
  for (const f of frames()) pipeline.applyFrame(c, f);
  pipeline.onClose(c);
  return shape(writer);
}

const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l));

afterEach(() => vi.useRealTimers());

describe('resume (#24)', () => {
  it('a run whose WebSocket was lost mid-run stays open; resumed, it goes on from the last frame applied', () => {
    const { writer, pipeline, ended, last } = setup();
    const all = frames();
    const first = connection();
    for (const f of all.slice(0, 6)) pipeline.applyFrame(first, f);
    expect(pipeline.onClose(first)).toBeUndefined();
    expect(ended).toEqual([]);
    expect(pipeline.resumeState.waiting).toBe(1);
    expect(writer.open().length).toBeGreaterThan(0); // nothing ended as interrupted

    const second = connection();
    expect(pipeline.applyFrame(second, resume(7))).toBe(true);
    expect(parsed(second.lines)).toEqual([{ t: 'ready', ack: true, resume: true, run: RUN, applied: 5 }]);
    for (const f of all.slice(6)) pipeline.applyFrame(second, f);
    expect(last.map((l) => [l.run, l.seq])).toEqual([[RUN, 10]]);
    last[0]!.reply!('{"t":"ack"}\n'); // the ack goes to the connection that carries the run now
    expect(second.lines.at(-1)).toBe('{"t":"ack"}\n');
    pipeline.onClose(second);
    expect(ended.map((r) => [r.runId, r.interrupted, r.framesMissing])).toEqual([[RUN, false, 0]]);
    expect(shape(writer)).toEqual(undisturbed());
  });

  it('a run not resumed within the grace ends as interrupted', () => {
    vi.useFakeTimers();
    const { writer, pipeline, ended } = setup();
    const c = connection();
    for (const f of frames().slice(0, 6)) pipeline.applyFrame(c, f);
    pipeline.onClose(c);
    vi.advanceTimersByTime(59_000);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect(ended.map((r) => r.interrupted)).toEqual([true]);
    expect(writer.open()).toEqual([]);
    expect(pipeline.resumeState).toEqual({ waiting: 0, resumable: 0, moved: 0 });
  });

  it('a sidecar that does not know the run answers -1, and the run starts over from hello', () => {
    const { writer, pipeline, last } = setup();
    const c = connection();
    pipeline.applyFrame(c, resume(10));
    expect(parsed(c.lines)).toEqual([{ t: 'ready', ack: true, resume: true, run: RUN, applied: -1 }]);
    for (const f of frames()) pipeline.applyFrame(c, f);
    expect(last.map((l) => l.seq)).toEqual([10]);
    pipeline.onClose(c);
    expect(shape(writer)).toEqual(undisturbed());
  });

  it('a run out whole (marked) is acked at once and never applied again', () => {
    const { writer, pipeline, ended } = setup([RUN]);
    const c = connection();
    pipeline.applyFrame(c, resume(10));
    expect(parsed(c.lines)).toEqual([
      { t: 'ready', ack: true, resume: true, run: RUN, applied: 10 },
      { t: 'ack', run: RUN, seq: 10 },
    ]);
    pipeline.onClose(c);
    expect([writer.spans.length, ended.length, pipeline.counters.runsStarted]).toEqual([0, 0, 0]);
  });

  it('a run whose connection closed after bye, before its ack, is taken over: the ack goes to the new connection', () => {
    const { pipeline, last, ended } = setup();
    const first = connection();
    for (const f of frames()) pipeline.applyFrame(first, f);
    pipeline.onClose(first);
    expect(ended.length).toBe(1);
    const second = connection();
    pipeline.applyFrame(second, resume(10));
    expect(parsed(second.lines)).toEqual([{ t: 'ready', ack: true, resume: true, run: RUN, applied: 10 }]);
    last[0]!.reply!('ack\n');
    expect(second.lines.at(-1)).toBe('ack\n');
    pipeline.release(RUN);
    pipeline.onClose(second);
    expect(ended.length).toBe(1);
    expect(pipeline.resumeState).toEqual({ waiting: 0, resumable: 0, moved: 0 });
  });

  it('over a Unix socket a lost connection ends the run at once; a resume starts it over', () => {
    const { pipeline, ended } = setup();
    const c = connection(false);
    for (const f of frames().slice(0, 6)) pipeline.applyFrame(c, f);
    pipeline.onClose(c);
    expect(ended.map((r) => r.interrupted)).toEqual([true]);
    const again = connection(false);
    pipeline.applyFrame(again, resume(7));
    expect(parsed(again.lines)[0].applied).toBe(-1);
  });

  it('a resume while the old connection is still open takes the run over; what comes on the old one is dropped', () => {
    const { pipeline, ended, writer } = setup();
    const all = frames();
    const old = connection();
    for (const f of all.slice(0, 6)) pipeline.applyFrame(old, f);
    const fresh = connection();
    pipeline.applyFrame(fresh, resume(7));
    expect(pipeline.applyFrame(old, all[6]!)).toBe(false);
    pipeline.onClose(old);
    expect(ended).toEqual([]);
    for (const f of all.slice(6)) pipeline.applyFrame(fresh, f);
    pipeline.onClose(fresh);
    expect(shape(writer)).toEqual(undisturbed());
    expect(pipeline.resumeState.moved).toBe(0);
  });

  it("a leftover file without bye ends at eof, as interrupted, and its last frame's hook asks for the ack", () => {
    const { pipeline, ended, last, writer } = setup();
    const c = connection();
    pipeline.applyFrame(c, resume(5, true));
    for (const f of frames().slice(0, 6)) pipeline.applyFrame(c, f);
    pipeline.applyFrame(c, eof(5));
    expect(ended.map((r) => r.interrupted)).toEqual([true]);
    expect(last.map((l) => l.seq)).toEqual([5]);
    expect(writer.open()).toEqual([]);
    pipeline.onClose(c);
    expect(ended.length).toBe(1);
  });

  it('a file replay (no connection to answer) passes over resume and eof', () => {
    const { pipeline, said, ended } = setup();
    const file = { id: -1 };
    for (const f of [resume(3), ...frames(), eof(10)]) expect(pipeline.applyFrame(file, f)).toBe(true);
    pipeline.onClose(file);
    expect(ended.map((r) => r.interrupted)).toEqual([false]);
    expect(said).toEqual([]);
  });

  it('a resume after other frames on the connection is refused', () => {
    const { pipeline, said } = setup();
    const c = connection();
    pipeline.applyFrame(c, frames()[0]!);
    expect(pipeline.applyFrame(c, resume(0))).toBe(false);
    expect(said.join('')).toContain('late_resume');
  });

  it(`keeps at most ${WAITING_MAX} runs waiting: the longest waiting ends first`, () => {
    const { pipeline, ended } = setup();
    for (let i = 0; i <= WAITING_MAX; i++) {
      const c = connection();
      for (const f of frames(`run-${i}`).slice(0, 2)) pipeline.applyFrame(c, f);
      pipeline.onClose(c);
    }
    expect(pipeline.resumeState.waiting).toBe(WAITING_MAX);
    expect(ended.map((r) => r.runId)).toEqual(['run-0']);
    pipeline.endAll();
    expect(pipeline.resumeState).toEqual({ waiting: 0, resumable: 0, moved: 0 });
    expect(ended.length).toBe(WAITING_MAX + 1);
  });
});
