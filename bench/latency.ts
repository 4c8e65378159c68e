// Section 4: host result frame sent → its span received at the loopback receiver, with the
// sidecar's default settings, frames sent at a steady rate. Each received host span is matched
// to its frame by ansible.task.host.name + ansible.task.uuid.
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameWriter, helloBody, hostName, hostResultBody, playbookStartBody, playStartBody, taskStartBody, taskUuid } from './frame-stream.js';
import { LoopbackReceiver } from './receiver-client.js';
import { SidecarProcess } from './sidecar-process.js';
import { percentile } from './stats.js';
import { wallMs } from './clock.js';

export interface LatencyOptions {
  /** Host result frames per second. */
  rate: number;
  seconds: number;
  hosts: number;
}

export interface LatencyResult extends LatencyOptions {
  sent: number;
  matched: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const TICK_MS = 10;

export async function hostSpanLatency(o: LatencyOptions): Promise<LatencyResult> {
  const receiver = await LoopbackReceiver.start('pick');
  const dir = mkdtempSync(join(tmpdir(), 'otel-bench-'));
  try {
    const socket = join(dir, 's.sock');
    const sidecar = await SidecarProcess.start(socket, receiver.url);
    const client = connect(socket);
    await once(client, 'connect');
    const w = new FrameWriter();
    const sentAt = new Map<string, number>();
    const wallNs = (): number => Math.round(wallMs() * 1e6);
    client.write(w.line(helloBody(), wallNs()) + w.line(playbookStartBody(), wallNs()) + w.line(playStartBody(), wallNs()));
    const total = Math.round(o.rate * o.seconds);
    const start = wallMs();
    let sent = 0;
    while (sent < total) {
      // Catch up to where the steady rate should be by now, then sleep a tick.
      const due = Math.min(total, Math.floor(((wallMs() - start) / 1000) * o.rate) + 1);
      let chunk = '';
      for (; sent < due; sent++) {
        const t = Math.floor(sent / o.hosts);
        const h = sent % o.hosts;
        if (h === 0) chunk += w.line(taskStartBody(t), wallNs());
        const host = hostName(h);
        chunk += w.line(hostResultBody(t, h, host), wallNs());
        sentAt.set(`${host}|${taskUuid(t)}`, wallMs());
      }
      if (chunk) client.write(chunk);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }
    await receiver.waitForSpans(total, 5_000);
    client.end(w.line(`"t":"stats","hosts":{}`, wallNs()) + w.line(`"t":"bye","dropped":0`, wallNs()));
    await sidecar.stop();
    const latencies: number[] = [];
    for (const [host, task, at] of await receiver.arrivals()) {
      const sent = sentAt.get(`${host}|${task}`);
      if (sent !== undefined) latencies.push(at - sent);
    }
    return {
      ...o,
      sent: total,
      matched: latencies.length,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: percentile(latencies, 100),
    };
  } finally {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
