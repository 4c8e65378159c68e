// The disk queue under an outage: nothing lost, nothing sent twice, and a restart sends what
// an earlier sidecar left behind — over OTLP/HTTP and OTLP/gRPC (503 ↔ UNAVAILABLE is retried,
// 400 ↔ INVALID_ARGUMENT is not).
import { readdirSync } from 'node:fs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { ROOT_CONTEXT, TraceFlags, trace } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiskQueue } from '../../src/export/durable/disk-queue.js';
import { DurableSpanExporter } from '../../src/export/durable/durable-trace-exporter.js';
import { MAX_IN_FLIGHT, OtlpByteSender } from '../../src/export/durable/otlp-byte-sender.js';
import { durableLogExporter } from '../../src/export/durable/durable-log-exporter.js';
import { Logger } from '../../src/util/log.js';
import { OtlpReceiver, type OtlpReceiving } from '../helpers/otlp-receiver.js';
import { OtlpGrpcReceiver } from '../helpers/otlp-grpc-receiver.js';
import type { OtlpProtocol } from '../../src/export/otel-env.js';
import { tempDir } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';

const transports: [OtlpProtocol, OtlpReceiving, (base: string) => string][] = [
  ['http/protobuf', new OtlpReceiver(), (base) => `${base}/v1/traces`],
  ['grpc', new OtlpGrpcReceiver(), (base) => base],
];

beforeAll(() => {
  // This test file runs in its own worker: the transports read their timeout from here.
  process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '500';
});

function spans(n: number, prefix: string): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('t');
  for (let i = 0; i < n; i++) tracer.startSpan(`${prefix}${i}`).end();
  return memory.getFinishedSpans();
}

const exportOnce = (e: DurableSpanExporter, batch: ReadableSpan[]): Promise<number> => new Promise((r) => e.export(batch, (res) => r(res.code)));

describe.each(transports)('durable span export over %s', (protocol, receiver, endpoint) => {
  let url: string;
  beforeAll(async () => {
    url = endpoint(await receiver.start());
  });
  afterAll(() => receiver.stop());

  function exporter(dir: string, problems: string[] = []): DurableSpanExporter {
    const sender = new OtlpByteSender('traces', protocol, url, ProtobufTraceSerializer);
    return new DurableSpanExporter(ProtobufTraceSerializer, sender, new DiskQueue(dir, 64 * 1024 * 1024), (m) => problems.push(m));
  }

  it('queues batches on disk while the backend answers 503 (UNAVAILABLE) and delivers each span exactly once after', async () => {
    const dir = tempDir();
    const problems: string[] = [];
    const e = exporter(dir, problems);
    receiver.failWith = 503;
    const batches = [spans(3, 'a'), spans(4, 'b'), spans(5, 'c')];
    for (const b of batches) expect(await exportOnce(e, b)).toBe(0);
    expect(e.stats()).toMatchObject({ queuedBatches: 3, queuedItems: 12 });
    expect(readdirSync(dir).filter((f) => f.endsWith('.otlp'))).toHaveLength(3);
    expect(receiver.spans).toHaveLength(0);
    receiver.failWith = undefined;
    await until(() => e.stats().queuedBatches === 0, 60_000);
    const names = receiver.spans.map((s) => s.name);
    expect(names.sort()).toEqual(
      batches
        .flat()
        .map((s) => s.name)
        .sort(),
    );
    expect(new Set(receiver.spans.map((s) => s.spanId)).size).toBe(12);
    expect(problems.length).toBeGreaterThan(0);
    await e.shutdown();
    receiver.spans.length = 0;
  });

  it('sends what an earlier sidecar left in the queue when a new one starts', async () => {
    const dir = tempDir();
    receiver.failWith = 503;
    const first = exporter(dir);
    await exportOnce(first, spans(6, 'left'));
    receiver.failWith = 503;
    await first.shutdown(); // the last try fails too: the batch stays on disk
    expect(readdirSync(dir).filter((f) => f.endsWith('.otlp'))).toHaveLength(1);
    receiver.failWith = undefined;
    const second = exporter(dir);
    await until(() => second.stats().queuedBatches === 0, 60_000);
    expect(receiver.spans.map((s) => s.name).sort()).toEqual(['left0', 'left1', 'left2', 'left3', 'left4', 'left5']);
    await second.shutdown();
    receiver.spans.length = 0;
  });

  it('drops a batch the backend refuses for good (400, INVALID_ARGUMENT) instead of retrying it forever', async () => {
    const dir = tempDir();
    const e = exporter(dir);
    receiver.failWith = 400;
    expect(await exportOnce(e, spans(2, 'bad'))).toBe(1);
    receiver.failWith = undefined;
    expect(e.stats()).toMatchObject({ queuedBatches: 0, refusedItems: 2 });
    await e.shutdown();
  });

  // Many runs ending at once each flush the batch processor, which then exports all its batches
  // at once: more than the transport's limit must wait their turn, not count as a backend failure.
  it(`sends at most ${MAX_IN_FLIGHT} requests at once and more batches than that in turn, none to the disk queue`, async () => {
    const problems: string[] = [];
    // The requests wait here for as long as the machine takes to get 30 of them held: the 500 ms
    // of the other tests would turn a slow machine into timeouts. The transport reads it when built.
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '120000';
    const e = exporter(tempDir(), problems);
    process.env.OTEL_EXPORTER_OTLP_TIMEOUT = '500';
    receiver.hold = true;
    const batches = Array.from({ length: MAX_IN_FLIGHT + 10 }, (_, i) => spans(2, `b${i}-`));
    const results = Promise.all(batches.map((b) => exportOnce(e, b)));
    await until(() => receiver.heldRequests === MAX_IN_FLIGHT, 10_000, `${MAX_IN_FLIGHT} requests held`);
    receiver.release();
    expect(await results).toEqual(batches.map(() => 0));
    expect(receiver.heldRequests).toBe(0);
    expect(e.stats()).toMatchObject({ queuedBatches: 0, delivered: 2 * batches.length });
    expect(receiver.spans).toHaveLength(2 * batches.length);
    expect(problems).toEqual([]);
    await e.shutdown();
    receiver.spans.length = 0;
  });
});

describe('the disk queue', () => {
  it('evicts the oldest batches beyond the size cap and counts them', () => {
    const q = new DiskQueue(tempDir(), 100);
    for (let i = 0; i < 5; i++) q.push(new Uint8Array(40), 2);
    expect(q.length).toBe(2);
    expect(q.evictedBatches).toBe(3);
    expect(q.evictedItems).toBe(6);
  });
});

describe('durable log export over OTLP/gRPC', () => {
  const receiver = new OtlpGrpcReceiver();
  afterAll(() => receiver.stop());

  it('keeps log records on disk while the collector answers UNAVAILABLE, then delivers each once with its span ids', async () => {
    const url = await receiver.start();
    const memory = new InMemoryLogRecordExporter();
    const logger = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] }).getLogger('t');
    const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED };
    for (const body of ['failed: h1', 'failed: h2']) logger.emit({ body, severityText: 'ERROR', context: trace.setSpanContext(ROOT_CONTEXT, span) });
    const e = durableLogExporter({ url, protocol: 'grpc', queueRoot: tempDir(), log: new Logger(() => {}) });
    receiver.failWith = 503;
    expect(await new Promise((r) => e.export(memory.getFinishedLogRecords(), (res) => r(res.code)))).toBe(0);
    expect(e.stats()).toMatchObject({ queuedItems: 2 });
    receiver.failWith = undefined;
    await until(() => e.stats().queuedBatches === 0, 60_000);
    expect(receiver.logRecords.map((l) => [l.body, l.traceId, l.spanId])).toEqual([
      ['failed: h1', span.traceId, span.spanId],
      ['failed: h2', span.traceId, span.spanId],
    ]);
    await e.shutdown();
  });
});
