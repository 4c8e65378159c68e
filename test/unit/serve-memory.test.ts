// A `serve` that runs for months (#23): what it keeps per run or per trace is bounded, and a run
// that is out leaves nothing behind, in memory or on disk. Driven in-process with tens of
// thousands of generated runs; the assertions are on internal sizes and on the heap after a full
// GC, never on time. (The RSS over 100,000 real runs is a benchmark: BENCHMARKS.md, section 9.)
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, describe, expect, it } from 'vitest';
import { DeliveryLedger, ITEM_ID } from '../../src/export/ledger/delivery-ledger.js';
import { LedgerExporter, logRecordKey, settleLedgers, spanKey } from '../../src/export/ledger/ledger-exporter.js';
import { RunMarks } from '../../src/export/ledger/run-marks.js';
import { RunSettlement, type SettlingSignal } from '../../src/export/ledger/run-settlement.js';
import { hash64, keyedTraceId } from '../../src/export/keyed-id-generator.js';
import type { RunSummary } from '../../src/model/run-model.js';
import type { Attributes, SpanStatus, StartSpanOptions, TraceWriter } from '../../src/model/trace-writer.js';
import { decodeFrame } from '../../src/protocol/decode.js';
import type { Frame } from '../../src/protocol/frames.js';
import { Pipeline } from '../../src/pipeline.js';
import { Logger } from '../../src/util/log.js';
import { LiveState } from '../../src/watch/live-state.js';
import { ROOT, tempDir } from '../helpers/sidecar-run.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap and array buffers (the ledger's id tables live there) after full collections. */
function heldAfterGc(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

const MiB = 1024 * 1024;
/** Ledgers fsync every write: on tmpfs that costs nothing, so the test can afford many runs. */
const SHM = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/otel-test-') : undefined;
const RUNS = SHM ? 5_000 : 1_000;
afterAll(() => SHM && rmSync(SHM, { recursive: true, force: true }));
const fastDir = (): string => (SHM ? mkdtempSync(join(SHM, 'd-')) : tempDir());

/** Run `i` as the features run is to the ledgers: one trace of 71 spans and 17 log records. */
function generatedRun(i: number): { summary: RunSummary; spans: ReadableSpan[]; logs: ReadableLogRecord[] } {
  const runId = hash64(`run ${i}`, 7) + hash64(`run ${i}`, 8);
  const traceId = keyedTraceId(`${runId}/0`);
  const spanContext = (spanId: string) => () => ({ traceId, spanId, traceFlags: 1 });
  const spans = Array.from({ length: 71 }, (_, s) => ({ spanContext: spanContext(hash64(`${runId} ${s}`, 3)) }) as unknown as ReadableSpan);
  const logs = Array.from(
    { length: 17 },
    (_, r) =>
      ({ spanContext: { traceId }, attributes: { 'log.record.uid': hash64(`${runId} ${r}`, 5) + hash64(`${runId} ${r}`, 6) } }) as unknown as ReadableLogRecord,
  );
  const summary: RunSummary = {
    runId,
    traces: [{ traceId, rootSpanId: hash64(`${runId} root`, 7), playbook: 'features.yml', result: 'success', spans: 71, hostSpans: 'all' }],
    hostResults: {},
    interrupted: false,
    framesMissing: 0,
    shimDropped: 0,
  };
  return { summary, spans, logs };
}

/** A destination that takes every batch at once. */
const taking = { export: (_: unknown[], done: (r: ExportResult) => void) => done({ code: ExportResultCode.SUCCESS }), shutdown: async () => {} };

function exported<T>(e: LedgerExporter<T>, items: T[]): Promise<void> {
  return new Promise((resolve) => e.export(items, () => resolve()));
}

/** A signal over one ledgered destination, as Tracing and Logs are. */
function signal<T>(e: LedgerExporter<T>): SettlingSignal {
  return {
    settle: (traceIds) => settleLedgers(async () => {}, [e], traceIds),
    release: (traceIds, removable) => e.release(traceIds, removable),
    get ledgerDirs() {
      return [e.dir!];
    },
  };
}

const filesIn = (dir: string): string[] => readdirSync(dir);

describe('serve over months: what the ledgers keep (#23)', () => {
  it('keeps at most its bound of ids in memory over 5,000 traces nobody settles, and still knows an evicted one', () => {
    const dir = fastDir();
    const bound = 64 * 1024;
    const ledger = new DeliveryLedger(dir, ITEM_ID.span, bound);
    const first = generatedRun(0);
    let largest = 0;
    for (let i = 0; i < 5_000; i++) {
      const { summary, spans } = i === 0 ? first : generatedRun(i);
      // what an earlier sidecar recorded: the file, read when the trace is first looked up
      const traceId = summary.traces[0]!.traceId;
      writeFileSync(join(dir, traceId), `${spans.map((s) => s.spanContext().spanId).join('\n')}\n`);
      expect(ledger.known(traceId).has(spans[70]!.spanContext().spanId)).toBe(true);
      const size = ledger.cacheSize;
      largest = Math.max(largest, size.bytes);
      expect(size.bytes).toBeLessThanOrEqual(bound);
    }
    // full, not empty: the bound is what holds it
    expect(largest).toBeGreaterThan(bound * 0.9);
    expect(ledger.cacheSize.traces).toBeLessThan(bound / (71 * 16));
    expect(ledger.has(first.summary.traces[0]!.traceId, first.spans[0]!.spanContext().spanId)).toBe(true);
  });

  it(`${RUNS.toLocaleString('en')} settled runs leave no ids in memory and no trace files, a mark line each; the retention expires the marks`, async () => {
    const root = fastDir();
    const spans = new LedgerExporter<ReadableSpan>(taking, new DeliveryLedger(join(root, 'spans')), spanKey);
    const logs = new LedgerExporter<ReadableLogRecord>(taking, new DeliveryLedger(join(root, 'logs'), ITEM_ID.logRecord), logRecordKey);
    const marks = new RunMarks(join(root, 'runs'));
    const retentionMs = 14 * 86_400_000;
    const settlement = new RunSettlement([signal(spans), signal(logs)], marks, new Logger(() => {}), retentionMs);
    let heldEarly = 0;
    for (let i = 0; i < RUNS; i++) {
      const run = generatedRun(i);
      await Promise.all([exported(spans, run.spans), exported(logs, run.logs)]);
      expect(await settlement.settle([run.summary])).toBe(true);
      if (i === RUNS / 10) heldEarly = heldAfterGc();
    }
    const growth = heldAfterGc() - heldEarly;
    console.log(`serve-memory: ${RUNS} settled runs: heap + array buffers grew ${(growth / MiB).toFixed(2)} MiB after the first ${RUNS / 10}`);
    // Before #23 each trace kept ≈ 26 KiB of id tables here (up to 16 MiB of ids per ledger): 100s of MiB.
    expect(growth).toBeLessThan(4 * MiB);
    for (const e of [spans, logs]) expect(e.held).toEqual({ cache: { traces: 0, ids: 0, bytes: 0 }, inFlightTraces: 0, failedTraces: 0, exports: 0 });
    expect([filesIn(join(root, 'spans')), filesIn(join(root, 'logs'))]).toEqual([[], []]);
    const markLines = filesIn(join(root, 'runs')).flatMap((f) =>
      readFileSync(join(root, 'runs', f), 'utf8')
        .split('\n')
        .filter(Boolean),
    );
    expect(markLines.length).toBe(RUNS);
    expect(filesIn(join(root, 'runs')).length).toBeLessThanOrEqual(2); // a file an hour
    expect(settlement.done(generatedRun(0).summary.runId)).toBe(true);

    // the marks' last write older than the retention: the hourly prune removes them
    const old = (Date.now() - retentionMs - 60_000) / 1000;
    for (const f of filesIn(join(root, 'runs'))) utimesSync(join(root, 'runs', f), old, old);
    settlement.prune();
    expect(filesIn(join(root, 'runs'))).toEqual([]);
  });

  it('expires the ledger files of runs never settled (cut off, never replayed) after the retention, not before', async () => {
    const root = fastDir();
    const spans = new LedgerExporter<ReadableSpan>(taking, new DeliveryLedger(join(root, 'spans')), spanKey);
    const logs = new LedgerExporter<ReadableLogRecord>(taking, new DeliveryLedger(join(root, 'logs'), ITEM_ID.logRecord), logRecordKey);
    const retentionMs = 14 * 86_400_000;
    const settlement = new RunSettlement([signal(spans), signal(logs)], new RunMarks(join(root, 'runs')), new Logger(() => {}), retentionMs);
    const [old, recent] = [generatedRun(1), generatedRun(2)];
    for (const run of [old, recent]) await Promise.all([exported(spans, run.spans), exported(logs, run.logs)]);
    await Promise.all([spans.idle(), logs.idle()]); // in the ledgers, on disk
    const traceOf = (run: typeof old) => run.summary.traces[0]!.traceId;
    const lastWrite = (Date.now() - retentionMs - 60_000) / 1000;
    for (const dir of ['spans', 'logs']) utimesSync(join(root, dir, traceOf(old)), lastWrite, lastWrite);
    settlement.prune();
    expect([filesIn(join(root, 'spans')), filesIn(join(root, 'logs'))]).toEqual([[traceOf(recent)], [traceOf(recent)]]);
  });

  it('keeps the files of a trace a run shares under a TRACEPARENT, and lets go of its ids', async () => {
    const root = fastDir();
    const spans = new LedgerExporter<ReadableSpan>(taking, new DeliveryLedger(join(root, 'spans')), spanKey);
    const settlement = new RunSettlement([signal(spans)], new RunMarks(join(root, 'runs')), new Logger(() => {}), 86_400_000);
    const run = generatedRun(1);
    const shared = 'c'.repeat(32); // the parent's trace id, not one the run's key derives
    const inShared = run.spans.map((s) => ({ spanContext: () => ({ ...s.spanContext(), traceId: shared }) }) as unknown as ReadableSpan);
    await exported(spans, inShared);
    expect(await settlement.settle([{ ...run.summary, traces: [{ ...run.summary.traces[0]!, traceId: shared }] }])).toBe(true);
    expect(filesIn(join(root, 'spans'))).toEqual([shared]);
    expect(spans.held.cache).toEqual({ traces: 0, ids: 0, bytes: 0 });
  });
});

/** A writer that keeps nothing: what the pipeline and its observers hold is all there is. */
class NullWriter implements TraceWriter<object> {
  startSpan(_: StartSpanOptions<object>): object {
    return {};
  }
  setAttributes(_span: object, _attributes: Attributes): void {}
  addEvent(): void {}
  endSpan(_span: object, _endNs: number, _status: SpanStatus): void {}
  traceId(): string {
    return '0'.repeat(32);
  }
  spanId(): string {
    return '0'.repeat(16);
  }
}

describe("serve over months: a run's bookkeeping ends with the run (#23)", () => {
  it('the pipeline (runs a resume may take over included) and the watch state hold nothing of 2,000 ended runs', () => {
    const frames = readFileSync(join(ROOT, 'test', 'fixtures', 'features.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => decodeFrame(line));
    const live = new LiveState();
    const ended: string[] = [];
    // Shims that resume (hello `resume`) on live connections: each run is known by its id until
    // its ack, which comes here as soon as its last frame is applied (the root acks after export).
    const pipeline: Pipeline<object> = new Pipeline(
      new NullWriter(),
      new Logger(() => {}),
      (run) => ended.push(run.runId),
      live,
      (run) => pipeline.release(run.runId),
    );
    const hello = frames[0]!;
    frames[0] = { ...hello, resume: true } as Frame;
    let heldEarly = 0;
    const runs = 2_000;
    for (let i = 0; i < runs; i++) {
      const conn = { id: i + 1, reply: () => {}, resumable: i % 2 === 0 };
      const run = hash64(`run ${i}`, 1) + hash64(`run ${i}`, 2);
      for (const f of frames) pipeline.applyFrame(conn, { ...f, run } as Frame);
      pipeline.onClose(conn);
      live.takeEnded();
      live.takeFinishedTasks();
      if (ended.length > 1) ended.shift();
      if (i === 200) heldEarly = heldAfterGc();
    }
    const growth = heldAfterGc() - heldEarly;
    console.log(`serve-memory: ${runs} runs through the pipeline: heap grew ${(growth / MiB).toFixed(2)} MiB after the first 200`);
    expect(pipeline.selfState().runsActive).toBe(0);
    expect(pipeline.counters.runsEnded).toBe(runs);
    expect(live.running).toBe(0);
    expect(pipeline.resumeState).toEqual({ waiting: 0, resumable: 0, moved: 0 });
    expect(growth).toBeLessThan(4 * MiB);
  });
});
