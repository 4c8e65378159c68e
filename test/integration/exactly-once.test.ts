// Exactly once across sidecar crashes: `serve` SIGKILLed at five points of the same playbook
// (each its own ansible-playbook run), restarted, and every span and log record reaches a backend
// that commits on its 200 exactly once — no span id or log.record.uid twice, none missing against
// an undisturbed run.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { logShape } from '../helpers/otlp-logs.js';
import { CLI, INVENTORY, PLAYBOOKS, ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { started, type Process } from '../helpers/started-process.js';
import { until } from '../helpers/until.js';

/** Long enough for a machine under load; the test waits on events, so an idle one never waits this long. */
const WAIT = 60_000;

/** One receiver, spool dir, disk queue and ledger that live across the sidecar restarts of one point. */
class Point {
  readonly receiver = new OtlpReceiver();
  readonly gates = tempDir('otel-gates-');
  private env: NodeJS.ProcessEnv = {};
  private readonly sidecars: Process[] = [];

  async start(): Promise<this> {
    this.receiver.commitOnAnswer = true;
    const url = await this.receiver.start();
    // A short batch delay: spans leave while the run stands at a gate. A long wait for the ack
    // at exit: a loaded machine must not turn a late ack into a kept spool file.
    this.env = cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_BLRP_SCHEDULE_DELAY: '20',
      // A held request must stay held until the test kills the sidecar: after the export timeout
      // the disk queue would take it (and the run would be acked), however slow the machine.
      OTEL_EXPORTER_OTLP_TIMEOUT: '600000',
      OTEL_TEST_GATES: this.gates,
      ANSIBLE_OTEL_DRAIN_TIMEOUT: '10',
    });
    return this;
  }

  async serve(env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<Process> {
    const s = started(spawn(process.execPath, [CLI, 'serve', '--socket', join(tempDir(), 's.sock'), ...args], { env: { ...this.env, ...env } }));
    this.sidecars.push(s);
    await until(() => s.out().includes('listening on'), WAIT);
    return s;
  }

  /** The playbook against the sidecar `s` (its Unix socket, or its WebSocket); returns at once. */
  playbook(s: Process, over: 'unix' | 'ws' = 'unix', env: NodeJS.ProcessEnv = {}): Process {
    const socket = (over === 'ws' ? /(ws:\/\/[\d.:]+)/ : /listening on (\S+?)[; ]/).exec(s.out())![1]!;
    const shim = { ANSIBLE_CALLBACK_PLUGINS: join(ROOT, 'plugin'), ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar', ANSIBLE_OTEL_SOCKET: socket, ...env };
    return started(spawn('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, 'exactly.yml')], { env: { ...this.env, ...shim } }));
  }

  open(...gates: string[]): void {
    for (const g of gates) writeFileSync(join(this.gates, g), '');
  }

  async kill(s: Process): Promise<void> {
    s.proc.kill('SIGKILL');
    await s.exit;
  }

  /** Kills `s` while the receiver holds its answer; the answer goes to a client that is gone. */
  async killInFlight(s: Process): Promise<void> {
    await until(() => this.receiver.heldRequests > 0, WAIT);
    await this.kill(s);
    await until(() => this.receiver.heldAbandoned, WAIT);
    this.receiver.release();
  }

  /** A new sidecar replays what the spool holds; resolves once the replay is exported. */
  async replay(env: NodeJS.ProcessEnv = {}): Promise<Process> {
    const s = await this.serve(env);
    await until(() => /replayed the spooled run|already exported/.test(s.out()), WAIT);
    return s;
  }

  /** Span ids (log record uids) the sidecars recorded as taken by the receiver (fsync'd in the ledger). */
  ledgered(signal: 'spans' | 'logs' = 'spans'): number {
    const root = join(this.env.ANSIBLE_OTEL_QUEUE_DIR!, 'ledger');
    if (!existsSync(root)) return 0;
    const dirs = readdirSync(root).filter((d) => d.startsWith(`${signal}-`));
    return dirs
      .flatMap((d) =>
        readdirSync(join(root, d)).map(
          (f) =>
            readFileSync(join(root, d, f), 'utf8')
              .split('\n')
              .filter(Boolean).length,
        ),
      )
      .reduce((a, b) => a + b, 0);
  }

  /** Runs the sidecars marked as out whole (ledger/runs: a line a run). */
  marked(): number {
    const dir = join(this.env.ANSIBLE_OTEL_QUEUE_DIR!, 'ledger', 'runs');
    if (!existsSync(dir)) return 0;
    return readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter(Boolean).length)
      .reduce((a, b) => a + b, 0);
  }

  /** Every sidecar's output, in start order. */
  output(): string {
    return this.sidecars.map((s, i) => `--- sidecar ${i + 1}\n${s.out()}`).join('\n');
  }

  spoolFiles(): string[] {
    return readdirSync(this.env.ANSIBLE_OTEL_SPOOL_DIR!);
  }

  async stop(): Promise<void> {
    this.open('a', 'b'); // a playbook of a failed test does not stand at a gate
    for (const s of this.sidecars) s.proc.kill('SIGTERM');
    await Promise.all(this.sidecars.map((s) => s.exit));
    await this.receiver.stop();
  }
}

const points: Point[] = [];
afterEach(async () => {
  await Promise.all(points.splice(0).map((p) => p.stop()));
});

async function point(): Promise<Point> {
  const p = await new Point().start();
  points.push(p);
  return p;
}

let undisturbed: string[] | undefined;
let undisturbedLogs: string[] = [];
/** Task one's output records (h1, h2), out before gate a. */
const LOGS_BEFORE_GATE_A = 2;

/** Every (task, host) span and log record once, no id twice, nothing missing, no spool file left. */
function expectExactlyOnce(p: Point, label: string): void {
  const ids = p.receiver.spans.map((s) => s.spanId);
  const duplicates = ids.length - new Set(ids).size;
  const uids = p.receiver.logRecords.map((r) => r.attributes['log.record.uid']);
  const duplicateLogs = uids.length - new Set(uids).size;
  console.log(`exactly-once ${label}: ${ids.length} spans received, ${duplicates} duplicates; ${uids.length} log records, ${duplicateLogs} duplicates`);
  // What the sidecars said goes with a failure: a mismatch alone does not tell which step went wrong.
  const said = p.output();
  expect(duplicates, said).toBe(0);
  expect(new SpanTree(p.receiver.spans).shape(), said).toEqual(undisturbed);
  expect(duplicateLogs, said).toBe(0);
  expect(logShape(p.receiver.logRecords), said).toEqual(undisturbedLogs);
  expect(p.spoolFiles(), said).toEqual([]);
}

/**
 * The playbook against a new sidecar, SIGKILLed while the run stands at gate a once `ready`
 * holds (while an export is held in flight, if the receiver holds); the run then goes on
 * into its spool file and ends.
 */
async function killedAtGateA(p: Point, ready: () => boolean, env: NodeJS.ProcessEnv = {}): Promise<void> {
  const s = await p.serve(env);
  // The sidecar is not coming back during this run: its exit tries again for 2 s, not 10.
  const run = p.playbook(s, 'unix', { ANSIBLE_OTEL_DRAIN_TIMEOUT: '2' });
  await until(() => run.out().includes('TASK [gate a]'), WAIT);
  await until(ready, WAIT);
  if (p.receiver.hold) await p.killInFlight(s);
  else await p.kill(s);
  p.open('a', 'b');
  expect(await run.exit).toBe(0);
}

describe('exactly once across a sidecar SIGKILLed at any point', () => {
  it('an undisturbed run: the sidecar acks, the shim deletes its spool file', async () => {
    const p = await point();
    p.open('a', 'b');
    const s = await p.serve();
    const run = p.playbook(s);
    expect(await run.exit).toBe(0);
    await until(() => s.out().includes('exactly.yml: success'), WAIT);
    expect(p.spoolFiles()).toEqual([]); // the ack came: no spool left for a replay
    const tree = new SpanTree(p.receiver.spans);
    tree.expectWellFormed();
    expect(tree.named('one').length).toBe(1);
    expect(tree.spans.filter((s) => tree.parent(s)?.name === 'one').length).toBe(2); // h1, h2
    undisturbed = tree.shape();
    expect(new Set(p.receiver.spans.map((s) => s.spanId)).size).toBe(undisturbed.length);
    // The ack waits for the log records too: they are all there. Output of one and three on h1, h2, and the summary.
    undisturbedLogs = logShape(p.receiver.logRecords);
    expect(undisturbedLogs.filter((l) => /^h\d: (one|three)$/.test(l))).toEqual(['h1: one', 'h1: three', 'h2: one', 'h2: three']);
    expect(undisturbedLogs.length).toBe(5);
    // Acked: the run's mark stands for it, and the ledgers let go of its trace (files compacted away).
    expect(p.marked()).toBe(1);
    expect([p.ledgered('spans'), p.ledgered('logs')]).toEqual([0, 0]);
  }, 300_000);

  it('over a WebSocket too: the ack comes back in a binary message and the spool file goes', async () => {
    const p = await point();
    p.open('a', 'b');
    const s = await p.serve({}, ['--ws-port', '0']);
    const run = p.playbook(s, 'ws');
    expect(await run.exit).toBe(0);
    expect(run.out()).not.toContain('otel_sidecar'); // no warning: the ack came in time
    expect(p.spoolFiles()).toEqual([]);
    await until(() => s.out().includes('exactly.yml: success'), WAIT);
    expect(new SpanTree(p.receiver.spans).shape()).toEqual(undisturbed);
  }, 300_000);

  it('(1) killed after the first frames, before any export', async () => {
    const p = await point();
    await killedAtGateA(p, () => true, { OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_BLRP_SCHEDULE_DELAY: '600000' }); // nothing leaves before the kill
    expect(p.receiver.spans).toEqual([]);
    expect(p.receiver.logRecords).toEqual([]);
    await p.replay();
    expectExactlyOnce(p, '(1) before any export');
  }, 300_000);

  it('(2) killed after some spans and log records were acknowledged: the replay sends only the rest', async () => {
    const p = await point();
    // Task "one", its two host spans and their output records, in the ledgers: the sidecar had the
    // 200s. (Killed between the receiver's commit and that, an item would come twice: the one window left.)
    await killedAtGateA(p, () => p.ledgered() >= 3 && p.ledgered('logs') >= LOGS_BEFORE_GATE_A);
    await p.replay();
    expectExactlyOnce(p, '(2) after acknowledged exports');
  }, 300_000);

  it('(3) killed while an export request is in flight', async () => {
    const p = await point();
    p.receiver.hold = true;
    // The receiver holds span requests only: the kill waits until task one's records are out, so
    // none is on its way (in the one window) when it comes.
    await killedAtGateA(p, () => p.receiver.heldRequests > 0 && p.ledgered('logs') >= LOGS_BEFORE_GATE_A);
    await p.replay();
    expectExactlyOnce(p, '(3) export in flight');
  }, 300_000);

  it('(4) killed after bye, before the last export was acknowledged: the shim kept its spool', async () => {
    const p = await point();
    p.open('a');
    const s = await p.serve();
    const run = p.playbook(s, 'unix', { ANSIBLE_OTEL_DRAIN_TIMEOUT: '1' }); // the ack that never comes: 1 s
    await until(() => run.out().includes('TASK [gate b]'), WAIT);
    p.receiver.hold = true;
    p.open('b');
    expect(await run.exit).toBe(0);
    await until(() => s.out().includes('exactly.yml: success'), WAIT); // the sidecar applied bye
    expect(p.spoolFiles().length, `${p.output()}\n--- playbook\n${run.out()}`).toBe(1); // every frame arrived, but no ack: the spool stays
    await until(() => p.ledgered('logs') >= undisturbedLogs.length, WAIT); // records are not held: none on its way at the kill
    await p.killInFlight(s);
    await p.replay();
    expectExactlyOnce(p, '(4) after bye, before the ack');
  }, 300_000);

  it('(5) the sidecar replaying the spool is killed too; a third one finishes', async () => {
    const p = await point();
    await killedAtGateA(p, () => p.ledgered() >= 3 && p.ledgered('logs') >= LOGS_BEFORE_GATE_A);
    p.receiver.hold = true;
    const replaying = await p.serve();
    await until(() => p.ledgered('logs') >= undisturbedLogs.length, WAIT); // records are not held: none on its way at the kill
    await p.killInFlight(replaying);
    expect(p.spoolFiles()).toEqual([expect.stringMatching(new RegExp(`\\.replaying-${replaying.proc.pid}$`))]);
    await p.replay();
    expectExactlyOnce(p, '(5) during a replay');
  }, 300_000);
});
