// Section 4: host result frame sent → its span received at the loopback receiver, with the
// sidecar's default settings, frames sent at a steady rate. Each received host span is matched
// to its frame by ansible.task.host.name + ansible.task.uuid.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoopbackReceiver } from './receiver-client.js';
import { SidecarProcess } from './sidecar-process.js';
import { percentile } from './stats.js';
import { SteadyRun, type SteadyRate } from './steady-run.js';

export type LatencyOptions = SteadyRate;

export interface LatencyResult extends LatencyOptions {
  sent: number;
  matched: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export async function hostSpanLatency(o: LatencyOptions): Promise<LatencyResult> {
  const receiver = await LoopbackReceiver.start('pick');
  const dir = mkdtempSync(join(tmpdir(), 'otel-bench-'));
  try {
    const socket = join(dir, 's.sock');
    const sidecar = await SidecarProcess.start(socket, receiver.url);
    const run = await SteadyRun.open(socket, o);
    await run.send();
    await receiver.waitForSpans(run.total, 5_000);
    run.end();
    await sidecar.stop();
    const latencies = run.latencies(await receiver.arrivals());
    return {
      ...o,
      sent: run.total,
      matched: latencies.length,
      ...spread(latencies),
    };
  } finally {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** p50, p99 and max of latencies in ms. */
export function spread(latencies: number[]): { p50Ms: number; p99Ms: number; maxMs: number } {
  return { p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: percentile(latencies, 100) };
}
