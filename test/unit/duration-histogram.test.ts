// The task duration histogram the recorder aggregates itself (src/export/duration-histogram.ts)
// against the SDK's own histogram instrument fed the same values: the same points (attributes,
// count, sum, min, max, bucket counts, descriptor, scope) at every collection, cumulative and delta,
// under interleaved series and collections; its series bound and overflow series against the SDK's
// cardinality limit; and the recorder's points from a recorded real run against the SDK instrument's.
import { describe, expect, it } from 'vitest';
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { bucketOf, DurationHistogram, HISTOGRAM_SERIES_KEPT, withHistogram } from '../../src/export/duration-histogram.js';
import { METRIC, MetricsRecorder, TASK_BUCKETS, TASK_DURATION } from '../../src/export/metrics-recorder.js';
import { SCOPE_NAME, SCOPE_OPTIONS } from '../../src/export/scope.js';
import { RunModel } from '../../src/model/run-model.js';
import { ObserverFanout } from '../../src/model/run-observer.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { loadFrames } from '../helpers/recorded-run.js';
import { seededRandom } from '../helpers/seeded-random.js';

class ManualReader extends MetricReader {
  constructor(temporality: AggregationTemporality, metricProducers: MetricProducer[] = [], cardinalityLimit?: number) {
    super({
      aggregationTemporalitySelector: () => temporality,
      metricProducers,
      ...(cardinalityLimit ? { cardinalitySelector: () => cardinalityLimit } : {}),
    });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  async scopeMetrics() {
    return (await this.collect()).resourceMetrics.scopeMetrics;
  }
  async duration(): Promise<HistogramMetricData | undefined> {
    const metrics: MetricData[] = (await this.scopeMetrics()).flatMap((s) => s.metrics);
    return metrics.find((m) => m.descriptor.name === METRIC.TASK_DURATION) as HistogramMetricData | undefined;
  }
}

/** A reader over the SDK instrument (the oracle) and one over the producer, of one temporality. */
function pair(temporality: AggregationTemporality, limit?: number) {
  const sdkReader = new ManualReader(temporality, [], limit);
  const meter = new MeterProvider({ readers: [sdkReader] }).getMeter(SCOPE_NAME, undefined, SCOPE_OPTIONS);
  const { name, unit, description, boundaries } = TASK_DURATION;
  const sdk = meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: boundaries } });
  const ours = new DurationHistogram(TASK_DURATION, limit);
  const reader = withHistogram(ours, (producers) => new ManualReader(temporality, producers));
  new MeterProvider({ readers: [reader] });
  return { sdkReader, sdk, ours, reader };
}

/**
 * A point without its times, keyed by its attributes, for comparing with the SDK's. The sum to 12
 * digits: the SDK's cumulative sum adds up its intervals' sums, in another order than one by one.
 */
const values = (m: HistogramMetricData | undefined) =>
  Object.fromEntries(
    (m?.dataPoints ?? [])
      .map((p) => [JSON.stringify(p.attributes), { ...p.value, sum: Number(p.value.sum?.toPrecision(12)) }] as const)
      .sort(([a], [b]) => a.localeCompare(b)),
  );

/** Values on and beside every boundary, zero, past the last one. */
function valueFrom(r: number, r2: number): number {
  const b = TASK_BUCKETS[Math.floor(r2 * TASK_BUCKETS.length)]!;
  if (r < 0.3) return b;
  if (r < 0.4) return b + Number.EPSILON * b;
  if (r < 0.5) return b - Number.EPSILON * b;
  if (r < 0.55) return 0;
  if (r < 0.6) return 7200;
  return r2 * 100;
}

describe('the task duration histogram against the SDK instrument', () => {
  it('puts a value in the bucket (b[i-1], b[i]], upper bound inclusive', () => {
    expect(bucketOf(TASK_BUCKETS, 0)).toBe(0);
    expect(bucketOf(TASK_BUCKETS, 0.05)).toBe(0);
    expect(bucketOf(TASK_BUCKETS, 0.050000001)).toBe(1);
    expect(bucketOf(TASK_BUCKETS, 3600)).toBe(TASK_BUCKETS.length - 1);
    expect(bucketOf(TASK_BUCKETS, 3600.5)).toBe(TASK_BUCKETS.length);
  });

  for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    const kind = temporality === AggregationTemporality.CUMULATIVE ? 'cumulative' : 'delta';
    it(`has the SDK's points at every ${kind} collection, series and collections interleaved`, async () => {
      const { sdkReader, sdk, ours, reader } = pair(temporality);
      const attributes: Attributes[] = [1, 2, 3, 4, 5].map((i) => ({ 'ansible.task.host.status': i % 2 ? 'ok' : 'failed', 'ansible.play.name': `p${i}` }));
      const next = seededRandom(31);
      const starts = new Map<string, unknown>();
      let lastEnd: unknown;
      let collections = 0;
      for (let step = 0; step < 3_000; step++) {
        if (next() < 0.01) {
          const [want, got] = [await sdkReader.duration(), await reader.duration()];
          expect(values(got)).toEqual(values(want));
          if (got) {
            expect(got.descriptor).toEqual(want!.descriptor);
            expect(got.aggregationTemporality).toBe(temporality);
            expect(got.dataPointType).toBe(DataPointType.HISTOGRAM);
          }
          for (const p of got?.dataPoints ?? []) {
            const key = JSON.stringify(p.attributes);
            // cumulative: one start per series for good; delta: from the previous collection on
            if (temporality === AggregationTemporality.CUMULATIVE) expect(p.startTime).toEqual(starts.get(key) ?? p.startTime);
            else if (lastEnd) expect(p.startTime).toEqual(lastEnd);
            starts.set(key, p.startTime);
            expect(p.value.buckets.counts.reduce((a, b) => a + b, 0)).toBe(p.value.count);
          }
          lastEnd = got?.dataPoints[0]?.endTime ?? lastEnd;
          collections += 1;
          continue;
        }
        const a = attributes[Math.floor(next() * attributes.length)]!;
        const v = valueFrom(next(), next());
        sdk.record(v, a);
        ours.seriesOf(JSON.stringify(a), () => a).record(v);
      }
      expect(collections).toBeGreaterThan(10);
      expect(values(await reader.duration())).toEqual(values(await sdkReader.duration()));
    });
  }

  it('reports in the scope of the SDK instrument, nothing while nothing was recorded', async () => {
    const { sdkReader, sdk, ours, reader } = pair(AggregationTemporality.DELTA);
    expect(await reader.duration()).toBeUndefined();
    sdk.record(1, { a: 1 });
    ours.seriesOf('a', () => ({ a: 1 })).record(1);
    const scopes = (await reader.scopeMetrics()).map((s) => s.scope);
    const sdkScopes = (await sdkReader.scopeMetrics()).map((s) => s.scope);
    expect(scopes).toEqual(sdkScopes);
    expect(await reader.duration()).toBeUndefined();
  });

  it('keeps at most its limit of series and folds the rest into the overflow series, as the SDK does', async () => {
    const limit = 4;
    const { sdkReader, sdk, ours, reader } = pair(AggregationTemporality.DELTA, limit);
    for (let i = 0; i < 10 * limit; i++) {
      const a = { host: `h${i % (3 * limit)}` };
      sdk.record(i, a);
      ours.seriesOf(a.host, () => a).record(i);
      expect(ours.size).toBeLessThanOrEqual(limit);
    }
    const got = await reader.duration();
    expect(values(got)).toEqual(values(await sdkReader.duration()));
    expect(got!.dataPoints.map((p) => p.attributes)).toContainEqual({ 'otel.metric.overflow': true });
    expect(got!.dataPoints.reduce((n, p) => n + p.value.count, 0)).toBe(10 * limit);
  });

  it('stays flat over many new series (a serve that runs for months)', () => {
    const h = new DurationHistogram(TASK_DURATION);
    for (let i = 0; i < 5 * HISTOGRAM_SERIES_KEPT; i++) h.seriesOf(`k${i}`, () => ({ k: i })).record(1);
    expect(h.size).toBe(HISTOGRAM_SERIES_KEPT);
  });
});

describe('the recorder with the task duration histogram', () => {
  it('makes the SDK instrument’s points from a recorded real run, for a cumulative and a delta reader', async () => {
    const frames = loadFrames('features');
    const sdkReader = new ManualReader(AggregationTemporality.CUMULATIVE);
    const durations = new DurationHistogram(TASK_DURATION);
    const cumulative = withHistogram(durations, (p) => new ManualReader(AggregationTemporality.CUMULATIVE, p));
    const delta = withHistogram(durations, (p) => new ManualReader(AggregationTemporality.DELTA, p));
    const recorders = [
      new MetricsRecorder(new MeterProvider({ readers: [sdkReader] }).getMeter('m'), { hostAttribute: true }),
      new MetricsRecorder(new MeterProvider({ readers: [cumulative, delta] }).getMeter('m'), { hostAttribute: true, durations }),
    ];
    const model = new RunModel(new MemoryWriter() as never, frames[0]!.run, new ObserverFanout(recorders));
    const half = Math.floor(frames.length / 2);
    for (const f of frames.slice(0, half)) model.apply(f);
    const first = await delta.duration();
    for (const f of frames.slice(half)) model.apply(f);
    model.finish();
    const want = await sdkReader.duration();
    expect(want!.dataPoints.length).toBeGreaterThan(5);
    expect(values(await cumulative.duration())).toEqual(values(want));
    // the two delta points of a series add up to its cumulative one
    const second = await delta.duration();
    const counts = new Map<string, number>();
    for (const p of [...first!.dataPoints, ...second!.dataPoints])
      counts.set(JSON.stringify(p.attributes), (counts.get(JSON.stringify(p.attributes)) ?? 0) + p.value.count);
    expect(counts).toEqual(new Map(want!.dataPoints.map((p) => [JSON.stringify(p.attributes), p.value.count])));
  });
});
