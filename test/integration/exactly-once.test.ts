// Exactly once across sidecar crashes: `serve` SIGKILLed at five points of the same playbook
// (each its own ansible-playbook run), restarted, and every span and log record reaches a backend
// that commits on its 200 exactly once — no span id or log.record.uid twice, none missing against
// an undisturbed run. So does every other output: the metric sums a backend adds up over the
// sidecars' series, the webhook's events, the Slack summary, the events file and the run history.
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
import { HttpReceiver } from '../helpers/http-receiver.js';
import { eventsShape, historyRuns, metricTotals, slackShape, webhookShape } from '../helpers/output-shapes.js';

/** Long enough for a machine under load; the test waits on events, so an idle one never waits this long. */
const WAIT = 60_000;

/**
 * The frames that give each output an event (the sinks' methods: src/sinks, src/export/metrics-recorder.ts,
 * src/history/history-sink.ts), by the output's name in the marks (src/export/ledger/output-marks.ts).
 */
const OUTPUT_FRAMES: Record<string, string[]> = {
  metrics: ['playbook_start', 'host_result', 'item_result', 'retry', 'bye'],
  webhook: ['playbook_start', 'play_start', 'task_start', 'host_result', 'bye'],
  slack: ['playbook_start', 'host_result', 'bye'],
  events: ['playbook_start', 'play_start', 'task_start', 'host_result', 'item_result', 'retry', 'bye'],
  history: ['bye'],
};

/** One receiver, spool dir, disk queue and ledger that live across the sidecar restarts of one point. */
class Point {
  readonly receiver = new OtlpReceiver();
  readonly webhook = new HttpReceiver();
  readonly slack = new HttpReceiver();
  readonly eventsFile = join(tempDir('otel-events-'), 'events.jsonl');
  readonly historyDir = tempDir('otel-history-');
  readonly gates = tempDir('otel-gates-');
  private env: NodeJS.ProcessEnv = {};
  private readonly sidecars: Process[] = [];

  async start(): Promise<this> {
    this.receiver.commitOnAnswer = true;
    const [url, webhook, slack] = await Promise.all([this.receiver.start(), this.webhook.start(), this.slack.start()]);
    // A short batch delay: spans leave while the run stands at a gate. A long wait for the ack
    // at exit: a loaded machine must not turn a late ack into a kept spool file.
    this.env = cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      // Every output, metrics exported often: a kill finds some of the run in each.
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '300',
      ANSIBLE_OTEL_WEBHOOK_URL: webhook,
      ANSIBLE_OTEL_WEBHOOK_EVENTS: 'all',
      SLACK_WEBHOOK_URL: slack,
      SLACK_NOTIFY_SUCCESS: 'true',
      ANSIBLE_OTEL_EVENTS_FILE: this.eventsFile,
      ANSIBLE_OTEL_HISTORY_DIR: this.historyDir,
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

  /** Each output's highest mark (ledger/outputs), by its kind (`webhook-<hash>` is the webhook's). */
  outputMarks(): Map<string, number> {
    const dir = join(this.env.ANSIBLE_OTEL_QUEUE_DIR!, 'ledger', 'outputs');
    const marks = new Map<string, number>();
    if (!existsSync(dir)) return marks;
    for (const f of readdirSync(dir))
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
        const m = /^[0-9a-f]{32} ([a-z]+)(?:-[0-9a-f]+)? (\d+|end)$/.exec(line);
        if (!m) continue;
        const seq = m[2] === 'end' ? Number.POSITIVE_INFINITY : Number(m[2]);
        marks.set(m[1]!, Math.max(seq, marks.get(m[1]!) ?? -1));
      }
    return marks;
  }

  /** Per sidecar process (service.instance.id), its last count of host results: what a failure report shows. */
  resultsBySidecar(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of this.receiver.metricRequests) {
      const per: Record<string, number> = {};
      for (const p of r.points) {
        if (p.metric !== 'ansible.task.host.results') continue;
        const id = String(p.resource['service.instance.id']).slice(0, 8);
        per[id] = (per[id] ?? 0) + (p.value ?? 0);
      }
      Object.assign(out, per);
    }
    return out;
  }

  /** The output marks on disk, for a failure report. */
  markLines(): string {
    const dir = join(this.env.ANSIBLE_OTEL_QUEUE_DIR!, 'ledger', 'outputs');
    if (!existsSync(dir)) return '';
    return readdirSync(dir)
      .map((f) => readFileSync(join(dir, f), 'utf8').replace(/[0-9a-f]{32} /g, ''))
      .join('')
      .split('\n')
      .filter(Boolean)
      .join(', ');
  }

  /** The frames the shim spooled so far (every frame a sidecar can have applied is among them). */
  spooled(): { t: string; seq: number }[] {
    const dir = this.env.ANSIBLE_OTEL_SPOOL_DIR!;
    return readdirSync(dir).flatMap((f) =>
      readFileSync(join(dir, f), 'utf8')
        .split('\n')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as { t: string; seq: number }];
          } catch {
            return []; // a line being written
          }
        }),
    );
  }

  /**
   * Every output's mark covers every spooled frame that gave it an event: nothing is on its way
   * to an output unmarked (an acknowledged export or delivery whose mark is not on disk is the
   * window docs/reliability.md names: a kill there gives a duplicate).
   */
  outputsMarked(skip: string[] = []): boolean {
    const frames = this.spooled();
    // Standing at a gate: its host_start is the last frame until the gate opens (before that,
    // a frame still on its way would be given to the outputs after this check).
    const last = frames.reduce((a, f) => (f.seq > a.seq ? f : a), { t: '', seq: -1 });
    if (last.t !== 'host_start' && last.t !== 'bye') return false;
    const marks = this.outputMarks();
    return Object.entries(OUTPUT_FRAMES).every(([output, types]) => {
      if (skip.includes(output)) return true;
      const due = Math.max(-1, ...frames.filter((f) => types.includes(f.t)).map((f) => f.seq));
      return due < 0 || (marks.get(output) ?? -1) >= due;
    });
  }

  /** SIGTERM to the sidecars still up: they flush every output (the last metric export too) and exit. */
  async stopSidecars(): Promise<void> {
    for (const s of this.sidecars) s.proc.kill('SIGTERM');
    await Promise.all(this.sidecars.map((s) => s.exit));
  }

  /** What every output other than spans and log records got, in a form runs of the playbook share. */
  outputs(): Outputs {
    return {
      metrics: metricTotals(this.receiver.metricRequests),
      webhook: webhookShape(this.webhook.delivered()),
      slack: slackShape(this.slack.delivered()),
      events: eventsShape(this.eventsFile),
      history: historyRuns(this.historyDir),
    };
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
    await Promise.all([this.receiver.stop(), this.webhook.stop(), this.slack.stop()]);
  }
}

/** What the outputs other than spans and log records got of a run (test/helpers/output-shapes.ts). */
interface Outputs {
  metrics: Record<string, number>;
  webhook: string[];
  slack: string[];
  events: string[];
  history: { playbook: string; tasks: number }[];
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
let undisturbedOutputs: Outputs | undefined;
/** Task one's output records (h1, h2), out before gate a. */
const LOGS_BEFORE_GATE_A = 2;

/**
 * Every (task, host) span and log record once, no id twice, nothing missing, no spool file left;
 * and, once the sidecars still up have flushed, every other output as in the undisturbed run.
 */
async function expectExactlyOnce(p: Point, label: string): Promise<void> {
  await p.stopSidecars();
  const outputs = p.outputs();
  const ids = p.receiver.spans.map((s) => s.spanId);
  const duplicates = ids.length - new Set(ids).size;
  const uids = p.receiver.logRecords.map((r) => r.attributes['log.record.uid']);
  const duplicateLogs = uids.length - new Set(uids).size;
  const results = outputs.metrics['ansible.task.host.results'];
  console.log(
    `exactly-once ${label}: ${ids.length} spans received, ${duplicates} duplicates; ${uids.length} log records, ${duplicateLogs} duplicates; ${results} host results counted (undisturbed ${undisturbedOutputs?.metrics['ansible.task.host.results']}); webhook ${outputs.webhook.length} events, Slack ${outputs.slack.length}, events file ${outputs.events.length} lines, history ${outputs.history.length} runs`,
  );
  // What the sidecars said goes with a failure: a mismatch alone does not tell which step went wrong.
  const said = `${p.output()}\n--- host results by sidecar: ${JSON.stringify(p.resultsBySidecar())}\n--- marks: ${p.markLines()}`;
  expect(duplicates, said).toBe(0);
  expect(new SpanTree(p.receiver.spans).shape(), said).toEqual(undisturbed);
  expect(duplicateLogs, said).toBe(0);
  expect(logShape(p.receiver.logRecords), said).toEqual(undisturbedLogs);
  expect(p.spoolFiles(), said).toEqual([]);
  expect(outputs, said).toEqual(undisturbedOutputs);
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
    // Every other output, once the sidecar flushed: what each killed run must match.
    await p.stopSidecars();
    const outputs = p.outputs();
    // h1 and h2 in one, two and three; the gates run once: 8 results, each counted once.
    expect(outputs.metrics['ansible.task.host.results']).toBe(8);
    expect(outputs.metrics['ansible.task.duration']).toBe(8);
    expect(outputs.metrics['ansible.playbook.runs']).toBe(1);
    expect(outputs.webhook.filter((e) => e.startsWith('host_result ')).length).toBe(8);
    expect(outputs.slack).toEqual([expect.stringMatching(/^exactly\.yml succeeded/)]);
    expect(outputs.events.filter((e) => e.startsWith('host_result ')).length).toBe(8);
    expect(outputs.history).toEqual([{ playbook: 'exactly.yml', tasks: 5 }]);
    undisturbedOutputs = outputs;
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
    // Nothing leaves before the kill (no span, record or metric export); the notifications that
    // went are marked (a kill with one on its way is the window docs/reliability.md names).
    const later = { OTEL_BSP_SCHEDULE_DELAY: '600000', OTEL_BLRP_SCHEDULE_DELAY: '600000', OTEL_METRIC_EXPORT_INTERVAL: '600000' };
    await killedAtGateA(p, () => p.outputsMarked(['metrics']), later);
    expect(p.receiver.spans).toEqual([]);
    expect(p.receiver.logRecords).toEqual([]);
    expect(p.receiver.metricRequests).toEqual([]);
    await p.replay();
    await expectExactlyOnce(p, '(1) before any export');
  }, 300_000);

  it('(2) killed after some spans and log records were acknowledged: the replay sends only the rest', async () => {
    const p = await point();
    // Task "one", its two host spans and their output records, in the ledgers: the sidecar had the
    // 200s. (Killed between the receiver's commit and that, an item would come twice: the one window left.)
    await killedAtGateA(p, () => p.ledgered() >= 3 && p.ledgered('logs') >= LOGS_BEFORE_GATE_A && p.outputsMarked());
    await p.replay();
    await expectExactlyOnce(p, '(2) after acknowledged exports');
  }, 300_000);

  it('(3) killed while an export request is in flight', async () => {
    const p = await point();
    p.receiver.hold = true;
    // The receiver holds span requests only: the kill waits until task one's records are out, so
    // none is on its way (in the one window) when it comes.
    await killedAtGateA(p, () => p.receiver.heldRequests > 0 && p.ledgered('logs') >= LOGS_BEFORE_GATE_A && p.outputsMarked());
    await p.replay();
    await expectExactlyOnce(p, '(3) export in flight');
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
    await until(() => p.outputsMarked(), WAIT); // nor a metric export or a notification
    await p.killInFlight(s);
    await p.replay();
    await expectExactlyOnce(p, '(4) after bye, before the ack');
  }, 300_000);

  it('(5) the sidecar replaying the spool is killed too; a third one finishes', async () => {
    const p = await point();
    await killedAtGateA(p, () => p.ledgered() >= 3 && p.ledgered('logs') >= LOGS_BEFORE_GATE_A && p.outputsMarked());
    p.receiver.hold = true;
    const replaying = await p.serve();
    await until(() => p.ledgered('logs') >= undisturbedLogs.length, WAIT); // records are not held: none on its way at the kill
    await until(() => p.outputsMarked(), WAIT); // nor a metric export or a notification
    await p.killInFlight(replaying);
    expect(p.spoolFiles()).toEqual([expect.stringMatching(new RegExp(`\\.replaying-${replaying.proc.pid}$`))]);
    await p.replay();
    await expectExactlyOnce(p, '(5) during a replay');
  }, 300_000);
});
