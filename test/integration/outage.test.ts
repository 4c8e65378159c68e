// A collector that is down: mid-run, and across a sidecar restart. Every span arrives exactly once.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { CLI, INVENTORY, PLAYBOOKS, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

interface Serve {
  proc: ChildProcessWithoutNullStreams;
  err: () => string;
  stop: () => Promise<number | null>;
}

async function serve(socket: string, env: NodeJS.ProcessEnv): Promise<Serve> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--socket', socket], { env });
  let err = '';
  proc.stderr.on('data', (c) => (err += c));
  await until(() => err.includes('listening on'), 10_000);
  return {
    proc,
    err: () => err,
    stop: () => {
      const exited = new Promise<number | null>((r) => proc.once('exit', r));
      proc.kill('SIGTERM');
      return exited;
    },
  };
}

function ansible(playbook: string, socket: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const shim = { ANSIBLE_CALLBACK_PLUGINS: join(PLAYBOOKS, '..', '..', 'plugin'), ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar', ANSIBLE_OTEL_SOCKET: socket };
  return new Promise((resolve) => spawn('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, playbook)], { env: { ...env, ...shim }, stdio: 'ignore' }).on('close', resolve));
}

const ended = (stderr: string): number => Number(/(\d+) spans → /.exec(stderr)?.[1] ?? /of (\d+) spans → /.exec(stderr)?.[1]);

describe('a collector that is down', () => {
  it('answering 503 mid-run: once it recovers, every span arrives exactly once', async () => {
    receiver.spans.length = 0;
    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: '1000', OTEL_TEST_TMP: tempDir() });
    const socket = join(tempDir(), 'sidecar.sock');
    const s = await serve(socket, env);
    receiver.failWith = 503;
    const run = ansible('features.yml', socket, env);
    setTimeout(() => (receiver.failWith = undefined), 4_000);
    expect(await run).toBe(4);
    await until(() => s.err().includes('features.yml: failure'), 10_000);
    expect(await s.stop()).toBe(0);
    const total = ended(s.err());
    expect(total).toBeGreaterThan(50);
    expect(s.err()).toContain(`${total} spans → `);
    expect(receiver.spans).toHaveLength(total);
    expect(new Set(receiver.spans.map((x) => x.spanId)).size).toBe(total);
  });

  it('down for a whole run: spans and metrics wait on disk and the next sidecar sends them', async () => {
    receiver.spans.length = 0;
    receiver.metricRequests.length = 0;
    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: '500', OTEL_TEST_TMP: tempDir() });
    const socket = join(tempDir(), 'sidecar.sock');
    receiver.failWith = 503;
    const first = await serve(socket, env);
    expect(await ansible('small-a.yml', socket, env)).toBe(0);
    await until(() => first.err().includes('small-a.yml: success'), 10_000);
    expect(await first.stop()).toBe(0);
    expect(first.err()).toMatch(/0 of 4 spans → .*4 wait in the disk queue/);
    expect(receiver.spans).toHaveLength(0);
    expect(receiver.metricRequests).toHaveLength(0);

    receiver.failWith = undefined;
    const second = await serve(socket, env); // same ANSIBLE_OTEL_QUEUE_DIR and endpoint
    const points = (): string[] => receiver.metricRequests.flatMap((m) => m.points.map((p) => p.metric));
    await until(() => receiver.spans.length >= 4 && points().includes('ansible.task.host.results'), 15_000);
    expect(second.err()).toMatch(/4 spans left by an earlier sidecar/);
    expect(await second.stop()).toBe(0);
    expect(receiver.spans.map((x) => x.name).sort()).toEqual(['Change a file', 'First playbook', 'h1', 'small-a.yml']);
  });
});
