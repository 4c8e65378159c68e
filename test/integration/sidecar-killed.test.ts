// The sidecar SIGKILLed mid-run: the playbook does not notice, the shim spools, the next sidecar
// replays the spool, and the trace is the same as an undisturbed run's.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, INVENTORY, PLAYBOOKS, ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { spansOfJsonLines } from '../helpers/otlp-spans.js';
import { SpanTree } from '../helpers/span-tree.js';

async function serve(socket: string, traces: string, env: NodeJS.ProcessEnv): Promise<{ proc: ChildProcessWithoutNullStreams; err: () => string }> {
  const proc = spawn(process.execPath, [CLI, 'serve', '--socket', socket, '--traces-file', traces], { env });
  let err = '';
  proc.stderr.on('data', (c) => (err += c));
  while (!err.includes('listening on')) await new Promise((r) => setTimeout(r, 50));
  return { proc, err: () => err };
}

function ansible(socket: string, env: NodeJS.ProcessEnv): Promise<number | null> {
  const shim = { ANSIBLE_CALLBACK_PLUGINS: join(ROOT, 'plugin'), ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar', ANSIBLE_OTEL_SOCKET: socket };
  return new Promise((resolve) => spawn('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, 'features.yml')], { env: { ...env, ...shim }, stdio: 'ignore' }).on('close', resolve));
}

/** The tree without ids or times: each span as its path from the root and its status. */
function shape(file: string): string[] {
  const tree = new SpanTree(spansOfJsonLines(readFileSync(file, 'utf8')));
  return tree.spans.map((s) => `${tree.path(s).join(' > ')} [${s.status.code}]`).sort();
}

async function stop(proc: ChildProcessWithoutNullStreams): Promise<void> {
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGTERM');
  await exited;
}

describe('a sidecar SIGKILLed mid-run', () => {
  it('costs the playbook nothing, and the next sidecar replays the spool into the undisturbed trace', async () => {
    const env = cleanEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_TEST_TMP: tempDir() });

    const calm = join(tempDir(), 'calm.jsonl');
    const undisturbedSocket = join(tempDir(), 'u.sock');
    const u = await serve(undisturbedSocket, calm, env);
    expect(await ansible(undisturbedSocket, env)).toBe(4);
    while (!u.err().includes('features.yml: failure')) await new Promise((r) => setTimeout(r, 50));
    await stop(u.proc);

    const socket = join(tempDir(), 'k.sock');
    const partial = join(tempDir(), 'partial.jsonl');
    const victim = await serve(socket, partial, env);
    const run = ansible(socket, env);
    await new Promise((r) => setTimeout(r, 2500));
    victim.proc.kill('SIGKILL');
    expect(await run).toBe(4); // the same exit code as the undisturbed run

    const replayed = join(tempDir(), 'replayed.jsonl');
    const next = await serve(join(tempDir(), 'n.sock'), replayed, env);
    while (!next.err().includes('replayed the spooled run')) await new Promise((r) => setTimeout(r, 50));
    await stop(next.proc);
    expect(existsSync(replayed)).toBe(true);
    expect(shape(replayed)).toEqual(shape(calm));
  }, 120_000);
});
