// A task ending on 5,000 hosts at once: the batch processor's queue must not drop a span.
import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runCli, tempDir } from '../helpers/sidecar-run.js';
import { startServe } from '../helpers/serve-process.js';

const HOSTS = 5_000;
const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

function burst(): string {
  const run = 'burst-run';
  let seq = 0;
  let ts = 1_700_000_000_000_000_000;
  const lines: string[] = [];
  const frame = (body: Record<string, unknown>): void => {
    lines.push(JSON.stringify({ v: 1, run, seq: seq++, ts: (ts += 1000), ...body }));
  };
  frame({ t: 'hello', ansible_version: '2.14.18' });
  frame({ t: 'playbook_start', path: '/repo/fleet.yml', name: 'fleet.yml' });
  frame({ t: 'play_start', play: 'p', name: 'Fleet' });
  frame({ t: 'task_start', task: 't', name: 'Ping everything', action: 'ping' });
  for (let i = 0; i < HOSTS; i++) frame({ t: 'host_start', task: 't', host: `host${i}` });
  for (let i = 0; i < HOSTS; i++) frame({ t: 'host_result', task: 't', host: `host${i}`, status: 'ok' });
  frame({ t: 'stats', hosts: {} });
  frame({ t: 'bye', dropped: 0 });
  return `${lines.join('\n')}\n`;
}

/** The burst over a WebSocket, in 64 KiB messages (frames cut anywhere, as the shim may). */
async function sendOverWebSocket(wsUrl: string): Promise<void> {
  const ws = new WebSocket(`${wsUrl}/frames`);
  await new Promise((r) => ws.once('open', r));
  const data = Buffer.from(burst());
  for (let at = 0; at < data.length; at += 65_536) ws.send(data.subarray(at, at + 65_536));
  ws.close(1000);
  await new Promise((r) => ws.once('close', r));
}

/** Sends the burst to a fresh `serve` (Unix socket, or --ws-port), waits for the run's end, stops it; its stderr. */
async function serveBurst(env: Record<string, string> = {}, transport: 'unix' | 'ws' = 'unix'): Promise<string> {
  const socket = join(tempDir(), 'sidecar.sock');
  const ws = transport === 'ws' ? ['--ws-port', '0'] : [];
  const serve = await startServe(['--socket', socket, ...ws], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, ...env }));
  if (transport === 'ws') {
    await sendOverWebSocket(/ws:\/\/127\.0\.0\.1:\d+/.exec(serve.stderr.text())![0]);
  } else {
    const client = connect(socket);
    await new Promise((r) => client.once('connect', r));
    await new Promise<void>((r) => client.end(burst(), () => r()));
  }
  await serve.stderr.waitFor('fleet.yml: success');
  expect(await serve.stop()).toBe(0);
  return serve.stderr.text();
}

describe('a burst of 5,000 host results', () => {
  it('exports every span with the default batch settings', async () => {
    const err = await serveBurst();
    expect(err).not.toMatch(/warning/);
    expect(err).toContain(`${HOSTS + 3} spans → `);
    expect(receiver.spans).toHaveLength(HOSTS + 3);
  });

  for (const transport of ['unix', 'ws'] as const) {
    it(`exports every span to a backend slower than the sidecar reads (backpressure, not drops), over ${transport === 'ws' ? 'a WebSocket' : 'the Unix socket'}`, async () => {
      receiver.spans.length = 0;
      receiver.delayMs = 20;
      try {
        // A queue of 2,048 spans against 5,003: read at full speed, the queue would drop most of them.
        const err = await serveBurst({ OTEL_BSP_MAX_QUEUE_SIZE: '2048', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' }, transport);
        expect(err).not.toMatch(/Dropped|dropped|warning/);
        expect(err).toContain(`${HOSTS + 3} spans → `);
        expect(receiver.spans).toHaveLength(HOSTS + 3);
      } finally {
        receiver.delayMs = 0;
      }
    });
  }

  it('replays a recorded burst from a file to a slow backend without the disk queue: a file waits on the export queue as a socket does', async () => {
    receiver.spans.length = 0;
    receiver.delayMs = 20;
    const file = join(tempDir(), 'burst.ndjson');
    writeFileSync(file, burst());
    try {
      const r = await runCli(
        ['replay', '--queue-dir', 'off', file],
        cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_BSP_MAX_QUEUE_SIZE: '2048', OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '128' }),
      );
      expect(r.stderr).not.toMatch(/Dropped|dropped|warning|not delivered/);
      expect(r.code).toBe(0);
      expect(receiver.spans).toHaveLength(HOSTS + 3);
    } finally {
      receiver.delayMs = 0;
    }
  });

  it('replay exits 1 when the backend refuses what it sends, and says how much', async () => {
    const file = join(tempDir(), 'burst.ndjson');
    writeFileSync(file, burst());
    receiver.failWith = 400; // not retryable: refused for good
    try {
      // The test before sent the same burst to this receiver, and the ledger says so: sent again on purpose.
      const r = await runCli(['replay', '--force', '--queue-dir', 'off', '--flush-timeout', '5', file], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url }));
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/failed|not delivered/);
    } finally {
      receiver.failWith = undefined;
    }
  });
});
