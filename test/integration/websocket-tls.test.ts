// wss:// between pods: serve --ws-tls-cert/--ws-tls-key (and --ws-tls-client-ca for mTLS), the
// shim's TLS client (verified by default, a CA bundle, a client certificate) on real
// ansible-playbook runs, `watch wss://` and the refusals: a wrong CA, plain ws://, no client
// certificate, a network address without TLS. The PKI is made here with Debian's openssl.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { playbookViaShim, sessionsOf, traceOf, traceShape } from '../helpers/shim-traces.js';
import { CLI, cleanEnv, runCli, tempDir } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { makeTestPki, type TestPki } from '../helpers/test-certs.js';
import { until } from '../helpers/until.js';

const TOKEN = 'tls-token-93d1';
const receiver = new OtlpReceiver();
const serves: ChildProcessWithoutNullStreams[] = [];
let pki: TestPki;
let env: NodeJS.ProcessEnv;

interface Serve {
  url: string;
  socket: string;
  /** Every frame serve received (--record-frames). */
  recorded: string;
  /** What a raw client needs to be let in: the CA, and the client certificate under mTLS. */
  client: ClientTls;
}

interface ClientTls {
  ca?: Buffer | undefined;
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
}

/**
 * `serve` with the WebSocket port on `extra` (TLS flags); resolves with the URL it logs. Heartbeat
 * 3 s: pings are answered over TLS during the runs, with room for the shim's 1 s idle wake on a busy machine.
 */
async function startServe(extra: string[], client: ClientTls): Promise<Serve> {
  const socket = join(tempDir(), 'run', 'sidecar.sock');
  const recorded = join(tempDir(), 'frames.ndjson');
  const child = spawn(
    process.execPath,
    [CLI, 'serve', '--socket', socket, '--record-frames', recorded, '--ws-port', '0', '--ws-token', TOKEN, '--ws-heartbeat', '3', ...extra],
    { env },
  );
  serves.push(child);
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  await until(() => /listening on .* and wss:\/\/127\.0\.0\.1:\d+/.test(err));
  return { url: /(wss:\/\/127\.0\.0\.1:\d+)/.exec(err)![1]!, socket, recorded, client };
}

/** The shell exports `ansible-otel env` prints, as an environment. */
async function envExports(args: string[]): Promise<Record<string, string>> {
  const r = await runCli(['env', ...args], env);
  expect(r.code, r.stderr).toBe(0);
  return Object.fromEntries([...r.stdout.matchAll(/^export (\w+)='(.*)'$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** The warnings the shim printed, one line each. */
function shimWarnings(out: string): string[] {
  return out
    .replace(/\s+/g, ' ')
    .split('[WARNING]: ')
    .filter((w) => w.startsWith('otel_sidecar:'));
}

/** A raw shim connection with the token. */
function rawShim(url: string, tls: ClientTls): WebSocket {
  return new WebSocket(`${url}/frames`, { headers: { authorization: `Bearer ${TOKEN}` }, ...tls });
}

/** A raw WebSocket client: 'open', or what refused it. */
function tryUpgrade(url: string, tls: ClientTls = {}): Promise<string> {
  return new Promise((resolve) => {
    const ws = rawShim(url, tls);
    ws.on('open', () => {
      ws.close();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on('error', (e) => resolve(`error: ${e.message}`));
  });
}

/** The playbook's run id, from the name of its spool file (<run>-<pid>.ndjson). */
function spooledRun(spoolDir: string): string {
  const files = readdirSync(spoolDir);
  expect(files).toHaveLength(1);
  return files[0]!.split('-')[0]!;
}

/**
 * serve got nothing of `run`: a frame sent after the refused run reaches the recorded stream, and
 * nothing of the run is before it (a refused shim never had a connection to send on).
 */
async function expectNothingReceived(s: Serve, run: string): Promise<void> {
  const marker = `marker${Date.now()}`;
  const ws = rawShim(s.url, s.client);
  await new Promise((r) => ws.once('open', r));
  ws.send(`${JSON.stringify({ v: 1, t: 'hello', run: marker, seq: 0, ts: Date.now() * 1e6, pid: 1, check: false, diff: false })}\n`);
  const recorded = (): string => {
    try {
      return readFileSync(s.recorded, 'utf8');
    } catch {
      return '';
    }
  };
  await until(() => recorded().includes(marker));
  ws.close();
  expect(recorded()).not.toContain(run);
}

/** `watch URL args` sees a run held open by a raw shim connection start, then end when the connection goes. */
async function watchShowsARun(s: Serve, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<void> {
  const run = randomBytes(16).toString('hex');
  const ts = Date.now() * 1e6;
  const frames = [
    { v: 1, t: 'hello', run, seq: 0, ts, pid: 1, check: false, diff: false },
    { v: 1, t: 'playbook_start', run, seq: 1, ts: ts + 1, path: '/watched.yml', name: 'watched.yml' },
  ];
  const shim = rawShim(s.url, s.client);
  await new Promise((r) => shim.once('open', r));
  shim.send(frames.map((f) => `${JSON.stringify(f)}\n`).join(''));
  let out = '';
  const watch = runCli(['watch', s.url, ...args, '--runs', '1'], { ...env, ...extraEnv, ANSIBLE_OTEL_TOKEN: TOKEN }, (child) =>
    child.stdout?.on('data', (c) => (out += c)),
  );
  const label = `watched.yml [${run.slice(0, 8)}]`;
  await until(() => out.includes(`${label} started`));
  shim.close();
  const w = await watch;
  expect(w.code, w.stderr).toBe(0);
  expect(w.stdout).toContain(`${label} ended: `);
}

beforeAll(async () => {
  pki = makeTestPki();
  env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: await receiver.start() });
});

afterAll(async () => {
  for (const s of serves) s.kill('SIGKILL');
  await receiver.stop();
});

describe('serve --ws-tls-cert: shims over wss://', () => {
  let tls: Serve;
  beforeAll(async () => {
    tls = await startServe(['--ws-tls-cert', pki.serverCert, '--ws-tls-key', pki.serverKey], { ca: readFileSync(pki.ca) });
  });

  it('gives a shim over wss:// with a token the same trace as over the Unix socket', async () => {
    const before = new Set(sessionsOf(receiver.spans, 'RUN features.yml'));
    const overSocket = await playbookViaShim(env, 'features.yml', tls.socket);
    const overWss = await playbookViaShim(env, 'features.yml', tls.url, { ANSIBLE_OTEL_TOKEN: TOKEN, ANSIBLE_OTEL_TLS_CA_FILE: pki.ca });
    expect(overSocket.code).toBe(4); // features.yml has an unreachable host
    expect(overWss.code).toBe(4);
    expect(overWss.stdout + overWss.stderr).not.toMatch(/otel_sidecar/); // no warning: delivered
    const fresh = (): string[] => sessionsOf(receiver.spans, 'RUN features.yml').filter((s) => !before.has(s));
    await until(() => fresh().length === 2);
    const [a, b] = fresh().map((s) => traceOf(receiver.spans, 'RUN features.yml', s));
    expect(a!.length).toBeGreaterThan(20);
    expect(traceShape(b!)).toEqual(traceShape(a!));
    new SpanTree(b!).expectWellFormed();
  }, 480_000);

  it('refuses a certificate from another CA: one warning naming the endpoint and why, the run spooled, nothing sent', async () => {
    const spoolDir = tempDir('otel-spool-');
    const r = await playbookViaShim(env, 'small-a.yml', tls.url, {
      ANSIBLE_OTEL_TOKEN: TOKEN,
      ANSIBLE_OTEL_TLS_CA_FILE: pki.otherCa,
      ANSIBLE_OTEL_SPOOL_DIR: spoolDir,
    });
    expect(r.code).toBe(0); // the playbook's own exit code
    const warnings = shimWarnings(r.stdout + r.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `otel_sidecar: cannot connect to the sidecar at ${tls.url}: TLS: certificate verify failed: unable to get local issuer certificate`,
    );
    expect(warnings[0]).toContain("this run's frames are kept in the spool file");
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    await expectNothingReceived(tls, spooledRun(spoolDir));
  }, 300_000);

  it('refuses a plain ws:// client: raw, and the shim (one warning, the run spooled)', async () => {
    const plain = tls.url.replace('wss://', 'ws://');
    expect(await tryUpgrade(plain)).toMatch(/^error: /);
    const spoolDir = tempDir('otel-spool-');
    const r = await playbookViaShim(env, 'small-a.yml', plain, { ANSIBLE_OTEL_TOKEN: TOKEN, ANSIBLE_OTEL_SPOOL_DIR: spoolDir });
    expect(r.code).toBe(0);
    const warnings = shimWarnings(r.stdout + r.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(`cannot connect to the sidecar at ${plain}: `);
    await expectNothingReceived(tls, spooledRun(spoolDir));
  }, 300_000);

  it.each([
    ['--ca', () => ({ args: ['--ca', pki.ca], env: {} })],
    ['NODE_EXTRA_CA_CERTS', () => ({ args: [], env: { NODE_EXTRA_CA_CERTS: pki.ca } })],
  ] as [string, () => { args: string[]; env: NodeJS.ProcessEnv }][])(
    'watch wss:// trusting the CA by %s shows a run',
    async (_how, trust) => {
      const { args, env: caEnv } = trust();
      await watchShowsARun(tls, args, caEnv);
    },
    300_000,
  );

  it('watch wss:// without the CA says why it cannot connect (certificate), and keeps retrying', async () => {
    let err = '';
    let child: ChildProcess | undefined;
    const watch = runCli(['watch', tls.url], { ...env, ANSIBLE_OTEL_TOKEN: TOKEN }, (c) => {
      child = c;
      c.stderr?.on('data', (d) => (err += d));
    });
    await until(() => err.includes(`no connection to ${tls.url}/watch (unable to verify the first certificate); retrying`));
    child!.kill('SIGINT');
    expect((await watch).code).toBe(130);
  });
});

describe('serve --ws-tls-client-ca: mTLS', () => {
  let mtls: Serve;
  beforeAll(async () => {
    mtls = await startServe(['--ws-tls-cert', pki.serverCert, '--ws-tls-key', pki.serverKey, '--ws-tls-client-ca', pki.ca], {
      ca: readFileSync(pki.ca),
      cert: readFileSync(pki.clientCert),
      key: readFileSync(pki.clientKey),
    });
  });

  it('takes a shim with a client certificate, set up from `ansible-otel env --socket wss://…`', async () => {
    const shimEnv = await envExports(['--socket', mtls.url, '--ca', pki.ca, '--client-cert', pki.clientCert, '--client-key', pki.clientKey]);
    expect(shimEnv).toMatchObject({
      ANSIBLE_OTEL_SOCKET: mtls.url,
      ANSIBLE_OTEL_TLS_CA_FILE: pki.ca,
      ANSIBLE_OTEL_TLS_CLIENT_CERT: pki.clientCert,
      ANSIBLE_OTEL_TLS_CLIENT_KEY: pki.clientKey,
    });
    const before = sessionsOf(receiver.spans, 'RUN small-b.yml').length;
    const r = await playbookViaShim(env, 'small-b.yml', mtls.url, { ...shimEnv, ANSIBLE_OTEL_TOKEN: TOKEN });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/otel_sidecar/);
    await until(() => sessionsOf(receiver.spans, 'RUN small-b.yml').length === before + 1);
  }, 300_000);

  it('lets watch in with --cert/--key', async () => {
    await watchShowsARun(mtls, ['--ca', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey]);
  }, 300_000);

  it('refuses a shim without a client certificate: one warning, the run spooled, nothing received', async () => {
    expect(await tryUpgrade(mtls.url, { ca: mtls.client.ca })).toMatch(/^error: .*certificate required/);
    expect(await tryUpgrade(mtls.url, mtls.client)).toBe('open');
    const spoolDir = tempDir('otel-spool-');
    const r = await playbookViaShim(env, 'small-a.yml', mtls.url, {
      ANSIBLE_OTEL_TOKEN: TOKEN,
      ANSIBLE_OTEL_TLS_CA_FILE: pki.ca,
      ANSIBLE_OTEL_SPOOL_DIR: spoolDir,
    });
    expect(r.code).toBe(0);
    const warnings = shimWarnings(r.stdout + r.stderr);
    expect(warnings).toHaveLength(1);
    // the server's alert, or its reset when the request crossed it
    expect(warnings[0]).toMatch(
      new RegExp(`cannot connect to the sidecar at ${mtls.url}: TLS: (\\[SSL: TLSV13_ALERT_CERTIFICATE_REQUIRED\\]|\\[Errno 104\\])`),
    );
    await expectNothingReceived(mtls, spooledRun(spoolDir));
  }, 300_000);
});

describe('serve start-up checks', () => {
  const serveArgs = (): string[] => ['serve', '--socket', join(tempDir(), 'run', 's.sock'), '--ws-port', '0', '--ws-token', TOKEN];

  it('refuses a network address without TLS (exit 2, and why); --ws-insecure is the explicit way round', async () => {
    const r = await runCli([...serveArgs(), '--ws-host', '0.0.0.0'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--ws-host 0.0.0.0 is reachable from other machines: the token and the frames would cross the network in cleartext');
    let err = '';
    let child: ChildProcess | undefined;
    const insecure = runCli([...serveArgs(), '--ws-host', '0.0.0.0', '--ws-insecure'], env, (c) => {
      child = c;
      c.stderr?.on('data', (d) => (err += d));
    });
    await until(() => /listening on .* and ws:\/\/0\.0\.0\.0:\d+/.test(err));
    child!.kill('SIGTERM');
    expect((await insecure).code).toBe(0);
  });

  it('stops at start on a missing or unusable certificate file, naming it', async () => {
    const cases: [string[], string][] = [
      [['--ws-tls-cert', join(pki.dir, 'nope.pem'), '--ws-tls-key', pki.serverKey], `--ws-tls-cert ${join(pki.dir, 'nope.pem')}: no such file`],
      [['--ws-tls-cert', pki.serverKey, '--ws-tls-key', pki.serverKey], `--ws-tls-cert ${pki.serverKey}: not usable: `],
      [['--ws-tls-cert', pki.serverCert, '--ws-tls-key', pki.clientKey], `--ws-tls-key ${pki.clientKey}: not usable: `],
      [['--ws-tls-cert', pki.serverCert], '--ws-tls-cert and --ws-tls-key go together'],
    ];
    for (const [flags, why] of cases) {
      const r = await runCli([...serveArgs(), ...flags], env);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr).toContain(`ansible-otel: error: ${why}`);
    }
  });
});
