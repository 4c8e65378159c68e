// A collector that is down: mid-run, and across a sidecar restart. Every span arrives exactly
// once, over OTLP/HTTP and over OTLP/gRPC alike.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver, type OtlpReceiving } from '../helpers/otlp-receiver.js';
import { OtlpGrpcReceiver } from '../helpers/otlp-grpc-receiver.js';
import { cleanEnv, runShimmed, tempDir } from '../helpers/sidecar-run.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { until } from '../helpers/until.js';

const transports: [string, OtlpReceiving, Record<string, string>][] = [
  ['OTLP/HTTP', new OtlpReceiver(), {}],
  ['OTLP/gRPC', new OtlpGrpcReceiver(), { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }],
];

const serve = (socket: string, env: NodeJS.ProcessEnv): Promise<ServeProcess> => startServe(['--socket', socket], env);

const ansible = async (playbook: string, socket: string, env: NodeJS.ProcessEnv): Promise<number | null> => (await runShimmed(playbook, socket, env)).code;

const ended = (stderr: string): number => Number(/(\d+) spans → /.exec(stderr)?.[1] ?? /of (\d+) spans → /.exec(stderr)?.[1]);

describe.each(transports)('a collector that is down, over %s', (_, receiver, protocol) => {
  let url: string;
  beforeAll(async () => {
    url = await receiver.start();
  });
  afterAll(() => receiver.stop());

  it('answering 503 mid-run: once it recovers, every span arrives exactly once', async () => {
    receiver.spans.length = 0;
    // features.yml's async task holds the run (after its first poll) until the gate file exists:
    // the collector refuses spans of this run, then recovers, while the run is still going.
    const tmp = tempDir();
    const gate = join(tmp, 'gate');
    const env = cleanEnv({
      ...protocol,
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_TIMEOUT: '1000',
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_TEST_TMP: tmp,
      OTEL_TEST_GATE: gate,
    });
    const socket = join(tempDir(), 'sidecar.sock');
    const s = await serve(socket, env);
    receiver.failWith = 503;
    receiver.refused = 0;
    const run = ansible('features.yml', socket, env);
    await until(() => existsSync(join(tmp, 'polled-h1')) && receiver.refused > 0, 180_000, 'the first async poll and a refused export');
    receiver.failWith = undefined;
    writeFileSync(gate, '');
    expect(await run).toBe(4);
    await s.stderr.waitFor('features.yml: failure');
    expect(await s.stop()).toBe(0);
    const total = ended(s.stderr.text());
    expect(total).toBeGreaterThan(50);
    expect(s.stderr.text()).toContain(`${total} spans → `);
    expect(receiver.spans).toHaveLength(total);
    expect(new Set(receiver.spans.map((x) => x.spanId)).size).toBe(total);
  });

  it('down for a whole run: spans and metrics wait on disk and the next sidecar sends them', async () => {
    receiver.spans.length = 0;
    receiver.metricRequests.length = 0;
    const env = cleanEnv({ ...protocol, OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: '500', OTEL_TEST_TMP: tempDir() });
    const socket = join(tempDir(), 'sidecar.sock');
    receiver.failWith = 503;
    const first = await serve(socket, env);
    expect(await ansible('small-a.yml', socket, env)).toBe(0);
    await first.stderr.waitFor('small-a.yml: success');
    expect(await first.stop()).toBe(0);
    expect(first.stderr.text()).toMatch(/0 of 4 spans → .*4 wait in the disk queue/);
    expect(receiver.spans).toHaveLength(0);
    expect(receiver.metricRequests).toHaveLength(0);

    receiver.failWith = undefined;
    const second = await serve(socket, env); // same ANSIBLE_OTEL_QUEUE_DIR and endpoint
    const points = (): string[] => receiver.metricRequests.flatMap((m) => m.points.map((p) => p.metric));
    await until(() => receiver.spans.length >= 4 && points().includes('ansible.task.host.results'), 60_000, 'the queued spans and metrics');
    expect(second.stderr.text()).toMatch(/4 spans left by an earlier sidecar/);
    expect(await second.stop()).toBe(0);
    expect(receiver.spans.map((x) => x.name).sort()).toEqual(['Change a file', 'First playbook', 'RUN small-a.yml', 'h1']);
  });
});
