// Section 9 (issue #23): one `serve` for many runs in a row, as a CI runner or an AWX node keeps
// it for months. The recorded features run (test/fixtures/features.ndjson: 117 frames, 71 spans,
// failures, loops, includes, handlers) goes through one serve again and again, each time under a
// fresh run id, one run after the other: sent over the Unix socket, then the ack awaited (every
// span and log record exported and in the ledgers), then the next. Every output is on: OTLP
// traces, metrics and logs to a loopback receiver (its own process), the delivery ledger, the
// Prometheus textfile and scrape endpoint, the WebSocket edge with one live watcher. Every
// `every` runs: serve's RSS (VmRSS), and the size and file count of its ledger directory.
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { wallMs } from './clock.js';
import { benchCacheHome } from './env.js';
import { LoopbackReceiver } from './receiver-client.js';
import { ROOT, SidecarProcess } from './sidecar-process.js';

export interface SoakOptions {
  runs: number;
  /** A sample every this many runs (and after the first). */
  every: number;
}

export interface SoakSample {
  runs: number;
  rssMiB: number;
  ledgerFiles: number;
  ledgerKiB: number;
  /** Wall seconds since the first run started. */
  seconds: number;
  /** The machine's 1-minute load average then (other sessions share it). */
  load1: number;
}

export interface SoakResult extends SoakOptions {
  spansPerRun: number;
  samples: SoakSample[];
  receivedSpans: number;
  expectedSpans: number;
  peakRssMiB: number;
  sidecarExit: number | null;
  /** serve's export report line(s) and warnings. */
  sidecarReport: string[];
  /** The serve arguments, for the report. */
  command: string;
}

const FIXTURE = join(ROOT, 'test', 'fixtures', 'features.ndjson');
/** Spans of one features run (docs/scale.md §2: 71). */
const SPANS_PER_RUN = 71;

export function vmRssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : 0;
}

/** Files and bytes under `dir`, recursively (0 when it does not exist). */
export function dirUsage(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return { files, bytes };
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) {
      const sub = dirUsage(path);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      files += 1;
      bytes += st.blocks * 512;
    }
  }
  return { files, bytes };
}

/**
 * The fixture as a template: every run id replaced by `run` (32 hex digits, as the shim makes
 * them), and its `hello` saying `resume` as today's shims' does (#24): each run is then known to
 * serve's resume index from its hello to its ack, as a live shim's run is. (The fixture was
 * recorded before the shim resumed.)
 */
function template(): (run: string) => string {
  const text = readFileSync(FIXTURE, 'utf8').replace(/^(\{"v":1,"t":"hello",[^\n]*)\}$/m, '$1,"resume":true}');
  if (!text.includes('"resume":true}')) throw new Error(`${FIXTURE}: no hello line`);
  const original = /"run":"([^"]+)"/.exec(text)?.[1];
  if (!original) throw new Error(`${FIXTURE}: no run id`);
  const parts = text.split(`"run":"${original}"`);
  return (run) => parts.join(`"run":"${run}"`);
}

function runId(i: number): string {
  return `50a4${i.toString(16).padStart(28, '0')}`;
}

/** Sends one run and resolves on its ack; rejects when serve hangs up first. */
function sendUntilAck(socket: string, stream: string, run: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let replies = '';
    const ack = `"t":"ack","run":"${run}"`;
    conn.on('data', (chunk) => {
      replies += chunk;
      if (replies.includes(ack)) {
        conn.end();
        resolve();
      }
    });
    conn.on('error', reject);
    conn.on('close', () => reject(new Error(`run ${run}: serve hung up before its ack: ${replies}`)));
    conn.write(stream);
  });
}

export async function soak(o: SoakOptions, log: (m: string) => void = () => {}): Promise<SoakResult> {
  const receiver = await LoopbackReceiver.start('count');
  const dir = mkdtempSync(join(tmpdir(), 'otel-bench-soak-'));
  const queueDir = join(benchCacheHome(), `soak-queue-${process.pid}`);
  mkdirSync(queueDir, { recursive: true });
  const ledgerDir = join(queueDir, 'ledger');
  const args = ['--prometheus-textfile', join(dir, 'ansible.prom'), '--prometheus-port', '0', '--ws-port', '0'];
  let watcher: WebSocket | undefined;
  try {
    const socket = join(dir, 's.sock');
    const sidecar = await SidecarProcess.start(socket, receiver.url, { args, env: { ANSIBLE_OTEL_QUEUE_DIR: queueDir } });
    const wsUrl = /(wss?:\/\/[^\s)]+?)\s*\(shims/.exec(sidecar.output)?.[1];
    if (wsUrl) {
      watcher = new WebSocket(`${wsUrl.replace(/\/$/, '')}/watch`);
      watcher.on('message', () => {});
      watcher.on('error', () => {});
      await once(watcher, 'open');
    }
    const stream = template();
    const samples: SoakSample[] = [];
    const t0 = wallMs();
    const sample = (runs: number): void => {
      const ledger = dirUsage(ledgerDir);
      const s = {
        runs,
        rssMiB: vmRssKiB(sidecar.pid) / 1024,
        ledgerFiles: ledger.files,
        ledgerKiB: ledger.bytes / 1024,
        seconds: (wallMs() - t0) / 1000,
        load1: loadavg()[0] ?? 0,
      };
      samples.push(s);
      if (runs === 1 || runs % (o.every * 10) === 0)
        log(
          `soak: ${runs} runs, serve RSS ${s.rssMiB.toFixed(1)} MiB, ledger ${s.ledgerFiles} files ${(s.ledgerKiB / 1024).toFixed(1)} MiB, ${s.seconds.toFixed(0)} s`,
        );
    };
    for (let i = 1; i <= o.runs; i++) {
      const run = runId(i);
      await sendUntilAck(socket, stream(run), run);
      if (i === 1 || i % o.every === 0) sample(i);
    }
    const expectedSpans = o.runs * SPANS_PER_RUN;
    await receiver.waitForSpans(expectedSpans, 15_000);
    watcher?.close();
    const exit = await sidecar.stop();
    const received = (await receiver.stats()).spans;
    return {
      ...o,
      spansPerRun: SPANS_PER_RUN,
      samples,
      receivedSpans: received,
      expectedSpans,
      peakRssMiB: exit.peakRssKiB / 1024,
      sidecarExit: exit.code,
      sidecarReport: exit.stderr.split('\n').filter((l) => /→|warning|dropped|error/i.test(l) && !l.includes('listening on')),
      command: `node dist/cli/main.cjs serve --socket S ${args.map((a) => a.replace(`${dir}/`, '')).join(' ')}`,
    };
  } finally {
    watcher?.terminate();
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(queueDir, { recursive: true, force: true });
  }
}
