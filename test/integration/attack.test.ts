// `serve` under attack: while two real ansible-playbook runs stream in (one over the Unix socket,
// one over ws://), hostile clients on both edges send mutated copies of recorded frames, frames
// of the wrong types (the three that used to kill the process among them) and random bytes.
// Both real traces must come out whole, and serve must still answer SIGTERM with exit 0.
import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { STATUS, type OtlpSpan } from '../helpers/otlp-spans.js';
import { mutation } from '../helpers/schema-arbitrary.js';
import { SpanTree } from '../helpers/span-tree.js';
import { ROOT, cleanEnv, runShimmed, tempDir } from '../helpers/sidecar-run.js';
import { exitOf, startServe, type ServeProcess } from '../helpers/serve-process.js';
import { until } from '../helpers/until.js';

const TOKEN = 'attack-test-token';
const SEED = 20261201;
const receiver = new OtlpReceiver();
let serve: ServeProcess;
let socket: string;
let wsUrl: string;
let env: NodeJS.ProcessEnv;

/** A valid start of a run, then `poison`: the model would have met it with a play open. */
function poisoned(run: string, poison: object): string {
  const envelope = (seq: number) => ({ v: 1, run, seq, ts: 1_700_000_000_000_000_000 + seq * 1_000_000 });
  const frames = [
    { ...envelope(0), t: 'hello' },
    { ...envelope(1), t: 'playbook_start', path: '/attack/attack.yml' },
    { ...envelope(2), t: 'play_start', play: 'p', name: 'attack' },
    { ...envelope(3), ...poison },
  ];
  return frames.map((f) => `${JSON.stringify(f)}\n`).join('');
}

// The frames that crashed serve before the schema: named, so they are always in the attack.
const NAMED = [
  poisoned('attack-scopes', { t: 'task_start', task: 't', name: 'n', scopes: [null] }),
  poisoned('attack-stats', { t: 'stats', hosts: { h: null } }),
  poisoned('attack-diffs', { t: 'file_diff', task: 't', host: 'h', diffs: 'x' }),
];

/** Mutated copies of recorded frames (playbooks other than the real runs'), one run per payload. */
function mutatedPayloads(count: number): string[] {
  const recorded = ['features', 'shim-features', 'includes'].flatMap((f) =>
    readFileSync(join(ROOT, 'test/fixtures', `${f}.ndjson`), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>),
  );
  const payload = fc
    .array(fc.tuple(fc.nat(recorded.length - 1), fc.option(mutation, { freq: 2 })), { minLength: 5, maxLength: 30 })
    .map((picks) => picks.map(([i, mutate]) => `${JSON.stringify(mutate ? mutate(recorded[i]!) : recorded[i])}\n`).join(''));
  return fc.sample(payload, { numRuns: count, seed: SEED });
}

const randomBytes = (count: number): Buffer[] =>
  fc.sample(fc.uint8Array({ minLength: 1, maxLength: 512 }), { numRuns: count, seed: SEED }).map((b) => Buffer.from(b));

/** One hostile Unix socket client: writes `payload` and hangs up; resolves once serve let it go. */
function socketAttacker(payload: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    const s = connect(socket, () => s.end(payload));
    s.on('error', () => {}); // serve may cut a client short; the close still comes
    s.resume(); // serve's ready line must be read, else the socket never sees the end and closes
    s.on('close', () => resolve());
  });
}

/** One hostile ws:// shim: the payload cut into binary messages of varied sizes, then a close. */
function wsAttacker(payload: Buffer | string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${wsUrl}/frames`, { headers: { authorization: `Bearer ${TOKEN}` } });
    ws.on('error', () => {});
    ws.on('close', () => resolve());
    ws.on('open', () => {
      const bytes = Buffer.from(payload);
      for (let i = 0, cut = 1; i < bytes.length; i += cut, cut = ((cut * 7) % 97) + 1) ws.send(bytes.subarray(i, i + cut), { binary: true });
      ws.close();
    });
  });
}

function ansible(playbook: string, endpoint: string) {
  // The ack waits on the export and the ledger's fsync: on a loaded machine that can take longer
  // than the default 2 s, and the test asserts the run was confirmed, so the shim waits for it.
  return runShimmed(playbook, endpoint, { ...env, ANSIBLE_OTEL_TOKEN: TOKEN, OTEL_TEST_TMP: tempDir(), ANSIBLE_OTEL_DRAIN_TIMEOUT: '120' });
}

/** A trace as structure: each span's path from the root and its status. */
function shape(rootName: string): string[] {
  const roots = receiver.spans.filter((s) => s.name === rootName && !s.parentSpanId);
  expect(roots).toHaveLength(1);
  const spans: OtlpSpan[] = receiver.spans.filter((s) => s.traceId === roots[0]!.traceId);
  const tree = new SpanTree(spans);
  tree.expectWellFormed();
  return tree.shape();
}

beforeAll(async () => {
  const url = await receiver.start();
  socket = join(tempDir(), 'run', 'sidecar.sock');
  env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
  serve = await startServe(['--socket', socket, '--ws-port', '0', '--ws-token', TOKEN], env);
  wsUrl = /(ws:\/\/127\.0\.0\.1:\d+)/.exec(serve.stderr.text())![1]!;
});

afterAll(async () => {
  await exitOf(serve.proc, 'SIGKILL');
  await receiver.stop();
});

describe('serve under attack', () => {
  it('keeps two real runs whole over the socket and ws:// while hostile clients send poison, and exits 0 on SIGTERM', async () => {
    const payloads = [...NAMED, ...mutatedPayloads(12), ...randomBytes(6)];
    const real = Promise.all([ansible('small-a.yml', socket), ansible('small-b.yml', wsUrl)]);
    let finished = false;
    void real.finally(() => (finished = true));
    // Waves of attackers on both edges, each wave once serve let the last go, until both real
    // runs are over: the attack overlaps them.
    let waves = 0;
    while (!finished || waves === 0) {
      await Promise.all(payloads.flatMap((p) => [socketAttacker(p), wsAttacker(p)]));
      waves += 1;
    }
    const results = await real;
    expect(results.map((r) => r.code)).toEqual([0, 0]);
    for (const r of results) expect(r.stdout + r.stderr).not.toMatch(/otel_sidecar/); // delivered, no warning

    await until(() => receiver.spans.some((s) => s.name === 'RUN small-a.yml') && receiver.spans.some((s) => s.name === 'RUN small-b.yml'));
    expect(shape('RUN small-a.yml')).toEqual([
      `RUN small-a.yml > First playbook > Change a file > h1 [${STATUS.UNSET}]`,
      `RUN small-a.yml > First playbook > Change a file [${STATUS.UNSET}]`,
      `RUN small-a.yml > First playbook [${STATUS.UNSET}]`,
      `RUN small-a.yml [${STATUS.UNSET}]`,
    ]);
    expect(shape('RUN small-b.yml')).toEqual([
      `RUN small-b.yml > Second playbook > Say b > h1 [${STATUS.UNSET}]`,
      `RUN small-b.yml > Second playbook > Say b [${STATUS.UNSET}]`,
      `RUN small-b.yml > Second playbook [${STATUS.UNSET}]`,
      `RUN small-b.yml [${STATUS.UNSET}]`,
    ]);

    const serveErr = serve.stderr.text();
    // Each named poison was refused at the edge, on both edges, in every wave.
    // (a mutated frame may be refused with the same words: at least, then)
    expect(serveErr.match(/bad_field: task_start \/scopes\/0/g)?.length).toBeGreaterThanOrEqual(2 * waves);
    expect(serveErr.match(/bad_field: stats \/hosts\/h/g)?.length).toBeGreaterThanOrEqual(2 * waves);
    expect(serveErr.match(/bad_field: file_diff \/diffs/g)?.length).toBeGreaterThanOrEqual(2 * waves);
    // Said once per connection; nothing got past the schema to break a run.
    const complaints = [...serveErr.matchAll(/connection (\d+): /g)].map((m) => m[1]);
    expect(new Set(complaints).size).toBe(complaints.length);
    expect(serveErr).not.toMatch(/failed on frame/);

    expect(await serve.stop()).toBe(0);
  }, 300_000);
});
