// What moving OTLP protobuf encoding to a worker thread would save the ingest thread (issue 31,
// item 1): the main thread's CPU per span of today's encoding against what handing the batch
// to a worker costs it. Spans are the sidecar's own (the bench's frame stream through Pipeline
// and OtelTraceWriter), in batches of 512 as the BatchSpanProcessor makes them.
// Run: npm run build && npx tsc -p bench/tsconfig.json && nice node dist/bench/encode-crossing.js [rounds]
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Attributes } from '@opentelemetry/api';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { frameChunks } from './frame-stream.js';

// The sidecar's own modules, from dist/ (the bench is compiled on its own, outside src/'s rootDir).
const fromDist = (path: string) => import(new URL(`../${path}`, import.meta.url).href);
const { KeyedIdGenerator } = await fromDist('export/keyed-id-generator.js');
const { OtelTraceWriter } = await fromDist('export/otel-trace-writer.js');
const { Pipeline } = await fromDist('pipeline.js');
const { Logger } = await fromDist('util/log.js');
const { compactSpans } = (await fromDist('export/durable/compact-batch.js')) as { compactSpans(spans: ReadableSpan[]): { items: unknown[][] } };
const ENCODER = new URL('../export/durable/encoder-worker.js', import.meta.url);

// The transform the JSON serializer runs (not exported by the package's index).
const require = createRequire(import.meta.url);
const internal = require('@opentelemetry/otlp-transformer/build/src/trace/internal.js') as {
  createExportTraceServiceRequest(spans: ReadableSpan[], encoder: unknown): unknown;
};
const { PROTOBUF_ENCODER } = require('@opentelemetry/otlp-transformer/build/src/common/utils.js') as { PROTOBUF_ENCODER: unknown };

const BATCH = 512;

class Collect implements SpanProcessor {
  readonly spans: ReadableSpan[] = [];
  onStart(_span: Span): void {}
  onEnd(span: ReadableSpan): void {
    this.spans.push(span);
  }
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** The spans of a hosts × tasks stream as serve makes them, in batches of 512. */
function sidecarBatches(hosts: number, tasks: number): ReadableSpan[][] {
  const collect = new Collect();
  const resource = resourceFromAttributes({
    'service.name': 'ansible',
    'service.version': '0.1.0',
    'telemetry.sdk.language': 'nodejs',
    'telemetry.sdk.name': 'opentelemetry',
    'telemetry.sdk.version': '2.12.0',
    'host.name': 'controller-01',
    'process.pid': 4242,
  });
  const provider = new BasicTracerProvider({ resource, idGenerator: new KeyedIdGenerator(), spanProcessors: [collect] });
  const ids = new KeyedIdGenerator();
  const pipeline = new Pipeline(new OtelTraceWriter(provider.getTracer('ansible-otel-sidecar', '0.1.0'), ids), new Logger(() => {}), () => {});
  const conn = { id: 1 };
  for (const chunk of frameChunks({ hosts, tasks })) for (const line of chunk.split('\n')) if (line) pipeline.onLine(conn, line);
  pipeline.onClose(conn);
  const batches: ReadableSpan[][] = [];
  for (let i = 0; i + BATCH <= collect.spans.length; i += BATCH) batches.push(collect.spans.slice(i, i + BATCH));
  return batches;
}

/** (d) Columns: every string once in a table, the rest numbers in one Float64Array (transferred). */
function columnBatch(spans: ReadableSpan[]): { strings: string[]; values: unknown[]; numbers: ArrayBuffer } {
  const index = new Map<string, number>();
  const strings: string[] = [];
  const str = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = strings.length;
      strings.push(s);
      index.set(s, i);
    }
    return i;
  };
  const numbers = new Float64Array(spans.length * 16);
  const values: unknown[] = []; // attribute values that are not strings (arrays, numbers, booleans)
  let n = 0;
  for (const s of spans) {
    const c = s.spanContext();
    numbers[n++] = str(s.name);
    numbers[n++] = s.kind;
    numbers[n++] = str(c.traceId);
    numbers[n++] = str(c.spanId);
    numbers[n++] = str(s.parentSpanContext?.spanId ?? '');
    numbers[n++] = s.startTime[0];
    numbers[n++] = s.startTime[1];
    numbers[n++] = s.endTime[0];
    numbers[n++] = s.endTime[1];
    numbers[n++] = s.status.code;
    const attrs = s.attributes as Attributes;
    let k = 0;
    for (const key in attrs) {
      const v = attrs[key];
      values.push(str(key), typeof v === 'string' ? str(v) : v);
      k++;
    }
    numbers[n++] = k;
    n += 5;
  }
  return { strings, values, numbers: numbers.buffer };
}

/** For the forms no worker of ours decodes: takes the message, answers with an empty buffer. */
const SINK = `
const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => { const out = new ArrayBuffer(0); parentPort.postMessage({ id: m.id, bytes: out }, [out]); });
`;

/** Main thread CPU (user + system) in ms, from /proc: process.cpuUsage() counts the worker too. */
function mainCpuMs(): number {
  const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

interface Variant {
  name: string;
  /** The main thread's work for one batch; returns what goes to the worker, or undefined if nothing does. */
  /** The sidecar's encoder thread (dist/export/durable/encoder-worker.js) rather than the sink. */
  encoder?: boolean;
  main(batch: ReadableSpan[]): { batch: unknown; transfer?: ArrayBuffer[] } | undefined;
}

const VARIANTS: Variant[] = [
  {
    name: '(a) serializeRequest on the main thread',
    main: (b) => {
      ProtobufTraceSerializer.serializeRequest(b);
      return undefined;
    },
  },
  {
    name: '(b) transform only (createExportTraceServiceRequest)',
    main: (b) => {
      internal.createExportTraceServiceRequest(b, PROTOBUF_ENCODER);
      return undefined;
    },
  },
  { name: '(c1) compact tuples (compact-batch.ts), worker encodes', encoder: true, main: (b) => ({ batch: compactSpans(b) }) },
  {
    name: '(c2) transformed OTLP object, postMessage',
    main: (b) => ({ batch: internal.createExportTraceServiceRequest(b, PROTOBUF_ENCODER) }),
  },
  { name: '(d1) compact tuples as one JSON string, postMessage', main: (b) => ({ batch: JSON.stringify(compactSpans(b)) }) },
  {
    name: '(d2) columns + string table, Float64Array transferred',
    main: (b) => {
      const c = columnBatch(b);
      return { batch: c, transfer: [c.numbers] };
    },
  },
  { name: '(e) postMessage of a 1-element array (the crossing floor)', main: () => ({ batch: [0] }) },
];

/** Runs every batch `reps` times through a variant, keeping at most 4 batches at the worker; main-thread ms per span. */
async function measure(
  v: Variant,
  workers: { encoder: Worker; sink: Worker },
  batches: ReadableSpan[][],
  reps: number,
): Promise<{ cpu: number; wall: number; rest: number }> {
  const worker = v.encoder ? workers.encoder : workers.sink;
  let outstanding = 0;
  let wake: (() => void) | undefined;
  const onMessage = (): void => {
    outstanding -= 1;
    wake?.();
  };
  worker.on('message', onMessage);
  const spans = batches.length * BATCH * reps;
  const cpu0 = mainCpuMs();
  const all0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++)
    for (const b of batches) {
      const m = v.main(b);
      if (!m) continue;
      worker.postMessage({ id: 0, batch: m.batch }, m.transfer ?? []);
      outstanding += 1;
      while (outstanding > 4) await new Promise<void>((res) => (wake = res));
    }
  while (outstanding > 0) await new Promise<void>((res) => (wake = res));
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = mainCpuMs() - cpu0;
  const all = process.cpuUsage(all0);
  const rest = (all.user + all.system) / 1e3 - cpu; // the workers (and V8's helper threads)
  worker.off('message', onMessage);
  return { cpu: (cpu * 1e3) / spans, wall: (wall * 1e3) / spans, rest: (rest * 1e3) / spans };
}

/** The encoder thread's bytes are the serializer's, batch by batch: else there is nothing to compare. */
async function sameBytes(worker: Worker, batches: ReadableSpan[][]): Promise<void> {
  for (const [i, b] of batches.entries()) {
    const reply = new Promise<{ bytes: ArrayBuffer }>((resolve) => worker.once('message', resolve));
    worker.postMessage({ id: i, batch: compactSpans(b) });
    const theirs = new Uint8Array((await reply).bytes);
    if (!Buffer.from(theirs).equals(ProtobufTraceSerializer.serializeRequest(b) as Uint8Array)) throw new Error(`batch ${i}: the worker's bytes differ`);
  }
}

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 5);
  const batches = sidecarBatches(400, 40);
  const bytes = batches.reduce((n, b) => n + (ProtobufTraceSerializer.serializeRequest(b)?.byteLength ?? 0), 0);
  console.log(`${batches.length} batches of ${BATCH} sidecar spans, ${(bytes / batches.length / BATCH).toFixed(0)} protobuf bytes a span`);
  const workers = { encoder: new Worker(ENCODER), sink: new Worker(SINK, { eval: true }) };
  await sameBytes(workers.encoder, batches);
  const results = new Map<string, { cpu: number[]; wall: number[]; rest: number[] }>(VARIANTS.map((v) => [v.name, { cpu: [], wall: [], rest: [] }]));
  for (const v of VARIANTS) await measure(v, workers, batches, 2); // warm up the JIT on both threads
  for (let r = 0; r < rounds; r++)
    for (const v of VARIANTS) {
      const m = await measure(v, workers, batches, 6);
      const row = results.get(v.name) as { cpu: number[]; wall: number[]; rest: number[] };
      row.cpu.push(m.cpu);
      row.wall.push(m.wall);
      row.rest.push(m.rest);
    }
  await Promise.all([workers.encoder.terminate(), workers.sink.terminate()]);
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
  const base = med(results.get(VARIANTS[0]?.name ?? '')?.cpu ?? [1]);
  console.log("per span, median of rounds: main thread µs CPU (/proc), % of (a)'s, µs wall; other threads' µs CPU (the worker)");
  for (const [name, r] of results)
    console.log(
      `${name.padEnd(58)} ${med(r.cpu).toFixed(2).padStart(6)} µs ${((100 * med(r.cpu)) / base).toFixed(0).padStart(4)} % ${med(r.wall).toFixed(2).padStart(6)} µs wall ${med(r.rest).toFixed(2).padStart(6)} µs other | main rounds ${r.cpu.map((x) => x.toFixed(2)).join(' ')}`,
    );
}

await main();
