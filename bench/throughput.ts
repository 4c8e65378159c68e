// Sections 2 and 3: a generated frame stream through the whole sidecar (socket → decode →
// model → spans → batch → OTLP http/protobuf → loopback receiver), its peak RSS, and the raw
// SDK doing the same number of spans (the limit).
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { frameChunks, streamShape, type StreamSize } from './frame-stream.js';
import type { RawSdkDone } from './raw-sdk.js';
import { LoopbackReceiver } from './receiver-client.js';
import { SidecarProcess } from './sidecar-process.js';
import { wallMs } from './clock.js';

export interface PipelineResult {
  size: StreamSize;
  frames: number;
  expectedSpans: number;
  receivedSpans: number;
  /** OTLP trace request bytes at the receiver (as sent: compressed if the exporter compressed). */
  receivedBytes: number;
  /** First byte written → the sidecar reported the run's end (all frames consumed). */
  ingestSeconds: number;
  /** First byte written → the last span arrived at the receiver. */
  endToEndSeconds: number;
  peakRssMiB: number;
  sidecarExit: number | null;
  /** serve's export report line(s) and warnings. */
  sidecarReport: string[];
}

export interface RawSdkResult {
  spans: number;
  receivedSpans: number;
  receivedBytes: number;
  createSeconds: number;
  endToEndSeconds: number;
}

const QUIET_MS = 15_000;

export async function pipelineThroughput(
  size: StreamSize,
  o: { cpuProfDir?: string; env?: Record<string, string>; nodeArgs?: string[] } = {},
): Promise<PipelineResult> {
  const shape = streamShape(size);
  const receiver = await LoopbackReceiver.start('count');
  const dir = mkdtempSync(join(tmpdir(), 'otel-bench-'));
  try {
    const socket = join(dir, 's.sock');
    const sidecar = await SidecarProcess.start(socket, receiver.url, o);
    const client = connect(socket);
    await once(client, 'connect');
    const t0 = wallMs();
    for (const chunk of frameChunks(size)) if (!client.write(chunk)) await once(client, 'drain');
    await new Promise<void>((r) => client.end(r));
    while (!/fleet\.yml: \w+/.test(sidecar.output)) await new Promise((r) => setTimeout(r, 10));
    const ingestSeconds = (wallMs() - t0) / 1000;
    const stats = await receiver.waitForSpans(shape.spans, QUIET_MS);
    const exit = await sidecar.stop();
    const after = await receiver.stats();
    return {
      size,
      frames: shape.frames,
      expectedSpans: shape.spans,
      receivedSpans: after.spans,
      receivedBytes: after.bytes,
      ingestSeconds,
      endToEndSeconds: (stats.lastAtMs - t0) / 1000,
      peakRssMiB: exit.peakRssKiB / 1024,
      sidecarExit: exit.code,
      sidecarReport: exit.stderr.split('\n').filter((l) => /spans →|warning|dropped|error/i.test(l)),
    };
  } finally {
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function rawSdkThroughput(size: StreamSize): Promise<RawSdkResult> {
  const receiver = await LoopbackReceiver.start('count');
  try {
    const child = fork(join(import.meta.dirname, 'raw-sdk.js'), [receiver.url, String(size.hosts), String(size.tasks)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const [done] = (await once(child, 'message')) as [RawSdkDone];
    const stats = await receiver.waitForSpans(done.spans, QUIET_MS);
    await once(child, 'exit');
    return {
      spans: done.spans,
      receivedSpans: stats.spans,
      receivedBytes: stats.bytes,
      createSeconds: (done.createdMs - done.t0Ms) / 1000,
      endToEndSeconds: (stats.lastAtMs - done.t0Ms) / 1000,
    };
  } finally {
    await receiver.stop();
  }
}
