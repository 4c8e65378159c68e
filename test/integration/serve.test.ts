// `ansible-otel serve` with plain ansible-playbook processes pointed at it by `ansible-otel env`.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { CLI, INVENTORY, PLAYBOOKS, cleanEnv, runCli, tempDir } from '../helpers/sidecar-run.js';
import { STATUS } from '../helpers/otlp-spans.js';
import { until } from '../helpers/until.js';

const receiver = new OtlpReceiver();
let serve: ChildProcessWithoutNullStreams;
let serveErr = '';
let socket: string;
let env: NodeJS.ProcessEnv;

function exportsToEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/^export (\w+)='(.*)'$/gm)) out[m[1]!] = m[2]!;
  return out;
}

function ansible(playbook: string, extra: NodeJS.ProcessEnv): Promise<number | null> {
  return new Promise((resolve) => {
    const p = spawn('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, playbook)], { env: { ...env, ...extra }, stdio: 'ignore' });
    p.on('close', resolve);
  });
}

beforeAll(async () => {
  const url = await receiver.start();
  socket = join(tempDir(), 'run', 'sidecar.sock');
  env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() });
  serve = spawn(process.execPath, [CLI, 'serve', '--socket', socket], { env });
  serve.stderr.on('data', (c) => (serveErr += c));
  await until(() => serveErr.includes('listening on'));
});

afterAll(async () => {
  serve.kill('SIGKILL');
  await receiver.stop();
});

describe('ansible-otel serve', () => {
  it('listens on a private socket', () => {
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(socket)).mode & 0o777).toBe(0o700);
  });

  it('keeps concurrent runs apart, survives a bad client, and exits 0 on SIGTERM after flushing', async () => {
    const e = await runCli(['env', '--socket', socket], env);
    expect(e.code).toBe(0);
    const shimEnv = exportsToEnv(e.stdout);
    expect(shimEnv.ANSIBLE_OTEL_SOCKET).toBe(socket);
    expect(shimEnv.ANSIBLE_CALLBACKS_ENABLED).toBe('otel_sidecar');

    // a hostile client first: garbage must cost it its frames, nobody else anything
    const bad = connect(socket);
    await new Promise((r) => bad.once('connect', r));
    bad.write('this is not json\n{"v":99}\n');

    const codes = await Promise.all([ansible('small-a.yml', shimEnv), ansible('small-b.yml', shimEnv)]);
    expect(codes).toEqual([0, 0]);
    bad.end();
    await until(() => receiver.spans.some((s) => s.name === 'RUN small-a.yml') && receiver.spans.some((s) => s.name === 'RUN small-b.yml'));
    const a = receiver.spans.find((s) => s.name === 'RUN small-a.yml')!;
    const b = receiver.spans.find((s) => s.name === 'RUN small-b.yml')!;
    expect(a.traceId).not.toBe(b.traceId);
    expect(a.attributes['ansible.session']).not.toBe(b.attributes['ansible.session']);
    expect(
      receiver.spans
        .filter((s) => s.traceId === a.traceId)
        .map((s) => s.name)
        .sort(),
    ).toEqual(['Change a file', 'First playbook', 'RUN small-a.yml', 'h1']);
    expect(a.status.code).toBe(STATUS.UNSET);
    expect(serveErr.match(/connection \d+: bad_json: invalid JSON/g)).toHaveLength(1);

    const exited = new Promise<number | null>((r) => serve.once('exit', r));
    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(serveErr).toMatch(/8 spans → /);
  });
});
