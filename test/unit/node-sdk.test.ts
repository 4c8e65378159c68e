// NodeSDK builds the providers from our parts and is kept: its shutdown flushes them and removes
// the globals again, so a process can build the sidecar twice; OTEL_SDK_DISABLED still gives
// working providers.
import { trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemoryMetricExporter, AggregationTemporality, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyedIdGenerator } from '../../src/export/keyed-id-generator.js';
import { OtelSdk } from '../../src/export/node-sdk.js';
import { sidecarResources } from '../../src/export/resource.js';
import { ciAttributes } from '../../src/export/ci-environment.js';

function parts(disabled: boolean) {
  const spans = new InMemorySpanExporter();
  const records = new InMemoryLogRecordExporter();
  const resource = resourceFromAttributes({ 'service.name': 'ansible', 'test.case': 'node-sdk' });
  return {
    spans,
    records,
    sdk: {
      disabled,
      resource,
      metricsResource: resource,
      idGenerator: new KeyedIdGenerator(),
      spanProcessors: [new SimpleSpanProcessor(spans)],
      metricReaders: [],
      logRecordProcessors: [new SimpleLogRecordProcessor({ exporter: records })],
      logRecordLimits: { attributeValueLengthLimit: Infinity, attributeCountLimit: 128 },
    },
  };
}

/** A span through the global API: it reaches `spans` only while our provider is the registered one. */
function viaGlobal(name: string): void {
  trace.getTracer('t').startSpan(name).end();
}

let started: OtelSdk | undefined;
afterEach(async () => {
  await started?.shutdown(1000);
});

describe('NodeSDK providers', () => {
  it('are the registered globals, carry the resource and our processors, and are flushed and go away on shutdown', async () => {
    const p = parts(false);
    started = new OtelSdk(p.sdk);
    expect(logs.getLoggerProvider()).toBe(started.loggerProvider);
    expect(started.meterProvider).toBeUndefined(); // no reader, no provider
    started.tracerProvider.getTracer('t').startSpan('play').end();
    started.loggerProvider.getLogger('t').emit({ body: 'task output' });
    expect(p.spans.getFinishedSpans().map((s) => [s.name, s.resource.attributes['test.case']])).toEqual([['play', 'node-sdk']]);
    expect(p.records.getFinishedLogRecords().map((r) => r.body)).toEqual(['task output']);
    viaGlobal('via the global API');
    expect(p.spans.getFinishedSpans()).toHaveLength(2);
    await started.shutdown(1000);
    expect(p.spans.getFinishedSpans()).toEqual([]); // the in-memory exporter forgets on shutdown: it was shut down
    viaGlobal('after shutdown');
    expect(p.spans.getFinishedSpans()).toEqual([]);
    expect(logs.getLoggerProvider()).not.toBe(started.loggerProvider);
  });

  it('can be built again in the same process, the second set replacing the first', async () => {
    const first = new OtelSdk(parts(false).sdk);
    await first.shutdown(1000);
    const p = parts(false);
    started = new OtelSdk(p.sdk);
    viaGlobal('via the global API');
    expect(p.spans.getFinishedSpans().map((s) => s.name)).toEqual(['via the global API']);
  });

  it('under OTEL_SDK_DISABLED still feed our processors (option-requested files), registering nothing', () => {
    const p = parts(true);
    started = new OtelSdk(p.sdk);
    viaGlobal('not ours');
    started.tracerProvider.getTracer('t').startSpan('play').end();
    expect(p.spans.getFinishedSpans().map((s) => s.name)).toEqual(['play']);
  });

  it('give metrics a resource of their own when the CI run entity is left out of it, the same readers still fed', async () => {
    const github = { GITHUB_ACTIONS: 'true', GITHUB_REPOSITORY: 'acme/infra', GITHUB_RUN_ID: '42', GITHUB_WORKFLOW: 'deploy', GITHUB_JOB: 'ansible' };
    const { resource, metricsResource } = sidecarResources([], ciAttributes(github));
    const p = parts(false);
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 });
    started = new OtelSdk({ ...p.sdk, resource, metricsResource, metricReaders: [reader] });
    started.meterProvider!.getMeter('t').createCounter('runs').add(1);
    await reader.forceFlush();
    const [exported] = exporter.getMetrics();
    expect(exported!.resource.attributes).toMatchObject({ 'ansible.ci.pipeline.name': 'deploy', 'ansible.ci.job.name': 'ansible' });
    expect(exported!.resource.attributes).not.toHaveProperty(['ansible.ci.pipeline.run.id']);
    expect(exported!.resource.attributes).not.toHaveProperty(['ansible.ci.pipeline.run.url.full']);
    started.tracerProvider.getTracer('t').startSpan('play').end();
    expect(p.spans.getFinishedSpans()[0]!.resource.attributes).toMatchObject({ 'ansible.ci.pipeline.run.id': '42' }); // traces keep it
    await started.shutdown(1000);
    expect(exporter.getMetrics()).toHaveLength(2); // its own provider was shut down with the SDK: the reader's final push
  });
});
