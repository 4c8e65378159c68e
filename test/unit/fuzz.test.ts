// Property-based fuzzing: hostile input never crashes the decoder, and no sequence of frames
// leaves a span open once its run has ended.
import { diag, DiagLogLevel, type Context } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeyedIdGenerator } from '../../src/export/keyed-id-generator.js';
import { OtelTraceWriter } from '../../src/export/otel-trace-writer.js';
import { Pipeline } from '../../src/pipeline.js';
import { Logger } from '../../src/util/log.js';
import { frameBody, mutation } from '../helpers/schema-arbitrary.js';
import { decodeFrame, FrameError } from '../../src/protocol/decode.js';
import { NdjsonSplitter } from '../../src/ingest/ndjson-splitter.js';
import { RunModel } from '../../src/model/run-model.js';
import type { Frame } from '../../src/protocol/frames.js';
import { MemoryWriter } from '../helpers/memory-writer.js';

// Fixed, so a failure in CI reproduces; FUZZ_SEED=<n> explores other inputs locally.
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261123);

function decodesOrRefuses(line: string): void {
  try {
    decodeFrame(line);
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
  }
}

describe('frame decoder under fuzzing', () => {
  it('answers any string with a frame or a FrameError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), decodesOrRefuses), { numRuns: 2000, seed: FUZZ_SEED });
  });

  it('answers any JSON value with a frame or a FrameError', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => decodesOrRefuses(JSON.stringify(v))),
      { numRuns: 2000, seed: FUZZ_SEED },
    );
  });

  it('answers envelopes with arbitrary fields with a frame or a FrameError', () => {
    const type = fc.constantFrom(
      'hello',
      'playbook_start',
      'play_start',
      'task_start',
      'host_start',
      'host_result',
      'item_result',
      'stats',
      'bye',
      'nope',
      '__proto__',
    );
    const record = fc.record(
      { v: fc.constantFrom(1, 2, '1'), t: type, run: fc.string(), seq: fc.oneof(fc.integer(), fc.double()), ts: fc.oneof(fc.integer(), fc.string()) },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(record, fc.dictionary(fc.string(), fc.jsonValue()), (env, extra) => decodesOrRefuses(JSON.stringify({ ...extra, ...env }))),
      { numRuns: 2000, seed: FUZZ_SEED },
    );
  });
});

describe('NDJSON splitter under fuzzing', () => {
  it('gives back exactly the lines it was sent, however the stream is cut', () => {
    const line = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\n'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (lines, cuts) => {
        const max = 25;
        const out: string[] = [];
        let oversized = 0;
        const s = new NdjsonSplitter(
          max,
          (l) => out.push(l),
          () => oversized++,
        );
        const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
        for (let i = 0, c = 0; i < bytes.length; c++) {
          const n = cuts[c % cuts.length]!;
          s.push(bytes.subarray(i, i + n));
          i += n;
        }
        s.end();
        const fits = lines.filter((l) => Buffer.byteLength(l) <= max);
        expect(out).toEqual(fits);
        expect(oversized).toBe(lines.length - fits.length);
      }),
      { numRuns: 1000, seed: FUZZ_SEED },
    );
  });
});

describe('run model under fuzzing', () => {
  it('leaves no span open and ends none twice, for any sequence of frames and clocks', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(frameBody, fc.integer({ min: 0, max: 1_000_000 })), { maxLength: 60 }), (steps) => {
        const w = new MemoryWriter(); // throws if a span ends twice
        const model = new RunModel(w, 'fuzz');
        for (const [seq, [body, ts]] of steps.entries()) model.apply({ v: 1, run: 'fuzz', seq, ts, ...body } as Frame);
        model.finish();
        expect(w.open()).toEqual([]);
        for (const s of w.spans) expect(s.endNs!).toBeGreaterThanOrEqual(s.startNs);
      }),
      { numRuns: 1000, seed: FUZZ_SEED },
    );
  });
});

/** Spans the SDK started and has not ended yet; ends of spans that had already ended. */
class OpenSpans implements SpanProcessor {
  readonly open = new Set<ReadableSpan>();
  endedTwice = 0;

  onStart(span: Span, _ctx: Context): void {
    this.open.add(span);
  }

  onEnd(span: ReadableSpan): void {
    if (!this.open.delete(span)) this.endedTwice += 1;
  }

  forceFlush = (): Promise<void> => Promise.resolve();
  shutdown = (): Promise<void> => Promise.resolve();
}

const T0 = 1_700_000_000_000_000_000;
type Mutation = (frame: Record<string, unknown>) => Record<string, unknown>;

// One run's lines: schema-valid frames, some mutated (hostile values, dropped or unknown keys),
// some raw garbage, then reordered and duplicated.
const runLines = fc
  .tuple(
    fc.array(
      fc.oneof(
        { weight: 8, arbitrary: fc.tuple(frameBody, fc.integer({ min: 0, max: 1e9 }), fc.option(mutation, { freq: 3 })) },
        { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
      ),
      { minLength: 5, maxLength: 40 },
    ),
    fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 4 }),
    fc.array(fc.nat(), { maxLength: 3 }),
  )
  .map(([steps, swaps, duplicates]) => {
    let ts = T0;
    const lines = steps.map((step, seq) => {
      if (typeof step === 'string') return step;
      const [body, dt, mutate] = step as [Record<string, unknown>, number, Mutation | null];
      ts += dt;
      const frame = { v: 1, run: 'fuzz', seq, ts, ...body };
      return JSON.stringify(mutate ? mutate(frame) : frame);
    });
    for (const [i, j] of swaps) if (lines.length) [lines[i % lines.length], lines[j % lines.length]] = [lines[j % lines.length]!, lines[i % lines.length]!];
    for (const i of duplicates) if (lines.length) lines.splice(i % lines.length, 0, lines[i % lines.length]!);
    return lines;
  });

describe('decode → run model → OTel SDK under fuzzing', () => {
  const diagnostics: string[] = [];
  beforeAll(() => {
    const say = (m: string) => void diagnostics.push(m);
    diag.setLogger({ error: say, warn: say, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
  });
  afterAll(() => diag.disable());

  it('never throws, leaves no span open, ends none twice, for schema-derived frames mutated and reordered', () => {
    const spans = new OpenSpans();
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ idGenerator: new KeyedIdGenerator(), spanProcessors: [spans, new SimpleSpanProcessor(exporter)] });
    fc.assert(
      fc.property(runLines, runLines, (a, b) => {
        const ids = new KeyedIdGenerator();
        const pipeline = new Pipeline(new OtelTraceWriter(provider.getTracer('fuzz'), ids), new Logger(() => {}), () => {});
        const [connA, connB] = [{ id: 1 }, { id: 2 }];
        for (let i = 0; i < Math.max(a.length, b.length); i++) {
          if (i < a.length) pipeline.onLine(connA, a[i]!);
          if (i < b.length) pipeline.onLine(connB, b[i]!.replaceAll('"fuzz"', '"fuzz-b"'));
        }
        pipeline.onClose(connA);
        pipeline.onClose(connB);
        expect(pipeline.counters.runsFailed).toBe(0); // what passes the schema never breaks the model
        expect(spans.open.size).toBe(0);
        expect(spans.endedTwice).toBe(0);
        expect(diagnostics).toEqual([]);
        for (const s of exporter.getFinishedSpans()) expect(s.duration[0] * 1e9 + s.duration[1]).toBeGreaterThanOrEqual(0);
        exporter.reset();
      }),
      { numRuns: 150, seed: FUZZ_SEED },
    );
  });
});
