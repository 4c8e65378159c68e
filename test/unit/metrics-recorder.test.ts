// The metrics recorder fed by the run model's events, replayed from a recorded real run, read
// through the SDK's in-memory exporter: no sockets, no clock.
import { describe, expect, it } from 'vitest';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type MetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { ValueType } from '@opentelemetry/api';
import { RunModel } from '../../src/model/run-model.js';
import { ObserverFanout, type HostResultEvent, type RunObserver } from '../../src/model/run-observer.js';
import { METRIC, MetricsRecorder, TASK_BUCKETS } from '../../src/export/metrics-recorder.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { loadFrames } from '../helpers/recorded-run.js';

async function record(fixture: string, hostAttribute = false) {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const hostResults: HostResultEvent[] = [];
  const spy: RunObserver = { hostResult: (e) => hostResults.push(e) };
  const frames = loadFrames(fixture);
  const model = new RunModel(
    new MemoryWriter() as never,
    frames[0]!.run,
    new ObserverFanout([new MetricsRecorder(provider.getMeter('test'), { hostAttribute }), spy]),
  );
  for (const f of frames) model.apply(f);
  model.finish();
  await reader.forceFlush();
  const metrics = exporter
    .getMetrics()
    .at(-1)!
    .scopeMetrics.flatMap((s) => s.metrics);
  await provider.shutdown();
  const metric = (name: string): MetricData => {
    const m = metrics.find((x) => x.descriptor.name === name);
    if (!m) throw new Error(`no metric ${name} among ${metrics.map((x) => x.descriptor.name).join(', ')}`);
    return m;
  };
  return { model, metrics, metric, hostResults };
}

const sumBy = (m: MetricData, key: string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const p of (m as SumMetricData).dataPoints) out[String(p.attributes[key])] = (out[String(p.attributes[key])] ?? 0) + (p.value as number);
  return out;
};

describe('metrics recorded from a real run', () => {
  it('counts whole things as integers and measures durations as doubles', async () => {
    const { metrics } = await record('features');
    for (const m of metrics) {
      const counts = m.dataPointType === DataPointType.SUM;
      expect(m.descriptor.valueType, m.descriptor.name).toBe(counts ? ValueType.INT : ValueType.DOUBLE);
    }
    expect(metrics.filter((m) => m.dataPointType === DataPointType.SUM).length).toBeGreaterThanOrEqual(5);
  });

  it('counts host results by status exactly as the run model does', async () => {
    const { model, metric } = await record('features');
    const counted = sumBy(metric(METRIC.HOST_RESULTS), 'ansible.task.host.status');
    expect(counted).toEqual(model.result().hostResults);
    expect(Object.keys(counted).sort()).toEqual(['changed', 'failed', 'ignored', 'ok', 'rescued', 'skipped', 'unreachable']);
  });

  it('records one task duration per host result, in seconds from the frame timestamps, in second buckets', async () => {
    const { metric, hostResults } = await record('features');
    const h = metric(METRIC.TASK_DURATION) as HistogramMetricData;
    expect(h.descriptor.unit).toBe('s');
    expect(h.dataPointType).toBe(DataPointType.HISTOGRAM);
    const count = h.dataPoints.reduce((n, p) => n + p.value.count, 0);
    const sum = h.dataPoints.reduce((n, p) => n + (p.value.sum ?? 0), 0);
    expect(count).toBe(hostResults.length);
    expect(sum).toBeCloseTo(
      hostResults.reduce((n, e) => n + (e.endNs - e.startNs) / 1e9, 0),
      6,
    );
    for (const p of h.dataPoints) expect(p.value.buckets.boundaries).toEqual(TASK_BUCKETS);
  });

  it('keeps attributes bounded: module, status, playbook, play (and changed on the results counter); no host, run id or message', async () => {
    const { metric } = await record('features');
    const keys = new Set((metric(METRIC.TASK_DURATION) as HistogramMetricData).dataPoints.flatMap((p) => Object.keys(p.attributes)));
    expect([...keys].sort()).toEqual(['ansible.play.name', 'ansible.playbook.name', 'ansible.task.host.status', 'ansible.task.module']);
    const failed = (metric(METRIC.HOST_RESULTS) as SumMetricData).dataPoints.find(
      (p) => p.attributes['ansible.task.host.status'] === 'failed' && p.attributes['ansible.task.module'] === 'ansible.builtin.fail',
    )!;
    expect(failed.attributes).toEqual({
      'ansible.task.host.status': 'failed',
      'ansible.playbook.name': 'features.yml',
      'ansible.play.name': 'Everything else',
      'ansible.task.module': 'ansible.builtin.fail',
      'ansible.task.changed': false,
    });
  });

  it('adds the host name only when the user opts in', async () => {
    const { metric } = await record('features', true);
    const hosts = new Set((metric(METRIC.HOST_RESULTS) as SumMetricData).dataPoints.map((p) => p.attributes['ansible.task.host.name']));
    expect(hosts.has('h2')).toBe(true);
    expect(hosts.has(undefined)).toBe(false);
  });

  it('counts items and retries', async () => {
    const { metric } = await record('features');
    expect(Object.values(sumBy(metric(METRIC.RETRIES), 'ansible.playbook.name'))).toEqual([4]);
    expect(sumBy(metric(METRIC.ITEMS), 'ansible.task.host.status').failed).toBeGreaterThan(0);
  });

  it('records the playbook run, its result and the CI/CD pipeline metrics', async () => {
    const { metric } = await record('features');
    expect(sumBy(metric(METRIC.PLAYBOOK_RUNS), 'cicd.pipeline.result')).toEqual({ success: 0, failure: 1 });
    const run = (metric(METRIC.CICD_RUN_DURATION) as HistogramMetricData).dataPoints;
    expect(run).toHaveLength(1);
    expect(run[0]!.attributes).toMatchObject({ 'cicd.pipeline.name': 'features.yml', 'cicd.pipeline.result': 'failure', 'error.type': 'failed' });
    expect(metric(METRIC.PLAYBOOK_DURATION).descriptor.unit).toBe('s');
    expect(sumBy(metric(METRIC.CICD_RUN_ACTIVE), 'cicd.pipeline.name')).toEqual({ 'features.yml': 0 });
    expect(sumBy(metric(METRIC.CICD_RUN_ERRORS), 'error.type')).toEqual({ failed: 1 });
  });

  it('records an interrupted run as an error of type interrupted', async () => {
    const { metric } = await record('killed');
    expect(sumBy(metric(METRIC.CICD_RUN_ERRORS), 'error.type')).toEqual({ interrupted: 1 });
    expect(sumBy(metric(METRIC.PLAYBOOK_RUNS), 'cicd.pipeline.result')).toMatchObject({ error: 1 });
  });
});

/** ansible's own PLAY RECAP numbers of a recording: its stats frames summed over hosts and playbooks. */
function recapOf(fixture: string): Record<string, number> {
  const total: Record<string, number> = {};
  for (const f of loadFrames(fixture)) {
    if (f.t !== 'stats') continue;
    for (const counts of Object.values(f.hosts)) for (const [k, n] of Object.entries(counts)) total[k] = (total[k] ?? 0) + (n ?? 0);
  }
  return total;
}

describe.each(['features', 'features-2.19', 'shim-features', 'includes', 'secrets', 'small-a-b-check'])(
  'host results against the recorded PLAY RECAP: %s',
  (fixture) => {
    it('sums ansible.task.changed="true" to the recap changed, and failed, unreachable, skipped, rescued, ignored by status', async () => {
      const { metric } = await record(fixture);
      const recap = recapOf(fixture);
      const points = (metric(METRIC.HOST_RESULTS) as SumMetricData).dataPoints;
      const sum = (where: (a: Record<string, unknown>) => boolean): number =>
        points.filter((p) => where(p.attributes)).reduce((n, p) => n + (p.value as number), 0);
      expect(recap.changed).toBeGreaterThan(0);
      expect(sum((a) => a['ansible.task.changed'] === true)).toBe(recap.changed);
      const status = (s: string) => sum((a) => a['ansible.task.host.status'] === s);
      expect({
        failures: status('failed'),
        unreachable: status('unreachable'),
        skipped: status('skipped'),
        rescued: status('rescued'),
        ignored: status('ignored'),
      }).toEqual({
        failures: recap.failures ?? 0,
        unreachable: recap.unreachable ?? 0,
        skipped: recap.skipped ?? 0,
        rescued: recap.rescued ?? 0,
        ignored: recap.ignored ?? 0,
      });
    });
  },
);

describe('critical-path metrics', () => {
  it("records the playbook's fork wait and controller time in seconds, per playbook and result", async () => {
    const { model, metric } = await record('features');
    const a = model.result().traces[0]!.analysis!;
    expect(a.controllerNs).toBeGreaterThan(0);
    for (const [name, ns] of [
      [METRIC.RUN_FORK_WAIT, a.forkWaitNs],
      [METRIC.RUN_CONTROLLER, a.controllerNs],
    ] as const) {
      const m = metric(name) as HistogramMetricData;
      expect(m.descriptor.unit).toBe('s');
      expect(m.dataPoints).toHaveLength(1);
      expect(m.dataPoints[0]!.attributes).toEqual({ 'ansible.playbook.name': 'features.yml', 'cicd.pipeline.result': 'failure' });
      expect(m.dataPoints[0]!.value.count).toBe(1);
      expect(m.dataPoints[0]!.value.sum).toBe(ns / 1e9);
    }
  });
});
