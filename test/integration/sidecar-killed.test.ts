// The sidecar SIGKILLed mid-run: the playbook does not notice, the shim spools, the next sidecar
// replays the spool, and the trace is the same as an undisturbed run's.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runShimmed, tempDir } from '../helpers/sidecar-run.js';
import { exitOf, startServe } from '../helpers/serve-process.js';
import { spansOfJsonLines } from '../helpers/otlp-spans.js';
import { SpanTree } from '../helpers/span-tree.js';
import { until } from '../helpers/until.js';

const ansible = async (socket: string, env: NodeJS.ProcessEnv): Promise<number | null> => (await runShimmed('features.yml', socket, env)).code;

/** The trace of a traces file without ids or times. */
const shape = (file: string): string[] => new SpanTree(spansOfJsonLines(readFileSync(file, 'utf8'))).shape();

describe('a sidecar SIGKILLed mid-run', () => {
  it('costs the playbook nothing, and the next sidecar replays the spool into the undisturbed trace', async () => {
    const exporters = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none' };
    const calmEnv = cleanEnv(exporters);
    const calm = join(tempDir(), 'calm.jsonl');
    const calmSocket = join(tempDir(), 'u.sock');
    const u = await startServe(['--socket', calmSocket, '--traces-file', calm], calmEnv);
    expect(await ansible(calmSocket, calmEnv)).toBe(4);
    await u.stderr.waitFor('features.yml: failure');
    expect(await u.stop()).toBe(0);

    // features.yml's async task holds the run (after its first poll) until the gate file exists:
    // the sidecar dies while the playbook is surely between its first and its last frame.
    const tmp = tempDir();
    const gate = join(tmp, 'gate');
    const env = cleanEnv({ ...exporters, OTEL_TEST_TMP: tmp, OTEL_TEST_GATE: gate });
    const socket = join(tempDir(), 'k.sock');
    const victim = await startServe(['--socket', socket, '--traces-file', join(tempDir(), 'partial.jsonl')], env);
    const run = ansible(socket, env);
    await until(() => existsSync(join(tmp, 'polled-h1')) && existsSync(join(tmp, 'polled-h2')), 180_000, 'the first async poll of h1 and h2');
    await exitOf(victim.proc, 'SIGKILL');
    writeFileSync(gate, '');
    expect(await run).toBe(4); // the same exit code as the undisturbed run

    const replayed = join(tempDir(), 'replayed.jsonl');
    const next = await startServe(['--socket', join(tempDir(), 'n.sock'), '--traces-file', replayed], env);
    await next.stderr.waitFor('replayed the spooled run');
    expect(await next.stop()).toBe(0);
    expect(existsSync(replayed)).toBe(true);
    expect(shape(replayed)).toEqual(shape(calm));
  }, 300_000); // two runs of features.yml on a loaded machine
});
