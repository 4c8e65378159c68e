// OTLP metrics from a real ansible-playbook run, received by a loopback OTLP/HTTP receiver.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pointsOfJsonLines, TEMPORALITY, type OtlpPoint } from '../helpers/otlp-metrics.js';
import { recap } from '../helpers/play-recap.js';
import { cleanEnv, runPlaybooks, tempDir } from '../helpers/sidecar-run.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

function byStatus(points: OtlpPoint[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of points.filter((x) => x.metric === 'ansible.task.host.results')) {
    const s = String(p.attributes['ansible.task.host.status']);
    out[s] = (out[s] ?? 0) + p.value!;
  }
  return out;
}

describe('OTLP metrics export', () => {
  it('sends the run truth over http/protobuf: statuses as in the PLAY RECAP, one duration per host result', async () => {
    const before = receiver.metricRequests.length;
    const r = await runPlaybooks(['features.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() }));
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`metrics → ${url}/v1/metrics (OTLP http/protobuf)`);
    const requests = receiver.metricRequests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    expect(requests.every((q) => q.contentType === 'application/x-protobuf')).toBe(true);
    const points = requests.at(-1)!.points;

    const counted = byStatus(points);
    const ansible = recap(r.stdout);
    expect(counted.failed ?? 0).toBe(ansible.failed);
    expect(counted.unreachable ?? 0).toBe(ansible.unreachable);
    expect(counted.skipped ?? 0).toBe(ansible.skipped);
    expect(counted.rescued ?? 0).toBe(ansible.rescued);
    expect(counted.ignored ?? 0).toBe(ansible.ignored);
    // ansible's changed also counts changed loop items and handlers of one task; ours counts host results
    expect(counted.changed).toBeLessThanOrEqual(ansible.changed!);

    const durations = points.filter((p) => p.metric === 'ansible.task.duration');
    const results = Object.values(counted).reduce((a, b) => a + b, 0);
    expect(durations.reduce((n, p) => n + p.count!, 0)).toBe(results);
    expect(durations.every((p) => p.kind === 'histogram' && p.unit === 's' && p.temporality === TEMPORALITY.CUMULATIVE)).toBe(true);
    expect(durations[0]!.bounds).toContain(0.5);
    // every host result lies inside the playbook span: on 3 hosts the task time is at most 3 × the playbook's
    const playbook = points.find((p) => p.metric === 'ansible.playbook.duration')!;
    expect(playbook.attributes).toEqual({ 'ansible.playbook.name': 'features.yml', 'cicd.pipeline.result': 'failure' });
    const taskSeconds = durations.reduce((n, p) => n + p.sum!, 0);
    expect(taskSeconds).toBeGreaterThan(0);
    expect(taskSeconds).toBeLessThanOrEqual(playbook.sum! * 3);

    for (const p of points) {
      expect(p.resource['service.name']).toBe('ansible');
      expect(Object.keys(p.attributes)).not.toContain('ansible.task.host.name');
      expect(Object.keys(p.attributes)).not.toContain('cicd.pipeline.run.id');
    }
    const run = points.find((p) => p.metric === 'cicd.pipeline.run.duration')!;
    // features.yml exits 4 (a host unreachable, another failed): the run's error.type is the exit code's
    expect(run.attributes).toMatchObject({ 'cicd.pipeline.name': 'features.yml', 'cicd.pipeline.result': 'failure', 'error.type': 'unreachable' });
    expect(points.find((p) => p.metric === 'cicd.pipeline.run.errors')!.unit).toBe('{error}');
    expect(points.find((p) => p.metric === 'ansible.sidecar.frame.received')!.value).toBeGreaterThan(0);
    expect(points.find((p) => p.metric === 'ansible.sidecar.frame.rejected')!.value).toBe(0);
  });

  it('writes OTLP/JSON lines to a local file when no endpoint is configured, and says so', async () => {
    const cwd = tempDir();
    const r = await runPlaybooks(['small-b.yml'], cleanEnv({}), { cwd });
    expect(r.code, r.stderr).toBe(0);
    const file = join(cwd, 'ansible-otel-metrics.jsonl');
    expect(r.stderr).toContain(`metrics → ${file} (OTLP/JSON lines)`);
    const points = pointsOfJsonLines(readFileSync(file, 'utf8'));
    expect(byStatus(points)).toEqual({ ok: 1 });
    expect(points.find((p) => p.metric === 'ansible.playbook.runs' && p.attributes['cicd.pipeline.result'] === 'success')!.value).toBe(1);
  });

  it('honours http/json, delta temporality, exponential histograms and the host opt-in', async () => {
    const before = receiver.metricRequests.length;
    const r = await runPlaybooks(
      ['small-b.yml'],
      cleanEnv({
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${url}/v1/metrics`,
        OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: 'delta',
        OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION: 'base2_exponential_bucket_histogram',
        OTEL_TRACES_EXPORTER: 'none',
        ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE: 'true',
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    const requests = receiver.metricRequests.slice(before);
    expect(requests.every((q) => q.contentType === 'application/json')).toBe(true);
    const points = requests.flatMap((q) => q.points);
    const task = points.find((p) => p.metric === 'ansible.task.duration')!;
    expect(task.kind).toBe('exponentialHistogram');
    expect(task.temporality).toBe(TEMPORALITY.DELTA);
    expect(task.attributes['ansible.task.host.name']).toBe('h1');
    expect(points.find((p) => p.metric === 'ansible.task.host.results')!.temporality).toBe(TEMPORALITY.DELTA);
  });
});
