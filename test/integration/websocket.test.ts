// The WebSocket edge of `serve --ws-port`: shims over ws:// (same trace as over the Unix socket),
// token auth on the upgrade, message size cap, heartbeat, and `ansible-otel watch` on a real run.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpSpan } from '../helpers/otlp-spans.js';
import { SpanTree } from '../helpers/span-tree.js';
import { playbookViaShim, sessionsOf, traceOf as traceOfSession, traceShape } from '../helpers/shim-traces.js';
import { INVENTORY, PLAYBOOKS, cleanEnv, runCli, tempDir } from '../helpers/sidecar-run.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { tcpRelay } from '../helpers/tcp-relay.js';
import { until } from '../helpers/until.js';

const TOKEN = 'test-token-5f2c';
const receiver = new OtlpReceiver();
let serve: ServeProcess;
let socket: string;
let wsUrl: string;
let env: NodeJS.ProcessEnv;

function ansible(playbook: string, endpoint: string, extra: NodeJS.ProcessEnv = {}, inventory = INVENTORY) {
  return playbookViaShim(env, playbook, endpoint, extra, inventory);
}

const traceOf = (rootName: string, session: string): OtlpSpan[] => traceOfSession(receiver.spans, rootName, session);
const sessions = (rootName: string): string[] => sessionsOf(receiver.spans, rootName);

/**
 * A TCP relay in front of the sidecar's WebSocket port: `answered` resolves when the sidecar
 * answers the watcher's upgrade, i.e. once the watcher is registered and will see every run.
 */
async function watcherProxy(target: string): Promise<{ url: string; accepted: Promise<void>; close: () => void }> {
  const { hostname, port } = new URL(target);
  const relay = await tcpRelay(Number(port), hostname);
  return { url: `ws://127.0.0.1:${relay.port}`, accepted: relay.answered, close: () => relay.close() };
}

beforeAll(async () => {
  const url = await receiver.start();
  socket = join(tempDir(), 'run', 'sidecar.sock');
  env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
  // the default heartbeat (30 s): a shim slowed down by the machine's load still answers in time
  serve = await startServe(['--socket', socket, '--ws-port', '0', '--ws-token', TOKEN], env);
  wsUrl = /(ws:\/\/127\.0\.0\.1:\d+)/.exec(serve.stderr.text())![1]!;
});

afterAll(async () => {
  serve.proc.kill('SIGKILL');
  await receiver.stop();
});

describe('serve --ws-port', () => {
  it('gives a shim over ws:// the same trace as over the Unix socket', async () => {
    const before = new Set(sessions('RUN features.yml'));
    const overSocket = await ansible('features.yml', socket);
    const overWs = await ansible('features.yml', wsUrl, { ANSIBLE_OTEL_TOKEN: TOKEN });
    expect(overSocket.code).toBe(4); // features.yml has an unreachable host
    expect(overWs.code).toBe(4);
    expect(overWs.stdout + overWs.stderr).not.toMatch(/otel_sidecar/); // no warning: delivered
    await until(() => sessions('RUN features.yml').filter((s) => !before.has(s)).length === 2);
    const [a, b] = sessions('RUN features.yml')
      .filter((s) => !before.has(s))
      .map((s) => traceOf('RUN features.yml', s));
    // the root ends last, so it is exported last: both traces are whole
    expect(a!.length).toBeGreaterThan(20);
    expect(traceShape(b!)).toEqual(traceShape(a!));
    new SpanTree(b!).expectWellFormed();
  }, 300_000); // two runs of features.yml on a loaded machine

  it('carries a frame bigger than one WebSocket message (the stream is split across messages)', async () => {
    const errBefore = serve.stderr.text().length;
    const r = await ansible('big-output.yml', wsUrl, { ANSIBLE_OTEL_TOKEN: TOKEN, ANSIBLE_OTEL_MAX_RESULT_BYTES: '0' });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/otel_sidecar/);
    await until(() => receiver.spans.some((s) => s.name === 'RUN big-output.yml'));
    const host = receiver.spans.find((s) => s.name === 'h1' && s.attributes['ansible.task.name'] === 'Print 300 kB')!;
    expect(host.attributes['ansible.task.host.status']).toBe('changed');
    expect(serve.stderr.text().slice(errBefore)).not.toMatch(/warning|frame_too_large|bad_json/);
  }, 300_000);

  it('refuses a wrong or missing token at the upgrade, and the shim keeps its frames in the spool', async () => {
    for (const headers of [{ authorization: 'Bearer wrong' }, {}]) {
      const status = await new Promise<number>((resolve, reject) => {
        const ws = new WebSocket(`${wsUrl}/frames`, { headers });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => reject(new Error('upgrade accepted without the right token')));
        ws.on('error', () => {});
      });
      expect(status).toBe(401);
    }
    const spoolDir = tempDir('otel-spool-');
    const before = sessions('RUN small-a.yml').length;
    const r = await ansible('small-a.yml', wsUrl, { ANSIBLE_OTEL_TOKEN: 'wrong', ANSIBLE_OTEL_SPOOL_DIR: spoolDir });
    expect(r.code).toBe(0);
    const out = (r.stdout + r.stderr).replace(/\s+/g, ' ');
    expect(out).toMatch(/otel_sidecar: cannot connect to the sidecar at ws:\/\/127\.0\.0\.1:\d+: the sidecar refused the token \(HTTP 401\)/);
    expect(out).not.toContain('wrong'); // the token itself is never printed
    expect(readdirSync(spoolDir)).toHaveLength(1);
    // A run with the right token after it: once its trace is in, the refused one would be too.
    expect((await ansible('small-b.yml', wsUrl, { ANSIBLE_OTEL_TOKEN: TOKEN })).code).toBe(0);
    await until(() => receiver.spans.some((s) => s.name === 'RUN small-b.yml'), 60_000, 'the trace of small-b.yml');
    expect(sessions('RUN small-a.yml')).toHaveLength(before);
  }, 300_000);

  it('closes a connection whose message is over --ws-max-payload (1009)', async () => {
    const ws = new WebSocket(`${wsUrl}/frames`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await new Promise((r) => ws.once('open', r));
    const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
    ws.send(Buffer.alloc(2 * 1024 * 1024, 0x20));
    expect(await code).toBe(1009);
  });

  it('drops a peer that stops answering pings, and ends its run as interrupted', async () => {
    const run = `dead${Date.now()}`;
    const ts = Date.now() * 1e6;
    const frames = [
      { v: 1, t: 'hello', run, seq: 0, ts, pid: 1, check: false, diff: false },
      { v: 1, t: 'playbook_start', run, seq: 1, ts: ts + 1, path: '/silent.yml', name: 'silent.yml' },
      { v: 1, t: 'play_start', run, seq: 2, ts: ts + 2, play: 'p1', name: 'a play', hosts: ['h1'] },
      { v: 1, t: 'task_start', run, seq: 3, ts: ts + 3, task: 't1', play: 'p1', name: 'hangs', action: 'command', handler: false },
    ];
    // a sidecar of its own that pings every second
    const pinging = await startServe(['--socket', join(tempDir(), 'run', 'sidecar.sock'), '--ws-port', '0', '--ws-token', TOKEN, '--ws-heartbeat', '1'], env);
    const url = /(ws:\/\/127\.0\.0\.1:\d+)/.exec(pinging.stderr.text())![1]!;
    // autoPong off: a peer that is connected but frozen
    const ws = new WebSocket(`${url}/frames`, { headers: { authorization: `Bearer ${TOKEN}` }, autoPong: false });
    await new Promise((r) => ws.once('open', r));
    ws.send(Buffer.from(frames.map((f) => `${JSON.stringify(f)}\n`).join('')));
    // the sidecar ends the connection: the test never closes it
    await new Promise((r) => ws.once('close', r));
    await until(() => receiver.spans.some((s) => s.name === 'RUN silent.yml'));
    const root = receiver.spans.find((s) => s.name === 'RUN silent.yml')!;
    expect(root.attributes['ansible.run.interrupted']).toBe(true);
    expect(await pinging.stop()).toBe(0);
  }, 300_000);
});

describe('ansible-otel watch', () => {
  it('prints plain lines for a real run: each task with hosts done / total, failures, slowest host; then the end', async () => {
    const proxy = await watcherProxy(wsUrl);
    const watch = runCli(['watch', proxy.url, '--runs', '1'], { ...env, ANSIBLE_OTEL_TOKEN: TOKEN });
    await proxy.accepted; // connected before the run starts
    const r = await ansible('many-fail.yml', wsUrl, { ANSIBLE_OTEL_TOKEN: TOKEN, ANSIBLE_FORKS: '8' }, join(PLAYBOOKS, 'many-hosts.ini'));
    expect(r.code).toBe(2);
    const w = await watch;
    expect(w.code, w.stderr).toBe(0);
    const lines = w.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^many-fail\.yml \[[0-9a-f]{8}\] started on \S+ as \S+$/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the escape character is what must not be there
    expect(w.stdout).not.toMatch(/\u001b\[/); // not a terminal: no colors, no cursor moves
    // a slow task also has 'task "…" (running)' progress lines first (how many depends on the load): its final line
    const task = (name: string): string => [...lines].reverse().find((l) => l.includes(`task "${name}" · `)) ?? '';
    expect(task('Check the disk')).toMatch(
      /play "Roll out to the fleet" · task "Check the disk" · 24\/24 hosts · 0 failed · [\d.]+m?s · slowest m\d\d [\d.]+m?s$/,
    );
    expect(task('Apply the release')).toMatch(/· 24\/24 hosts · 23 failed · /);
    // ansible runs no more tasks on the 23 failed hosts: one host left
    expect(task('Restart the service')).toMatch(/· 1\/1 hosts · 0 failed · [\d.]+m?s · slowest m01 /);
    expect(lines.at(-1)).toMatch(/^many-fail\.yml \[[0-9a-f]{8}\] ended: failure after [\d.]+m?s · 3 tasks · 24 hosts · 23 failures$/);
    proxy.close();
  }, 300_000); // 24 hosts on a loaded machine

  it('refuses to watch with a wrong token: exit 2 and why', async () => {
    const w = await runCli(['watch', wsUrl], { ...env, ANSIBLE_OTEL_TOKEN: 'nope' });
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('the sidecar refused the token (401)');
  });

  it('never sends its token in cleartext off loopback: exit 2 before connecting, and why', async () => {
    // 192.0.2.1 (TEST-NET-1) is never routed: the refusal comes before any connection attempt.
    const w = await runCli(['watch', 'ws://192.0.2.1:9'], { ...env, ANSIBLE_OTEL_TOKEN: TOKEN });
    expect(w.code).toBe(2);
    expect(w.stderr).toContain('not sending the token in cleartext to 192.0.2.1: use wss://');
    expect(w.stderr).not.toContain(TOKEN);
  });
});
