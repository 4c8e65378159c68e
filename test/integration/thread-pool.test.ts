// The CLI sizes libuv's thread pool before anything uses it (src/cli/main.cts): 16 threads, or the
// user's UV_THREADPOOL_SIZE. Counted in /proc: serve with the default against serve with 4 and 6.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';

/** Threads of a serve that has said it listens (its start wrote files: the pool is up). */
async function serveThreads(pool: string | undefined): Promise<number> {
  const child = spawn(process.execPath, [CLI, 'serve', '--socket', join(tempDir(), 's.sock')], {
    env: cleanEnv({ UV_THREADPOOL_SIZE: pool, OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }),
  });
  let err = '';
  child.stderr.on('data', (c) => (err += c));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    await until(() => err.includes('listening on'), 60_000, 'serve to listen');
    return readdirSync(`/proc/${child.pid}/task`).length;
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

describe.runIf(process.platform === 'linux')("libuv's thread pool", () => {
  it('has 16 threads unless UV_THREADPOOL_SIZE says otherwise', async () => {
    const four = await serveThreads('4');
    expect((await serveThreads(undefined)) - four).toBe(12);
    expect((await serveThreads('6')) - four).toBe(2);
  });
});
