import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { KeyedIdGenerator } from '../../src/export/keyed-id-generator.js';
import { OtelTraceWriter } from '../../src/export/otel-trace-writer.js';
import { RunModel } from '../../src/model/run-model.js';
import { loadFrames } from '../helpers/recorded-run.js';

/** The recorded run through the real SDK; returns "name parent→span" per exported span. */
function export_(fixture: string): { ids: string[]; traceIds: Set<string> } {
  const memory = new InMemorySpanExporter();
  const ids = new KeyedIdGenerator();
  const provider = new BasicTracerProvider({ idGenerator: ids, spanProcessors: [new SimpleSpanProcessor(memory)] });
  const frames = loadFrames(fixture);
  const model = new RunModel(new OtelTraceWriter(provider.getTracer('t'), ids), frames[0]!.run);
  for (const f of frames) model.apply(f);
  model.finish();
  const spans = memory.getFinishedSpans();
  return {
    ids: spans.map((s) => `${s.name} ${s.parentSpanContext?.spanId ?? '-'}→${s.spanContext().spanId}`).sort(),
    traceIds: new Set(spans.map((s) => s.spanContext().traceId)),
  };
}

describe('span ids derived from the run', () => {
  it('are the same when the same frames are replayed, so a replay duplicates nothing', () => {
    const first = export_('features');
    const again = export_('features');
    expect(again.ids).toEqual(first.ids);
    expect(again.traceIds).toEqual(first.traceIds);
    expect(new Set(first.ids.map((s) => s.split('→')[1])).size).toBe(first.ids.length);
  });

  it('differ between runs', () => {
    const a = export_('features');
    const b = export_('includes');
    expect([...a.traceIds].some((t) => b.traceIds.has(t))).toBe(false);
  });

  it('keep the TRACEPARENT trace id for root spans', () => {
    expect([...export_('small-a-b-check').traceIds]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736']);
  });
});
