// The output marks and the gate in front of the event-fed outputs (metrics, Slack, the webhook,
// the events file, the history): an output is given each frame's events once, across replays.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AggregationTemporality, DataPointType, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { OutputGate, RUNS_KEPT, type MarkedSink } from '../../src/export/ledger/output-gate.js';
import { OutputMarks } from '../../src/export/ledger/output-marks.js';
import { FrameCursor, RUN_END } from '../../src/model/frame-cursor.js';
import type { HostResultEvent } from '../../src/model/run-observer.js';
import { MetricAcks, NotTaken } from '../../src/export/metric-acks.js';
import { tempDir } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';

/** An output that takes what it is handed when the test says so. */
class Output implements MarkedSink {
  readonly name = 'memory';
  readonly got: string[] = [];
  private release: (() => void)[] = [];
  constructor(readonly mark: string) {}
  hostResult(e: HostResultEvent): void {
    this.got.push(e.host);
  }
  taken(): Promise<void> {
    return new Promise((resolve) => this.release.push(resolve));
  }
  /** Everything handed so far is taken. */
  take(): void {
    for (const r of this.release.splice(0)) r();
  }
  get waiting(): boolean {
    return this.release.length > 0;
  }
}

const result = (host: string) => ({ host }) as HostResultEvent;

/** One sidecar: a cursor, a gate over one output, and a way to apply a "frame" that gives one host result. */
function sidecar(dir: string, o: { force?: boolean } = {}) {
  const cursor = new FrameCursor();
  const marks = new OutputMarks(dir);
  const gate = new OutputGate(marks, cursor, { force: o.force, checkpointSpacingMs: 0 });
  const output = new Output('webhook');
  const gated = gate.wrap(output);
  const model = {};
  const frame = (runId: string, seq: number, mayRepeat: boolean, host = `h${seq}`, owner: object = model): void =>
    cursor.at(runId, seq, mayRepeat, owner, () => gated.hostResult!(result(host)));
  return { cursor, marks, gate, output, frame, model };
}

/** Waits until the output was asked, lets it take everything, and waits for the marks to be on disk. */
async function taken(s: ReturnType<typeof sidecar>, runId: string, output = 'webhook'): Promise<Map<string, number>> {
  await until(() => s.output.waiting, 10_000);
  s.output.take();
  let marks = new Map<string, number>();
  await until(() => (marks = s.marks.read(runId)).has(output) || marks.has(`${output}/end`), 10_000);
  return marks;
}

describe('output marks', () => {
  it('keep the highest frame per output and the end apart; a torn line is ignored', async () => {
    const dir = tempDir();
    const marks = new OutputMarks(dir);
    await marks.record([
      { runId: 'r', output: 'metrics', seq: 4 },
      { runId: 'r', output: 'metrics', seq: 9 },
      { runId: 'other', output: 'metrics', seq: 50 },
      { runId: 'r', output: 'history', seq: RUN_END },
    ]);
    const [file] = readdirSync(dir);
    appendFileSync(join(dir, file!), '0123'); // cut short by a crash
    await marks.record([{ runId: 'r', output: 'metrics', seq: 7 }]);
    expect(Object.fromEntries(marks.read('r'))).toEqual({ metrics: 9, 'history/end': RUN_END });
    expect(marks.read('never')).toEqual(new Map());
  });

  it('a past hour keeps one line per run and output slot, the highest; reads give the same', async () => {
    const dir = tempDir();
    let now = 5 * 3_600_000;
    const marks = new OutputMarks(dir, () => now);
    for (const seq of [1, 2, 3]) await marks.record([{ runId: 'r', output: 'metrics', seq }]);
    await marks.record([
      { runId: 'r', output: 'metrics', seq: RUN_END },
      { runId: 's', output: 'webhook', seq: 9 },
    ]);
    const before = Object.fromEntries(marks.read('r'));
    now += 3_600_000; // the next hour's first write compacts the hour before
    await marks.record([{ runId: 't', output: 'history', seq: 1 }]);
    expect(readdirSync(dir).sort()).toEqual(['marks-5.c', 'marks-6']);
    expect(Object.fromEntries(marks.read('r'))).toEqual(before);
    expect(Object.fromEntries(marks.read('s'))).toEqual({ webhook: 9 });
    expect(readFileSync(join(dir, 'marks-5.c'), 'utf8').split('\n').filter(Boolean).length).toBe(3);
  });

  it('refuse a name that could break a line', async () => {
    await expect(new OutputMarks(tempDir()).record([{ runId: 'r', output: 'a b', seq: 1 }])).rejects.toThrow(/not an output name/);
  });
});

describe('the output gate', () => {
  it('gives a new run everything and marks it once the output has taken it', async () => {
    const dir = tempDir();
    const s = sidecar(dir);
    for (const seq of [0, 1, 2]) s.frame('run', seq, false);
    expect(s.output.got).toEqual(['h0', 'h1', 'h2']);
    expect(s.marks.read('run').size).toBe(0); // not taken yet: no mark
    expect(Object.fromEntries(await taken(s, 'run'))).toEqual({ webhook: 2 });
  });

  it('keeps from a replay what the killed sidecar’s output took, and gives it the rest', async () => {
    const dir = tempDir();
    const first = sidecar(dir);
    for (const seq of [0, 1, 2]) first.frame('run', seq, false);
    await taken(first, 'run');
    first.frame('run', 3, false); // handed, never taken: the sidecar dies here
    const next = sidecar(dir);
    for (const seq of [0, 1, 2, 3, 4]) next.frame('run', seq, true);
    next.frame('run', RUN_END, true, 'end');
    expect(next.output.got).toEqual(['h3', 'h4', 'end']);
    expect(next.gate.suppressed.get('webhook')).toBe(3);
  });

  it('keeps an interrupted run’s end apart from its frames: a replay that knows more frames gives those, not the end', async () => {
    const dir = tempDir();
    const first = sidecar(dir);
    first.frame('run', 0, false);
    first.frame('run', RUN_END, false, 'end'); // cut off: ended as interrupted
    await taken(first, 'run');
    await until(() => first.marks.read('run').has('webhook/end'), 10_000);
    const next = sidecar(dir);
    for (const seq of [0, 1]) next.frame('run', seq, true);
    next.frame('run', RUN_END, true, 'end');
    expect(next.output.got).toEqual(['h1']);
  });

  it('passes the output’s start and shutdown through, as the output itself', async () => {
    const calls: string[] = [];
    const output = new Output('events');
    const gate = new OutputGate(new OutputMarks(tempDir()), new FrameCursor());
    const lifecycle = Object.assign(output, {
      start: async function (this: Output) {
        calls.push(`start ${this.mark}`);
      },
      shutdown: async function (this: Output, deadlineMs: number) {
        calls.push(`shutdown ${this.mark} ${deadlineMs}`);
      },
    });
    const gated = gate.wrap(lifecycle);
    await gated.start?.();
    await gated.shutdown?.(250);
    expect(calls).toEqual(['start events', 'shutdown events 250']);
  });

  it('reads no marks for a live run that is new here', async () => {
    const dir = tempDir();
    await new OutputMarks(dir).record([{ runId: 'run', output: 'webhook', seq: 5 }]);
    const s = sidecar(dir);
    s.frame('run', 0, false);
    expect(s.output.got).toEqual(['h0']);
  });

  it('the same run again in one sidecar (cut off, then its spool replayed): what was handed is not given twice, marked or not', () => {
    const s = sidecar(tempDir());
    for (const seq of [0, 1]) s.frame('run', seq, false);
    const replayed = {};
    for (const seq of [0, 1, 2]) s.frame('run', seq, true, `h${seq}`, replayed);
    expect(s.output.got).toEqual(['h0', 'h1', 'h2']);
  });

  it('--force gives everything again, and marks it', async () => {
    const dir = tempDir();
    await new OutputMarks(dir).record([{ runId: 'run', output: 'webhook', seq: 5 }]);
    const s = sidecar(dir, { force: true });
    for (const seq of [0, 1]) s.frame('run', seq, true);
    expect(s.output.got).toEqual(['h0', 'h1']);
    await until(() => s.output.waiting, 10_000);
    s.output.take();
    await s.gate.flush();
    expect(s.marks.read('run').get('webhook')).toBe(5); // the highest mark stands
  });

  it('lets go of an ended run once its marks are on disk, and holds at most RUNS_KEPT runs', async () => {
    const s = sidecar(tempDir());
    s.frame('a', 0, false);
    s.gate.runEnded('a');
    expect(s.gate.held).toBe(1); // not marked yet
    await taken(s, 'a');
    await until(() => s.gate.held === 0, 10_000);
    for (let i = 0; i < RUNS_KEPT + 5; i++) s.frame(`r${i}`, 0, false);
    expect(s.gate.held).toBe(RUNS_KEPT);
  });

  it('a settled run (marked done) leaves at once', () => {
    const s = sidecar(tempDir());
    s.frame('a', 0, false);
    s.gate.release('a');
    expect(s.gate.held).toBe(0);
  });
});

/** A collection made at `ms`, as the SDK stamps its points. */
const collection = (ms: number): ResourceMetrics =>
  ({
    resource: {},
    scopeMetrics: [
      {
        scope: { name: 's' },
        metrics: [
          {
            descriptor: { name: 'm' },
            dataPointType: DataPointType.SUM,
            aggregationTemporality: AggregationTemporality.CUMULATIVE,
            isMonotonic: true,
            dataPoints: [{ startTime: [0, 0], endTime: [Math.floor(ms / 1000), (ms % 1000) * 1e6], attributes: {}, value: 1 }],
          },
        ],
      },
    ],
  }) as unknown as ResourceMetrics;

describe('metric acknowledgements', () => {
  it('say taken once a collection made after the call was acknowledged by every push destination', async () => {
    const acks = new MetricAcks();
    const otlp = {};
    const file = {};
    acks.register(otlp);
    acks.register(file);
    const asked = Date.now();
    let done = false;
    // the time is given: on a loaded machine the clock may pass asked + 2 before taken() reads it
    const taken = acks.taken(asked).then(() => (done = true));
    acks.exported(otlp, collection(asked - 5)); // made before: may lack what was recorded
    acks.exported(file, collection(asked + 1));
    await Promise.resolve();
    expect(done).toBe(false);
    acks.exported(otlp, collection(asked + 2));
    await taken;
    expect(done).toBe(true);
  });

  it('count an export acknowledged after the events and before the call: no wait for the next one', async () => {
    const acks = new MetricAcks();
    const otlp = {};
    acks.register(otlp);
    const handedAt = Date.now() - 50;
    acks.exported(otlp, collection(handedAt + 10));
    await acks.taken(handedAt);
    let done = false;
    void acks.taken(handedAt + 20).then(() => (done = true)); // handed after that collection: waits
    await Promise.resolve();
    expect(done).toBe(false);
  });

  it('a failed export of a later collection says not taken (nothing to mark); a success stays required', async () => {
    const acks = new MetricAcks();
    const otlp = {};
    acks.register(otlp);
    const since = Date.now();
    const taken = acks.taken(since);
    acks.failed(otlp, collection(since - 1)); // made before: says nothing of it
    acks.failed(otlp, collection(since + 1));
    await expect(taken).rejects.toBeInstanceOf(NotTaken);
  });

  it('without a push destination, at once', async () => {
    await new MetricAcks().taken();
  });
});
