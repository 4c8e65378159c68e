// The pipeline's guard: a frame that breaks its run (here: a writer that throws, standing in for a
// bug behind the validator) ends that run, is counted and said once, and never reaches the caller.
import { describe, expect, it } from 'vitest';
import { Pipeline } from '../../src/pipeline.js';
import type { SpanStatus, StartSpanOptions } from '../../src/model/trace-writer.js';
import { Logger } from '../../src/util/log.js';
import { stream } from '../helpers/frames.js';
import { MemoryWriter, type MemorySpan } from '../helpers/memory-writer.js';

/** Throws when asked to start the span `start`, or after ending the span `end`. */
class FaultyWriter extends MemoryWriter {
  constructor(private readonly poison: { start?: string; end?: string }) {
    super();
  }

  override startSpan(o: StartSpanOptions<MemorySpan>): MemorySpan {
    if (o.name === this.poison.start) throw new TypeError(`cannot start ${o.name}`);
    return super.startSpan(o);
  }

  override endSpan(span: MemorySpan, endNs: number, status: SpanStatus): void {
    super.endSpan(span, endNs, status);
    if (span.name === this.poison.end) throw new Error('exporter went away');
  }
}

function pipelineWith(writer: MemoryWriter) {
  const lines: string[] = [];
  const ended: string[] = [];
  const pipeline = new Pipeline(writer, new Logger((l) => lines.push(l)), (run) => ended.push(run.runId));
  return { pipeline, lines, ended };
}

const line = (f: object): string => JSON.stringify(f);

const run = (id: string, second: string) =>
  stream(
    [
      { t: 'hello' },
      { t: 'playbook_start', path: '/p/site.yml' },
      { t: 'play_start', play: 'p1', name: 'play' },
      { t: 'task_start', task: 't1', name: 'first' },
      { t: 'host_start', task: 't1', host: 'h1' },
      { t: 'task_start', task: 't2', name: second },
      { t: 'host_result', task: 't2', host: 'h1', status: 'ok' },
      { t: 'stats', hosts: { h1: { ok: 1 } } },
      { t: 'bye' },
    ],
    id,
  );

describe('pipeline guard', () => {
  it('ends a run whose frame throws as interrupted, names the failure, refuses its later frames, and spares the other runs', () => {
    const writer = new FaultyWriter({ start: 'boom' });
    const { pipeline, lines, ended } = pipelineWith(writer);
    const bad = { id: 1 };
    const good = { id: 2 };
    const badFrames = run('bad', 'boom');
    const goodFrames = run('good', 'fine');
    for (let i = 0; i < badFrames.length; i++) {
      expect(() => pipeline.onLine(bad, line(badFrames[i]!))).not.toThrow();
      pipeline.onLine(good, line(goodFrames[i]!));
    }
    pipeline.onClose(bad);
    pipeline.onClose(good);

    expect(writer.open()).toEqual([]);
    const badSpans = writer.spans.filter((s) => rootOf(s).attributes['ansible.session'] === 'bad');
    expect(badSpans.map((s) => s.name).sort()).toEqual(['RUN site.yml', 'first', 'h1', 'play']);
    for (const s of badSpans) {
      expect(s.status?.code).toBe('error');
      expect(s.attributes['ansible.run.interrupted']).toBe(true);
      expect(s.attributes['ansible.run.failure']).toBe('task_start #5: TypeError: cannot start boom');
      expect(s.attributes['error.type']).toBe('interrupted');
    }
    const goodRoot = writer.spans.find((s) => s.attributes['ansible.session'] === 'good')!;
    expect(goodRoot.status).toEqual({ code: 'unset' });
    expect(writer.spans.filter((s) => rootOf(s) === goodRoot).map((s) => s.name)).toContain('fine');

    expect(pipeline.counters.runsFailed).toBe(1);
    expect(pipeline.counters.framesRejected).toBe(3); // host_result, stats and bye of the failed run
    expect(lines.filter((l) => l.includes('run bad'))).toHaveLength(1);
    expect(lines.join('')).not.toContain('connection 1: run_failed');
    expect(ended.sort()).toEqual(['bad', 'good']);
  });

  it('contains a failure while ending a run at end of stream', () => {
    const writer = new FaultyWriter({ end: 'first' }); // MemoryWriter throws if the sweep ends it again
    const { pipeline, lines } = pipelineWith(writer);
    const conn = { id: 7 };
    for (const f of run('cut', 'second').slice(0, 5)) pipeline.onLine(conn, line(f));
    expect(() => pipeline.onClose(conn)).not.toThrow();
    expect(writer.open()).toEqual([]);
    expect(pipeline.counters.runsFailed).toBe(1);
    expect(lines.join('')).toContain('run cut: failed on frame end of run: Error: exporter went away');
  });

  it('shows a value nested deeper than the stack as a notice, without failing the run', () => {
    const writer = new MemoryWriter();
    const { pipeline } = pipelineWith(writer);
    const deep = `${'['.repeat(300_000)}${']'.repeat(300_000)}`; // JSON.parse takes it, JSON.stringify cannot
    const frames = run('deep', 'second').map((f) =>
      f.t === 'task_start' ? { ...f, args: { x: 'DEEP' } } : f.t === 'host_result' ? { ...f, res: { msg: 'DEEP' } } : f,
    );
    for (const f of frames) pipeline.onLine({ id: 3 }, line(f).replace('"DEEP"', deep));
    pipeline.onClose({ id: 3 });
    expect(pipeline.counters.runsFailed).toBe(0);
    expect(writer.one('second').attributes['ansible.task.args.value']).toEqual(['[not shown: nested too deep]']);
    expect(writer.open()).toEqual([]);
  });

  it('contains a failure of what reports a run end', () => {
    const writer = new MemoryWriter();
    const lines: string[] = [];
    const pipeline = new Pipeline(writer, new Logger((l) => lines.push(l)), () => {
      throw new Error('job summary file: permission denied');
    });
    const conn = { id: 9 };
    for (const f of run('reported', 'second')) pipeline.onLine(conn, line(f));
    expect(() => pipeline.onClose(conn)).not.toThrow();
    expect(lines.join('')).toContain('run reported: reporting its end failed: Error: job summary file: permission denied');
    expect(writer.open()).toEqual([]);
  });
});

function rootOf(s: MemorySpan): MemorySpan {
  while (s.parent) s = s.parent;
  return s;
}
