// The sidecar in another pod (#24): `serve` over ws:// and wss:// (and a Unix socket on a shared
// volume) with directories of its own, so it never sees the controller's spool. SIGKILLed at three points of one real playbook and
// restarted on the same port, it gets the run back from the shim itself — which reconnects,
// learns the last frame the new serve applied, and sends the rest from its spool file — and every
// (task, host) span and log record reaches the backend exactly once, with no spool file left
// behind. The network between the pods cut while serve stays up: the same serve goes on with the
// run. And a sidecar down for longer than a run: the next run on that controller sends the
// leftover.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { logShape } from '../helpers/otlp-logs.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { CLI, INVENTORY, PLAYBOOKS, ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { makeTestPki, type TestPki } from '../helpers/test-certs.js';
import { started, type Process } from '../helpers/started-process.js';
import { tcpRelay } from '../helpers/tcp-relay.js';
import { until } from '../helpers/until.js';

/** Long enough for a machine under load; the test waits on events, so an idle one never waits this long. */
const WAIT = 90_000;
const TOKEN = 'resume-token-5c1e';

let pki: TestPki;
beforeAll(() => {
  pki = makeTestPki();
});

type Transport = 'unix' | 'ws' | 'wss';

/** A backend, a sidecar pod (its own state and spool directories, one port) and a controller (its own spool directory). */
class Pods {
  readonly receiver = new OtlpReceiver();
  readonly gates = tempDir('otel-gates-');
  readonly controllerSpool = tempDir('otel-controller-spool-');
  private sidecarEnv: NodeJS.ProcessEnv = {};
  private port = 0;
  /** The Unix socket (the same path across restarts, as a shared volume would give). */
  private readonly socket = join(tempDir(), 'run', 's.sock');
  private readonly sidecars: Process[] = [];
  private readonly playbooks: Process[] = [];

  constructor(readonly transport: Transport) {}

  async start(): Promise<this> {
    this.receiver.commitOnAnswer = true;
    const url = await this.receiver.start();
    // cleanEnv: a disk queue, ledger and spool directory of the sidecar's own, kept across its restarts
    this.sidecarEnv = cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_BLRP_SCHEDULE_DELAY: '20',
      // a held request stays held until the kill, however slow the machine
      OTEL_EXPORTER_OTLP_TIMEOUT: '600000',
    });
    return this;
  }

  /** serve on the pod's port (the first one picks it), or its socket. */
  async serve(env: NodeJS.ProcessEnv = {}, extra: string[] = []): Promise<Process> {
    const unix = this.transport === 'unix';
    const tls = this.transport === 'wss' ? ['--ws-tls-cert', pki.serverCert, '--ws-tls-key', pki.serverKey] : [];
    const ws = unix ? [] : ['--ws-port', String(this.port), '--ws-token', TOKEN, ...tls];
    const args = [CLI, 'serve', '--socket', unix ? this.socket : join(tempDir(), 's.sock'), ...ws, ...extra];
    const s = started(spawn(process.execPath, args, { env: { ...this.sidecarEnv, ...env } }));
    this.sidecars.push(s);
    await until(() => s.out().includes('listening on') || s.proc.exitCode !== null, WAIT);
    if (unix) return s;
    const m = /and (wss?:\/\/127\.0\.0\.1:(\d+))/.exec(s.out());
    if (!m) throw new Error(`serve did not start: ${s.out()}`);
    this.port = Number(m[2]);
    return s;
  }

  get url(): string {
    return this.transport === 'unix' ? this.socket : `${this.transport}://127.0.0.1:${this.port}`;
  }

  /** The sidecar's WebSocket port. */
  get wsPort(): number {
    return this.port;
  }

  /** exactly.yml on the controller, its shim pointed at the pod; returns at once. */
  playbook(env: NodeJS.ProcessEnv = {}): Process {
    const shim = {
      ANSIBLE_CALLBACK_PLUGINS: join(ROOT, 'plugin'),
      ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar',
      ANSIBLE_OTEL_SOCKET: this.url,
      ANSIBLE_OTEL_TOKEN: TOKEN,
      ANSIBLE_OTEL_SPOOL_DIR: this.controllerSpool,
      ANSIBLE_OTEL_TLS_CA_FILE: this.transport === 'wss' ? pki.ca : undefined,
      OTEL_TEST_GATES: this.gates,
      // the ack at exit may wait for a sidecar that is restarting
      ANSIBLE_OTEL_DRAIN_TIMEOUT: '120',
      ...env,
    };
    const p = started(spawn('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, 'exactly.yml')], { env: cleanEnv(shim) }));
    this.playbooks.push(p);
    return p;
  }

  open(...gates: string[]): void {
    for (const g of gates) writeFileSync(join(this.gates, g), '');
  }

  async kill(s: Process): Promise<void> {
    s.proc.kill('SIGKILL');
    await s.exit;
  }

  /** Span ids (log record uids) the sidecars recorded as taken by the receiver, in the pod's ledger (fsync'd). */
  ledgered(signal: 'spans' | 'logs'): number {
    const root = join(this.sidecarEnv.ANSIBLE_OTEL_QUEUE_DIR!, 'ledger');
    if (!existsSync(root)) return 0;
    let n = 0;
    for (const d of readdirSync(root).filter((x) => x.startsWith(`${signal}-`)))
      for (const f of readdirSync(join(root, d)))
        n += readFileSync(join(root, d, f), 'utf8')
          .split('\n')
          .filter(Boolean).length;
    return n;
  }

  /** What the controller still has in its spool directory. */
  controllerFiles(): string[] {
    return readdirSync(this.controllerSpool);
  }

  output(): string {
    return [...this.sidecars.map((s, i) => `--- sidecar ${i + 1}\n${s.out()}`), ...this.playbooks.map((p, i) => `--- playbook ${i + 1}\n${p.out()}`)].join(
      '\n',
    );
  }

  async stop(): Promise<void> {
    for (const s of this.sidecars) s.proc.kill('SIGTERM');
    for (const p of this.playbooks) p.proc.kill('SIGKILL');
    await Promise.all([...this.sidecars, ...this.playbooks].map((s) => s.exit));
    await this.receiver.stop();
  }
}

const all: Pods[] = [];
afterEach(async () => {
  await Promise.all(all.splice(0).map((p) => p.stop()));
});

async function pods(transport: Transport): Promise<Pods> {
  const p = await new Pods(transport).start();
  all.push(p);
  return p;
}

/** The run undisturbed, once per transport: the shape the disturbed runs must have. */
const undisturbed = new Map<Transport, { spans: string[]; logs: string[] }>();

function expectExactlyOnce(p: Pods, label: string): void {
  const ids = p.receiver.spans.map((s) => s.spanId);
  const uids = p.receiver.logRecords.map((r) => r.attributes['log.record.uid']);
  const said = p.output();
  console.log(
    `resume ${p.transport} ${label}: ${ids.length} spans, ${ids.length - new Set(ids).size} twice; ${uids.length} log records, ${uids.length - new Set(uids).size} twice`,
  );
  expect(ids.length - new Set(ids).size, said).toBe(0);
  expect(uids.length - new Set(uids).size, said).toBe(0);
  const want = undisturbed.get(p.transport)!;
  expect(new SpanTree(p.receiver.spans).shape(), said).toEqual(want.spans);
  expect(logShape(p.receiver.logRecords), said).toEqual(want.logs);
  expect(p.controllerFiles(), said).toEqual([]);
}

// The Unix socket as well: a sidecar in another container of the pod, on a shared socket volume.
describe.each(['unix', 'ws', 'wss'] as const)('a sidecar with its own directories, over %s, SIGKILLed and restarted on its port or socket', (transport) => {
  it('undisturbed: one connection, acked, no spool file left', async () => {
    const p = await pods(transport);
    p.open('a', 'b');
    const s = await p.serve();
    const run = p.playbook();
    expect(await run.exit, p.output()).toBe(0);
    await until(() => s.out().includes('exactly.yml: success'), WAIT);
    expect(run.out()).not.toContain('otel_sidecar'); // no warning
    expect(p.controllerFiles()).toEqual([]);
    const tree = new SpanTree(p.receiver.spans);
    tree.expectWellFormed();
    undisturbed.set(transport, { spans: tree.shape(), logs: logShape(p.receiver.logRecords) });
    expect(undisturbed.get(transport)!.logs.filter((l) => /^h\d: (one|three)$/.test(l)).length).toBe(4);
  });

  it('(a) killed early, before any export: the restarted sidecar gets the whole run from the shim', async () => {
    const p = await pods(transport);
    const first = await p.serve({ OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_BLRP_SCHEDULE_DELAY: '600000' }); // nothing leaves before the kill
    const run = p.playbook();
    await until(() => run.out().includes('TASK [gate a]'), WAIT);
    await p.kill(first);
    expect(p.receiver.spans).toEqual([]);
    const second = await p.serve();
    await until(() => /resumed on connection \d+: new here/.test(second.out()), WAIT); // the shim came back on its own
    p.open('a', 'b');
    expect(await run.exit, p.output()).toBe(0);
    await until(() => second.out().includes('exactly.yml: success'), WAIT);
    expectExactlyOnce(p, '(a) early');
  });

  it('(b) killed mid-run, after some spans and log records were exported: only the rest goes out', async () => {
    const p = await pods(transport);
    const first = await p.serve();
    const run = p.playbook();
    await until(() => run.out().includes('TASK [gate a]'), WAIT);
    // Task one, its two host spans and their output records, in the ledger: the sidecar had the
    // receiver's 200s. (Killed between the receiver's commit and that, an item would come twice:
    // the one window left, docs/reliability.md.)
    await until(() => p.ledgered('spans') >= 3 && p.ledgered('logs') >= 2, WAIT);
    const before = p.receiver.spans.length;
    await p.kill(first);
    const second = await p.serve();
    await until(() => /resumed on connection \d+: new here/.test(second.out()), WAIT);
    p.open('a', 'b');
    expect(await run.exit, p.output()).toBe(0);
    await until(() => second.out().includes('exactly.yml: success'), WAIT);
    expect(p.receiver.spans.length).toBeGreaterThan(before);
    expectExactlyOnce(p, '(b) mid-run');
  });

  it('(c) killed after bye, before the ack: the shim, waiting at exit, sends its run to the restarted sidecar', async () => {
    const p = await pods(transport);
    p.open('a');
    const frames = join(tempDir(), 'frames.ndjson');
    const first = await p.serve({}, ['--record-frames', frames]);
    const run = p.playbook();
    await until(() => run.out().includes('TASK [gate b]'), WAIT);
    p.receiver.hold = true;
    p.open('b');
    await until(() => existsSync(frames) && readFileSync(frames, 'utf8').includes('"t":"bye"'), WAIT); // bye reached it
    await until(() => p.receiver.heldRequests > 0, WAIT); // the last spans on their way
    await until(() => p.ledgered('logs') >= 5, WAIT); // records are not held: all in the ledger, none on its way at the kill
    expect(run.proc.exitCode).toBeNull(); // the shim waits for the ack
    await p.kill(first);
    await until(() => p.receiver.heldAbandoned, WAIT);
    p.receiver.release();
    p.receiver.hold = false;
    const second = await p.serve();
    expect(await run.exit, p.output()).toBe(0);
    expect(second.out()).toMatch(/resumed on connection \d+/);
    await until(() => p.controllerFiles().length === 0, WAIT);
    expectExactlyOnce(p, '(c) after bye');
  });

  // A Unix socket is never cut while both sides live: this is the network between two pods.
  it.skipIf(transport === 'unix')(
    '(d) the network cut mid-run while serve stays up: the same serve goes on with the run from the last frame it applied',
    async () => {
      const p = await pods(transport);
      const s = await p.serve();
      const relay = await tcpRelay(p.wsPort);
      try {
        const run = p.playbook({ ANSIBLE_OTEL_SOCKET: `${transport}://127.0.0.1:${relay.port}` });
        await until(() => run.out().includes('TASK [gate a]'), WAIT);
        await until(() => p.ledgered('spans') >= 3 && p.ledgered('logs') >= 2, WAIT); // task one applied and exported
        relay.cut();
        p.open('a', 'b');
        expect(await run.exit, p.output()).toBe(0);
        await until(() => s.out().includes('exactly.yml: success'), WAIT);
        // taken over in memory, not started over: no interrupted spans, one trace
        expect(s.out()).toMatch(/run \S+ resumed on connection \d+ after frame #\d+/);
        expect(s.out()).not.toMatch(/new here/);
        expect(relay.accepted).toBeGreaterThanOrEqual(2);
        expect(new Set(p.receiver.spans.map((x) => x.traceId)).size).toBe(1);
        expectExactlyOnce(p, '(d) network cut');
      } finally {
        relay.close();
      }
    },
  );
});

describe('a sidecar down for longer than the run', () => {
  it('keeps the run in the spool; the next run on that controller sends it once the sidecar is back', async () => {
    const p = await pods('ws');
    p.open('a', 'b');
    const first = await p.serve();
    await p.kill(first); // the port is known, nobody listens on it
    const lonely = p.playbook({ ANSIBLE_OTEL_DRAIN_TIMEOUT: '2' });
    expect(await lonely.exit, p.output()).toBe(0);
    expect(p.controllerFiles()).toEqual([expect.stringMatching(/^[0-9a-f]+-\d+\.ndjson$/)]);
    expect(p.receiver.spans).toEqual([]);

    const back = await p.serve();
    const next = p.playbook();
    expect(await next.exit, p.output()).toBe(0);
    await until(() => (back.out().match(/exactly\.yml: success/g) ?? []).length === 2, WAIT);
    expect(back.out()).toMatch(/resumed on connection \d+ \(left over by an earlier ansible-playbook\): new here/);
    expect(p.controllerFiles(), p.output()).toEqual([]);
    // both runs, each exactly once: two whole traces of the same shape, each with its own log records
    const ids = p.receiver.spans.map((s) => s.spanId);
    expect(ids.length - new Set(ids).size).toBe(0);
    const uids = p.receiver.logRecords.map((r) => r.attributes['log.record.uid']);
    expect(uids.length - new Set(uids).size).toBe(0);
    const traces = [...new Set(p.receiver.spans.map((s) => s.traceId))];
    expect(traces.length).toBe(2);
    const runs = traces.map((t) => {
      const tree = new SpanTree(p.receiver.spans.filter((s) => s.traceId === t));
      tree.expectWellFormed();
      return { spans: tree.shape(), logs: logShape(p.receiver.logRecords.filter((r) => r.traceId === t)) };
    });
    expect(runs[0], p.output()).toEqual(runs[1]);
    expect(runs[0]!.spans.filter((s) => / > (one|two|three) > h\d \[/.test(s)).length).toBe(6); // every (task, host) of the run
    expect(runs[0]!.logs.filter((l) => /^h\d: (one|three)$/.test(l)).length).toBe(4);
  });
});
