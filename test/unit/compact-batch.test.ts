// The encoder thread's input: a batch reduced to what the protobuf serializer reads, copied by
// structured clone (postMessage's algorithm), must give the very bytes the serializer gives for
// the batch itself — every field the OTLP span and log record carry.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace, type Attributes } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { TraceState } from '@opentelemetry/core';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { compactLogs, compactSpans, encodeCompact } from '../../src/export/durable/compact-batch.js';

const EVERY_TYPE: Attributes = {
  s: 'text ✓ ünïcode',
  empty: '',
  t: true,
  f: false,
  int: 42,
  negative: -7,
  big: 2 ** 53,
  double: 3.25,
  nan: Number.NaN,
  strings: ['a', 'b'],
  ints: [1, 2, 3],
  doubles: [0.5, 1.5],
  bools: [true, false],
  withNull: ['x', null, 'y'],
  none: [],
};

/** A resource whose attribute is only known later, as a detector's is: encoded once it is. */
async function asyncResource() {
  const resource = resourceFromAttributes({ 'service.name': 'ansible', 'host.id': Promise.resolve('h-1'), 'process.pid': 4242 });
  await resource.waitForAsyncAttributes?.();
  return resource;
}

const crossed = <T>(batch: T): T => structuredClone(batch);

describe('a compact batch on the encoder thread', () => {
  it('gives the serializer’s bytes for spans: events, links, status, every attribute type, parents, two scopes, one resource', async () => {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource: await asyncResource(), spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer('ansible-otel-sidecar', '0.1.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.27.0' });
    const other = provider.getTracer('second-scope');
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState('vendor=a,other=b'),
    });
    const root = tracer.startSpan('playbook', { kind: SpanKind.SERVER, startTime: [1_700_000_000, 1], attributes: EVERY_TYPE }, remote);
    const child = tracer.startSpan(
      'task',
      {
        kind: SpanKind.INTERNAL,
        startTime: [1_700_000_001, 999_999_999],
        links: [
          {
            context: { traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: TraceFlags.SAMPLED, traceState: new TraceState('k=v') },
            attributes: { why: 'baseline' },
          },
          { context: { traceId: '3'.repeat(32), spanId: '4'.repeat(16), traceFlags: TraceFlags.NONE, isRemote: true } },
        ],
      },
      trace.setSpan(ROOT_CONTEXT, root),
    );
    child.addEvent('exception', { 'exception.type': 'AnsibleError', 'exception.message': 'boom', n: 3 }, [1_700_000_002, 5]);
    child.addEvent('no attributes', [1_700_000_002, 6]);
    child.setStatus({ code: SpanStatusCode.ERROR, message: 'failed: rc=2' });
    child.end([1_700_000_003, 0]);
    other.startSpan('elsewhere', { kind: SpanKind.CLIENT, startTime: [1_700_000_004, 0] }).end([1_700_000_004, 10]);
    root.setStatus({ code: SpanStatusCode.OK });
    root.end([1_700_000_005, 0]);
    const spans = memory.getFinishedSpans();
    expect(spans).toHaveLength(3);
    const expected = ProtobufTraceSerializer.serializeRequest(spans) as Uint8Array;
    expect(Buffer.from(encodeCompact(crossed(compactSpans(spans))) as Uint8Array)).toEqual(Buffer.from(expected));
    // One span alone, and the batch in another order (the grouping by scope follows the first seen).
    for (const batch of [[spans[1]!], [spans[2]!, spans[0]!, spans[1]!]])
      expect(Buffer.from(encodeCompact(crossed(compactSpans(batch))) as Uint8Array)).toEqual(
        Buffer.from(ProtobufTraceSerializer.serializeRequest(batch) as Uint8Array),
      );
  });

  it('gives the serializer’s bytes for log records: bodies of every kind, severities, event names, with and without a span', async () => {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource: await asyncResource(), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
    const logger = provider.getLogger('ansible-otel-sidecar', '0.1.0');
    const span = trace.setSpanContext(ROOT_CONTEXT, { traceId: '5'.repeat(32), spanId: '6'.repeat(16), traceFlags: TraceFlags.SAMPLED });
    logger.emit({
      body: 'task output',
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      attributes: EVERY_TYPE,
      context: span,
      timestamp: [1_700_000_000, 7],
    });
    logger.emit({
      body: { rc: 2, stderr: 'no such file', nested: { list: [1, 'two', false] } },
      severityNumber: SeverityNumber.ERROR,
      eventName: 'ansible.task.result',
    });
    logger.emit({ body: new Uint8Array([0, 1, 254, 255]), observedTimestamp: [1_700_000_001, 0] });
    logger.emit({ attributes: { only: 'attributes' } });
    provider.getLogger('other-scope').emit({ body: 42 });
    await provider.forceFlush();
    const records = memory.getFinishedLogRecords();
    expect(records).toHaveLength(5);
    const expected = ProtobufLogsSerializer.serializeRequest(records) as Uint8Array;
    expect(Buffer.from(encodeCompact(crossed(compactLogs(records))) as Uint8Array)).toEqual(Buffer.from(expected));
  });
});
