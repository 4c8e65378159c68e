// The task duration histogram as a loopback OTLP/HTTP receiver gets it from serve, over two runs
// and many collections, in both temporalities: its count is the host results ansible-playbook
// printed, its sum, min and max are the host spans' durations the same receiver got, its buckets add
// up to its count; cumulative points keep their start and grow, delta points start at the previous
// collection and hold only what is new.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { parseAnsibleOutput } from '../helpers/ansible-output.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { TEMPORALITY, type OtlpPoint } from '../helpers/otlp-metrics.js';
import type { OtlpSpan } from '../helpers/otlp-spans.js';
import { startServe } from '../helpers/serve-process.js';
import { cleanEnv, runShimmed, tempDir } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

/** Host results as ansible printed them: a result line without an item (these playbooks have no loops). */
const printedResults = (stdout: string): number =>
  parseAnsibleOutput(stdout)
    .tasks.flatMap((t) => t.results)
    .filter((r) => r.item === undefined).length;

const durationsOf = (requests: { points: OtlpPoint[] }[]) => requests.map((q) => q.points.filter((p) => p.metric === 'ansible.task.duration'));
const count = (points: OtlpPoint[]) => points.reduce((n, p) => n + p.count!, 0);
const hostSpans = (spans: OtlpSpan[]) =>
  spans.filter((s) => s.attributes['ansible.task.host.status'] !== undefined && s.attributes['ansible.task.item.label'] === undefined);
const seconds = (s: OtlpSpan) => Number(s.endNs - s.startNs) / 1e9;

describe('the task duration histogram over OTLP', () => {
  for (const temporality of ['cumulative', 'delta'] as const) {
    it(`has ansible's host results and the host spans' durations, ${temporality}, over two runs`, async () => {
      const dir = tempDir();
      const socket = join(dir, 'run', 'sidecar.sock');
      const env = cleanEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: temporality,
        OTEL_METRIC_EXPORT_INTERVAL: '200',
        OTEL_BSP_SCHEDULE_DELAY: '100',
        OTEL_LOGS_EXPORTER: 'none',
      });
      const [requestsBefore, spansBefore] = [receiver.metricRequests.length, receiver.spans.length];
      const serve = await startServe(['--socket', socket], env, dir);
      try {
        const requests = () => receiver.metricRequests.slice(requestsBefore);
        // cumulative: the last export has everything; delta: every export adds what is new
        const exported = () => (temporality === 'cumulative' ? count(durationsOf(requests()).at(-1) ?? []) : count(durationsOf(requests()).flat()));

        const first = await runShimmed('failures.yml', socket, env);
        const n1 = printedResults(first.stdout);
        expect(n1, first.stdout).toBeGreaterThan(5);
        await until(() => exported() === n1, 60_000, `${n1} durations exported`);
        const between = requests().length;
        const second = await runShimmed('baseline.yml', socket, env);
        expect(second.code, second.stdout).toBe(0);
        const n2 = printedResults(second.stdout);
        expect(n2).toBeGreaterThan(0);
        await until(() => exported() === n1 + n2, 60_000, `${n1 + n2} durations exported`);
        await until(() => hostSpans(receiver.spans.slice(spansBefore)).length === n1 + n2, 60_000, 'the host spans');

        const all = durationsOf(requests());
        for (const p of all.flat()) {
          expect(p.kind).toBe('histogram');
          expect(p.unit).toBe('s');
          expect(p.temporality).toBe(temporality === 'cumulative' ? TEMPORALITY.CUMULATIVE : TEMPORALITY.DELTA);
          expect(p.bucketCounts!.reduce((a, b) => a + b, 0)).toBe(p.count);
          expect(p.bounds).toEqual([0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600]);
        }
        const key = (p: OtlpPoint) => JSON.stringify(p.attributes);
        if (temporality === 'cumulative') {
          // one start per series; counts never go down
          const seen = new Map<string, OtlpPoint>();
          for (const p of all.flat()) {
            const before = seen.get(key(p));
            if (before) {
              expect(p.startNs).toBe(before.startNs);
              expect(p.count!).toBeGreaterThanOrEqual(before.count!);
            }
            seen.set(key(p), p);
          }
          expect(count(all.at(-1)!)).toBe(n1 + n2);
        } else {
          // only the second run's results after the first run's were exported
          expect(count(all.slice(between).flat())).toBe(n2);
          // a delta point starts where the previous collection ended: exactly the end of its
          // durations when it had some; else the SDK's points' end in that export (taken apart
          // from ours in the same collection, a few ms apart at most on a loaded machine)
          all.forEach((points, i) => {
            if (i === 0) return;
            const previous = all[i - 1]![0]?.endNs;
            const near = BigInt(requests()[i - 1]!.points[0]!.endNs!);
            for (const p of points) {
              if (previous) expect(p.startNs).toBe(previous);
              else expect(Math.abs(Number(BigInt(p.startNs!) - near)) / 1e6).toBeLessThan(50);
            }
          });
        }
        // sum, min and max against the host spans (their times are the shim's, as the histogram's)
        const spans = hostSpans(receiver.spans.slice(spansBefore)).map(seconds);
        const final = temporality === 'cumulative' ? all.at(-1)! : all.flat();
        expect(final.reduce((n, p) => n + p.sum!, 0)).toBeCloseTo(
          spans.reduce((a, b) => a + b, 0),
          6,
        );
        expect(Math.min(...final.map((p) => p.min!))).toBeCloseTo(Math.min(...spans), 9);
        expect(Math.max(...final.map((p) => p.max!))).toBeCloseTo(Math.max(...spans), 9);
      } finally {
        expect(await serve.stop()).toBe(0);
      }
    });
  }
});
