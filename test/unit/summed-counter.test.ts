// Counters summed between collections (src/export/summed-counter.ts) against the SDK's own counter
// fed one increment at a time: the same data points (values, attributes, start and end times) at
// every collection, for both temporalities, under interleaved series and collections.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Attributes } from '@opentelemetry/api';
import {
  AggregationTemporality,
  DataPointType,
  MeterProvider,
  MetricReader,
  type HistogramMetricData,
  type MetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { beforeEachCollection, SummedCounter } from '../../src/export/summed-counter.js';
import { METRIC, MetricsRecorder, SERIES_KEPT } from '../../src/export/metrics-recorder.js';
import type { HostResultEvent, ItemResultEvent } from '../../src/model/run-observer.js';
import { seededRandom } from '../helpers/seeded-random.js';

class ManualReader extends MetricReader {
  constructor(temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected onShutdown(): Promise<void> {
    return Promise.resolve();
  }
  async metrics(): Promise<MetricData[]> {
    const { resourceMetrics } = await this.collect();
    return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
  }
}

let now = 1_800_000_000_000;
const tick = (ms: number) => vi.setSystemTime((now += ms));

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  tick(0);
});
afterEach(() => vi.useRealTimers());

describe.each([AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA])('a summed counter (temporality %s)', (temporality) => {
  it('gives the data points of a counter fed one increment at a time, at every collection', async () => {
    const summedReader = new ManualReader(temporality);
    const directReader = new ManualReader(temporality);
    const summedMeter = new MeterProvider({ readers: [summedReader] }).getMeter('m');
    const direct = new MeterProvider({ readers: [directReader] }).getMeter('m').createCounter('c');
    const summed = new SummedCounter(summedMeter.createCounter('c'));
    beforeEachCollection(summedMeter, () => summed.flush());
    // Three series as cached objects, one built anew on every increment (equal, not identical).
    const cached: Attributes[] = [
      { status: 'ok', task: 'a' },
      { status: 'changed', task: 'a' },
      { status: 'ok', task: 'b' },
    ];
    const next = seededRandom(14);
    let collections = 0;
    for (let step = 0; step < 3_000; step++) {
      tick(1 + Math.floor(next() * 5));
      const r = next();
      if (r < 0.02) {
        const [a, b] = await Promise.all([summedReader.metrics(), directReader.metrics()]);
        expect(a).toEqual(b);
        collections += 1;
      } else if (r < 0.1) {
        summed.inc({ status: 'failed', task: 'c' });
        direct.add(1, { status: 'failed', task: 'c' });
      } else {
        const attributes = cached[Math.floor(next() * cached.length)]!;
        summed.inc(attributes);
        direct.add(1, attributes);
      }
    }
    const [a, b] = await Promise.all([summedReader.metrics(), directReader.metrics()]);
    expect(a).toEqual(b);
    expect(collections).toBeGreaterThan(30);
    const total = (a[0] as SumMetricData).dataPoints.reduce((n, p) => n + p.value, 0);
    expect(total).toBeGreaterThan(temporality === AggregationTemporality.DELTA ? 0 : 2_900);
  });

  it('never exports the hook the flush hangs on', async () => {
    const reader = new ManualReader(temporality);
    const meter = new MeterProvider({ readers: [reader] }).getMeter('m');
    const summed = new SummedCounter(meter.createCounter('c'));
    beforeEachCollection(meter, () => summed.flush());
    summed.inc({ a: 1 });
    summed.inc({ a: 1 });
    expect((await reader.metrics()).map((m) => m.descriptor.name)).toEqual(['c']);
  });
});

const STATUSES = ['ok', 'changed', 'skipped', 'failed', 'ignored'] as const;

describe('the metrics recorder between collections', () => {
  it('has every host and item result in the collection that follows it, with two readers', async () => {
    const cumulative = new ManualReader(AggregationTemporality.CUMULATIVE);
    const delta = new ManualReader(AggregationTemporality.DELTA);
    const recorder = new MetricsRecorder(new MeterProvider({ readers: [cumulative, delta] }).getMeter('m'), { hostAttribute: false });
    const next = seededRandom(4);
    const total = new Map<string, number>();
    let sinceDelta = new Map<string, number>();
    let durations = 0;
    let durationsSinceDelta = 0;
    const expectCollected = async (reader: ManualReader, want: Map<string, number>, histogramCount: number) => {
      const metrics = await reader.metrics();
      const results = metrics.find((m) => m.descriptor.name === METRIC.HOST_RESULTS) as SumMetricData | undefined;
      const got = new Map<string, number>();
      for (const p of results?.dataPoints ?? [])
        got.set(`${p.attributes['ansible.task.host.status']}/${p.attributes['ansible.task.changed']}/${p.attributes['ansible.play.name']}`, p.value);
      for (const [k, n] of [...got]) if (n === 0) got.delete(k);
      expect(got).toEqual(want);
      const duration = metrics.find((m) => m.descriptor.name === METRIC.TASK_DURATION) as HistogramMetricData | undefined;
      expect(duration?.dataPointType ?? DataPointType.HISTOGRAM).toBe(DataPointType.HISTOGRAM);
      expect((duration?.dataPoints ?? []).reduce((n, p) => n + p.value.count, 0)).toBe(histogramCount);
    };
    for (let step = 0; step < 2_000; step++) {
      const r = next();
      if (r < 0.02) {
        await expectCollected(cumulative, total, durations);
      } else if (r < 0.04) {
        await expectCollected(delta, sinceDelta, durationsSinceDelta);
        sinceDelta = new Map();
        durationsSinceDelta = 0;
      } else {
        const status = STATUSES[Math.floor(next() * STATUSES.length)]!;
        const changed = next() < 0.5;
        const play = next() < 0.5 ? 'one' : 'two';
        const e = { playbook: 'p.yml', play, module: 'ansible.builtin.command', host: `h${step % 7}`, status, changed, startNs: 0, endNs: 1e8 };
        recorder.hostResult(e as HostResultEvent);
        if (status !== 'ignored') recorder.itemResult({ ...e, status: status === 'changed' ? 'changed' : 'ok' } as unknown as ItemResultEvent);
        const key = `${status}/${status === 'changed' || (status === 'ignored' && changed)}/${play}`;
        total.set(key, (total.get(key) ?? 0) + 1);
        sinceDelta.set(key, (sinceDelta.get(key) ?? 0) + 1);
        durations += 1;
        durationsSinceDelta += 1;
      }
    }
    await expectCollected(cumulative, total, durations);
    await expectCollected(delta, sinceDelta, durationsSinceDelta);
  });

  it('keeps at most SERIES_KEPT attribute sets while nobody collects (#23), and the next collection has every result', async () => {
    const reader = new ManualReader(AggregationTemporality.CUMULATIVE);
    const recorder = new MetricsRecorder(new MeterProvider({ readers: [reader] }).getMeter('m'), { hostAttribute: true });
    const results = 3 * SERIES_KEPT;
    let most = 0;
    for (let i = 0; i < results; i++) {
      // a fleet with the host attribute on, a scrape endpoint nobody scrapes: a new series almost every result
      const e = { playbook: 'p.yml', play: 'all', module: 'ansible.builtin.ping', host: `h${i % (2 * SERIES_KEPT)}`, status: 'ok', changed: false };
      recorder.hostResult({ ...e, startNs: 0, endNs: 1e8 } as HostResultEvent);
      recorder.itemResult(e as unknown as ItemResultEvent);
      most = Math.max(most, recorder.cachedSeries);
    }
    expect(most).toBe(SERIES_KEPT);
    const metrics = await reader.metrics();
    const sum = (name: string) => ((metrics.find((m) => m.descriptor.name === name) as SumMetricData).dataPoints ?? []).reduce((n, p) => n + p.value, 0);
    // the SDK's own cardinality limit (2,000 series) folds the rest into its overflow series: none is lost
    expect(sum(METRIC.HOST_RESULTS)).toBe(results);
    expect(sum(METRIC.ITEMS)).toBe(results);
    const duration = metrics.find((m) => m.descriptor.name === METRIC.TASK_DURATION) as HistogramMetricData;
    expect(duration.dataPoints.reduce((n, p) => n + p.value.count, 0)).toBe(results);
    expect(recorder.cachedSeries).toBe(0);
  });
});
