// The disk queue under an outage: nothing lost, nothing sent twice, and a restart sends what
// an earlier sidecar left behind — over OTLP/HTTP and OTLP/gRPC (503 ↔ UNAVAILABLE is retried,
// 400 ↔ INVALID_ARGUMENT is not).
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
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
import { ROOT, tempDir } from '../helpers/sidecar-run.js';
import { OtlpEncoder } from '../../src/export/durable/otlp-encoder.js';
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

describe('protobuf encoding on the encoder thread', () => {
  // The compiled worker: the package runs it from dist/ (npm test builds dist before the tests).
  const WORKER = join(ROOT, 'dist', 'export', 'durable', 'encoder-worker.js');
  const receiver = new OtlpReceiver();
  let url: string;
  beforeAll(async () => {
    url = `${await receiver.start()}/v1/traces`;
  });
  afterAll(() => receiver.stop());

  const same = (bytes: Uint8Array, expected: Uint8Array | undefined) => expect(Buffer.from(bytes)).toEqual(Buffer.from(expected as Uint8Array));

  function logRecords(n: number) {
    const memory = new InMemoryLogRecordExporter();
    const logger = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: memory })] }).getLogger('t');
    for (let i = 0; i < n; i++) logger.emit({ body: `record ${i}`, severityText: 'INFO', attributes: { i } });
    return memory.getFinishedLogRecords();
  }

  it('gives the serializer’s bytes for spans and log records, from the worker thread', async () => {
    const encoder = new OtlpEncoder(new Logger(() => {}), WORKER);
    await encoder.start();
    expect(encoder.onWorker).toBe(true);
    const batches = [spans(3, 'a'), spans(512, 'b'), spans(1, 'c')];
    const records = logRecords(4);
    const [logBytes, ...spanBytes] = await Promise.all([encoder.encodeLogs(records), ...batches.map((b) => encoder.encodeSpans(b))]);
    same(logBytes as Uint8Array, ProtobufLogsSerializer.serializeRequest(records));
    for (const [i, b] of batches.entries()) same(spanBytes[i] as Uint8Array, ProtobufTraceSerializer.serializeRequest(b));
    await encoder.shutdown(1_000);
    expect(encoder.onWorker).toBe(false);
  });

  it('says once that the worker died and encodes what it had, and all after, on the main thread', async () => {
    const dying = join(tempDir(), 'dying-worker.mjs');
    writeFileSync(dying, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(3));\n");
    const said: string[] = [];
    const encoder = new OtlpEncoder(new Logger((line) => said.push(line)), dying);
    await encoder.start();
    const batches = [spans(2, 'x'), spans(3, 'y')];
    const bytes = await Promise.all(batches.map((b) => encoder.encodeSpans(b)));
    for (const [i, b] of batches.entries()) same(bytes[i] as Uint8Array, ProtobufTraceSerializer.serializeRequest(b));
    same(await encoder.encodeSpans(batches[0] as ReadableSpan[]), ProtobufTraceSerializer.serializeRequest(batches[0] as ReadableSpan[]));
    expect(encoder.onWorker).toBe(false);
    expect(said).toEqual(['ansible-otel: warning: the OTLP encoder thread exited with code 3: encoding on the main thread from now on\n']);
    await encoder.shutdown(1_000);
  });

  it('sends and queues batches in the order exported whatever order their bytes come in, and spills those still being encoded', async () => {
    const dir = tempDir();
    const encodings: (() => void)[] = [];
    // Bytes the test hands over when it chooses: the encoder thread's answers, in any order.
    const encode = (batch: ReadableSpan[]) =>
      new Promise<Uint8Array>((resolve) => encodings.push(() => resolve(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array)));
    const sender = new OtlpByteSender('traces', 'http/protobuf', url, ProtobufTraceSerializer);
    const e = new DurableSpanExporter(ProtobufTraceSerializer, sender, new DiskQueue(dir, 64 * 1024 * 1024), () => {}, encode);
    const settled: string[] = [];
    const exported = (batch: ReadableSpan[]) =>
      new Promise<number>((resolve) =>
        e.export(batch, (r) => {
          settled.push(`${batch[0]?.name}:${r.code}`);
          resolve(r.code);
        }),
      );
    receiver.failWith = 503;
    const first = exported(spans(1, 'first'));
    encodings[0]?.();
    expect(await first).toBe(0);
    expect(e.stats().queuedBatches).toBe(1);
    // Behind a batch on disk, each new one queues there at once: the disk order is the order sent.
    const three = [exported(spans(2, 'b0-')), exported(spans(2, 'b1-')), exported(spans(2, 'b2-'))];
    encodings[3]?.();
    encodings[2]?.();
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual(['first0:0']);
    encodings[1]?.();
    expect(await Promise.all(three)).toEqual([0, 0, 0]);
    expect(settled).toEqual(['first0:0', 'b0-0:0', 'b1-0:0', 'b2-0:0']);
    // The deadline came with two batches still at the encoder: encoded here, on disk, taken.
    const late = [exported(spans(2, 's0-')), exported(spans(1, 's1-'))];
    e.spill();
    expect(await Promise.all(late)).toEqual([0, 0]);
    encodings[4]?.(); // the worker's late answer changes nothing
    await new Promise((r) => setImmediate(r));
    expect(settled).toEqual(['first0:0', 'b0-0:0', 'b1-0:0', 'b2-0:0', 's0-0:0', 's1-0:0']);
    expect(e.stats()).toMatchObject({ queuedBatches: 6, queuedItems: 10 });
    receiver.failWith = undefined;
    await until(() => e.stats().queuedBatches === 0, 60_000);
    expect(receiver.spans.map((s) => s.name)).toEqual(['first0', 'b0-0', 'b0-1', 'b1-0', 'b1-1', 'b2-0', 'b2-1', 's0-0', 's0-1', 's1-0']);
    await e.shutdown();
    receiver.spans.length = 0;
  });
});
