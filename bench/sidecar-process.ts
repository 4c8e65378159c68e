// `ansible-otel serve` as a separate process, exporting to the loopback receiver, with its peak
// RSS watched and, on request, a V8 CPU profile written when it exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { benchCacheHome, benchEnv } from './env.js';
import { watchPeakRss } from './proc-rss.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.cjs');

export interface SidecarExit {
  code: number | null;
  stderr: string;
  peakRssKiB: number;
}

export class SidecarProcess {
  private stderr = '';
  private readonly rss: { stop(): number };

  private constructor(private readonly child: ChildProcess) {
    child.stderr?.on('data', (c: Buffer) => (this.stderr += c.toString()));
    this.rss = watchPeakRss(child.pid ?? 0);
  }

  /** The node arguments used, for the report. */
  static command(socket: string, cpuProfDir?: string, args: string[] = []): string[] {
    return [...(cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : []), CLI, 'serve', '--socket', socket, ...args];
  }

  static async start(
    socket: string,
    endpoint: string,
    o: { cpuProfDir?: string; env?: Record<string, string>; args?: string[]; nodeArgs?: string[] } = {},
  ): Promise<SidecarProcess> {
    const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...SidecarProcess.command(socket, o.cpuProfDir, o.args)], {
      // A spool directory of its own: it must not replay runs the bench's shims spooled. A queue
      // (and so span ledger) of its own: the streams share one run id, so a ledger of an earlier
      // sidecar at a receiver on the same port would skip their spans as delivered.
      env: benchEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        ANSIBLE_OTEL_SPOOL_DIR: mkdtempSync(join(benchCacheHome(), 'sidecar-spool-')),
        ANSIBLE_OTEL_QUEUE_DIR: mkdtempSync(join(benchCacheHome(), 'sidecar-queue-')),
        ...o.env,
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const s = new SidecarProcess(child);
    const deadline = Date.now() + 30_000;
    while (!s.stderr.includes('listening on')) {
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start: ${s.stderr}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    return s;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get output(): string {
    return this.stderr;
  }

  /** SIGTERM: serve flushes and exits (the CPU profile is written then). */
  async stop(): Promise<SidecarExit> {
    const exited = once(this.child, 'exit') as Promise<[number | null]>;
    const peakRssKiB = this.rss.stop();
    this.child.kill('SIGTERM');
    const [code] = await exited;
    return { code, stderr: this.stderr, peakRssKiB };
  }
}
