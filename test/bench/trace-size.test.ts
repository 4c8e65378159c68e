// bench/trace-size.ts at tiny sizes: the bytes it reports add up, and the kinds of span are told
// apart, on the sidecar's real output (replay → loopback receiver). Sizes, never timings.
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..', '..');
const dist = (name: string): string => join(ROOT, 'dist', 'bench', `${name}.js`);
const load = {
  wire: (): Promise<typeof import('../../bench/otlp-wire.js')> => import(dist('otlp-wire')),
  size: (): Promise<typeof import('../../bench/trace-size.js')> => import(dist('trace-size')),
  stream: (): Promise<typeof import('../../bench/frame-stream.js')> => import(dist('frame-stream')),
  report: (): Promise<typeof import('../../bench/trace-size-report.js')> => import(dist('trace-size-report')),
  bench: (): Promise<typeof import('../../bench/report.js')> => import(dist('report')),
  config: (): Promise<typeof import('../../bench/config.js')> => import(dist('config')),
  machine: (): Promise<typeof import('../../bench/machine.js')> => import(dist('machine')),
};

beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'bench', 'tsconfig.json')], { stdio: 'inherit' });
}, 120_000);

describe('trace size', () => {
  it('finds each span of a request as encoded, with its attribute keys', async () => {
    const { encodedSpans } = await load.wire();
    const memory = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('t');
    tracer.startSpan('short', { attributes: { a: 1 } }).end();
    tracer.startSpan('a longer name', { attributes: { a: 1, 'ansible.task.host.name': 'web-1.example.net' } }).end();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans()) as Uint8Array);
    const spans = encodedSpans(body);
    expect(spans.map((s) => [...s.keys])).toEqual([['a'], ['a', 'ansible.task.host.name']]);
    expect(spans[1]!.framedBytes - spans[0]!.framedBytes).toBeGreaterThan('a longer name'.length - 'short'.length);
    for (const s of spans) expect(s.framedBytes).toBe(s.message.length + 1 + (s.message.length < 128 ? 1 : 2)); // tag + varint length
    expect(body.includes(spans[1]!.message)).toBe(true);
  });

  it('measures a recorded and a generated run through the sidecar, and the fleet trace adds up', async () => {
    const { traceSizes, fleetTrace } = await load.size();
    const { streamShape } = await load.stream();
    const generatedSize = { hosts: 6, tasks: 4 };
    const t = await traceSizes(generatedSize, { hosts: 60, tasks: 4 });
    const [recorded, generated] = t.sources;
    for (const s of [recorded!, generated!]) {
      expect(s.kinds.host.spans + s.kinds.task.spans + s.kinds.other.spans).toBe(s.spans);
      expect(s.protobufPerSpan).toBeGreaterThan(s.gzipPerSpan);
      expect(s.gzipPerSpan).toBeGreaterThan(0);
    }
    expect(recorded!.kinds.host.spans).toBeGreaterThan(0);
    expect(recorded!.kinds.task.spans).toBeGreaterThan(0);
    expect([generated!.kinds.host.spans, generated!.kinds.task.spans, generated!.kinds.other.spans]).toEqual([24, 4, 2]);
    expect(generated!.spans).toBe(streamShape(generatedSize).spans);
    // The fleet formula, applied to the measured run's own shape, gives back its measured bytes.
    expect(fleetTrace(generated!, generatedSize).protobufBytes).toBeCloseTo(generated!.protobufPerSpan * generated!.spans, 6);
    expect(t.fleet.spans).toBe(streamShape({ hosts: 60, tasks: 4 }).spans);
    expect(t.fleet.protobufBytes).toBeGreaterThan(t.fleet.spans * generated!.kinds.host.protobufPerSpan);
    const { traceSizeSection } = await load.report();
    expect(traceSizeSection(t).join('\n')).toContain(`${t.fleet.spans.toLocaleString('en-US')} spans`);
    const [{ renderReport }, { readConfig }, { describeMachine }] = await Promise.all([load.bench(), load.config(), load.machine()]);
    const md = renderReport({ config: readConfig([], {}), machine: describeMachine(), startedAt: 'now', minutes: 0, traceSize: t }, ['npm run bench']);
    expect(md).toContain('## 6. Trace size');
    expect(readConfig([], {}).sections.has('size')).toBe(true);
  }, 120_000);
});
