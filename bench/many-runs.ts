// Section 7: many runs through one `serve` at once. For each count of concurrent runs, that many
// generated runs (each its own run id and task uuids) send host results at a steady rate each, all
// to one sidecar: its peak RSS, every span counted at the receiver, and per run the latency from
// a host result written to its span's arrival (bench/steady-run.ts), so a starved run shows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spread } from './latency.js';
import { LoopbackReceiver } from './receiver-client.js';
import { SidecarProcess } from './sidecar-process.js';
import { SteadyRun, type SteadyRate } from './steady-run.js';

export interface ManyRunsOptions extends SteadyRate {
  /** Counts of concurrent runs to measure, e.g. [1, 10, 100]. */
  counts: number[];
}

export interface RunLatency {
  matched: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface ConcurrentRuns {
  runs: number;
  /** Host results sent, all runs. */
  sent: number;
  expectedSpans: number;
  receivedSpans: number;
  peakRssMiB: number;
  sidecarExit: number | null;
  /** serve's export report line(s) and warnings. */
  sidecarReport: string[];
  /** All runs' host spans pooled. */
  all: RunLatency;
  /** One per run, in run order. */
  perRun: RunLatency[];
}

export interface ManyRunsResult extends SteadyRate {
  rows: ConcurrentRuns[];
}

export async function manyRuns(o: ManyRunsOptions): Promise<ManyRunsResult> {
  const rows: ConcurrentRuns[] = [];
  for (const runs of o.counts) rows.push(await concurrentRuns(runs, o));
  return { rate: o.rate, seconds: o.seconds, hosts: o.hosts, rows };
}

/** `count` runs at once on a fresh serve (its own disk queue and span ledger) and receiver. */
async function concurrentRuns(count: number, o: SteadyRate): Promise<ConcurrentRuns> {
  const receiver = await LoopbackReceiver.start('pick');
  const dir = mkdtempSync(join(tmpdir(), 'otel-bench-'));
  try {
    const socket = join(dir, 's.sock');
    const sidecar = await SidecarProcess.start(socket, receiver.url);
    const runs = await Promise.all(Array.from({ length: count }, (_, r) => SteadyRun.open(socket, o, r)));
    await Promise.all(runs.map((run) => run.send()));
    for (const run of runs) run.end();
    const expectedSpans = runs.reduce((n, run) => n + run.spans, 0);
    await receiver.waitForSpans(expectedSpans, 15_000);
    const exit = await sidecar.stop();
    const received = (await receiver.stats()).spans;
    const arrivals = await receiver.arrivals();
    const perRun = runs.map((run) => run.latencies(arrivals));
    const of = (latencies: number[]): RunLatency => ({ matched: latencies.length, ...spread(latencies) });
    return {
      runs: count,
      sent: runs.reduce((n, run) => n + run.total, 0),
      expectedSpans,
      receivedSpans: received,
      peakRssMiB: exit.peakRssKiB / 1024,
      sidecarExit: exit.code,
      sidecarReport: exit.stderr.split('\n').filter((l) => /spans →|warning|dropped|error/i.test(l) && !l.includes('listening on')),
      all: of(perRun.flat()),
      perRun: perRun.map(of),
    };
  } finally {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
