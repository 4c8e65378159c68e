// The hand-off between the SDK's batch processor and the exporters under it: the processor lets
// go of a batch once it is taken (encoded), while the answer still reaches the counting exporter.
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { BatchHandoff } from '../../src/export/batch-handoff.js';
import { CountingSpanExporter } from '../../src/export/counting-exporter.js';
import { until } from '../helpers/until.js';

/** A backend that answers when the test says so. */
class SlowExporter implements SpanExporter {
  readonly batches: number[] = [];
  private readonly answers: ((result: ExportResult) => void)[] = [];
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.batches.push(spans.length);
    this.answers.push(done);
  }
  answer(code = ExportResultCode.SUCCESS): void {
    const done = this.answers.shift();
    done?.(code === ExportResultCode.SUCCESS ? { code } : { code, error: new Error('refused') });
  }
  get unanswered(): number {
    return this.answers.length;
  }
  async shutdown(): Promise<void> {}
}

function pipeline(maxHandedOff?: number) {
  const backend = new SlowExporter();
  const counting = new CountingSpanExporter(backend, 'test', () => {});
  const handoff = new BatchHandoff(counting, maxHandedOff);
  const bsp = new BatchSpanProcessor(handoff, { maxExportBatchSize: 2, scheduledDelayMillis: 60_000, maxQueueSize: 1_000 });
  const tracer = new BasicTracerProvider({ spanProcessors: [bsp] }).getTracer('t');
  const spans = (n: number): void => {
    for (let i = 0; i < n; i++) tracer.startSpan(`s${i}`).end();
  };
  return { backend, counting, handoff, bsp, spans };
}

describe('batch hand-off', () => {
  it('lets the batch processor send its next batch before the backend answered the last', async () => {
    const { backend, spans } = pipeline();
    spans(6);
    // The SDK's processor alone sends one batch and waits for its answer; handed off, all three go.
    await until(() => backend.batches.length === 3);
    expect(backend.batches).toEqual([2, 2, 2]);
    expect(backend.unanswered).toBe(3);
  });

  it('past its bound, the processor waits for an answer again (backpressure)', async () => {
    const { backend, handoff, spans } = pipeline(2);
    spans(8);
    await until(() => backend.batches.length === 3);
    // Two handed off, the third waits for its own answer: no fourth batch until something is answered.
    await new Promise((r) => setImmediate(r));
    expect(backend.batches.length).toBe(3);
    expect(handoff.handedOff).toBe(3);
    // The answers of the two handed off do not release it: it waits for the third's own.
    backend.answer();
    backend.answer();
    await new Promise((r) => setImmediate(r));
    expect(backend.batches.length).toBe(3);
    backend.answer();
    await until(() => backend.batches.length === 4);
  });

  it('still counts what the backend refused after the hand-off', async () => {
    const { backend, counting, spans } = pipeline();
    spans(4);
    await until(() => backend.batches.length === 2);
    backend.answer(ExportResultCode.FAILED);
    backend.answer();
    await until(() => counting.settled === 4);
    expect({ exported: counting.exported, failed: counting.failed, handed: counting.handed }).toEqual({ exported: 2, failed: 2, handed: 4 });
  });

  it('shuts down only once every handed-off batch is answered', async () => {
    const { backend, bsp, spans } = pipeline();
    spans(2);
    await until(() => backend.batches.length === 1);
    let down = false;
    const shutdown = bsp.shutdown().then(() => (down = true));
    await new Promise((r) => setImmediate(r));
    expect(down).toBe(false);
    backend.answer();
    await shutdown;
    expect(down).toBe(true);
  });

  it('passes an answer given at once (a file exporter, nothing fresh) as it is', () => {
    const results: ExportResult[] = [];
    const handoff = new BatchHandoff<number>({
      export: (_items, done) => done({ code: ExportResultCode.FAILED, error: new Error('disk full') }),
      shutdown: async () => {},
    });
    handoff.export([1], (r) => results.push(r));
    expect(results.map((r) => r.code)).toEqual([ExportResultCode.FAILED]);
    expect(handoff.handedOff).toBe(0);
  });
});
