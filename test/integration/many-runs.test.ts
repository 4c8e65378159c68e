// One `serve`, 100 runs at once: a recorded stream replayed at full speed over 100 connections
// (each under its own run id), and a real ansible-playbook through the shim that runs among them.
// Every trace must come out exactly as that stream or playbook gives alone on the same serve.
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import type { OtlpSpan } from '../helpers/otlp-spans.js';
import { recordedLines } from '../helpers/recorded-run.js';
import { asRun, newRunId, sendUntilAck } from '../helpers/recorded-stream.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { cleanEnv, runShimmed, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { until } from '../helpers/until.js';

const RUNS = 100;
/** The largest 2.14 recording (loops, includes, handlers, failures, rescues). */
const FIXTURE = 'features';
/** Two gates the test opens: the run stands still until the replays are under way. */
const PLAYBOOK = 'exactly.yml';
/** Caps, sized for a loaded machine: under two CPU hogs the reference playbook alone takes about 60 s. */
const WAIT = 120_000;

const receiver = new OtlpReceiver();
let env: NodeJS.ProcessEnv;
let serve: ServeProcess | undefined;

beforeAll(async () => {
  const url = await receiver.start();
  env = cleanEnv({
    OTEL_EXPORTER_OTLP_ENDPOINT: url,
    // A short batch delay: the playbook's first spans leave while it stands at its gate.
    OTEL_BSP_SCHEDULE_DELAY: '20',
    // A request the receiver took but answered after the timeout is sent again by the OTLP
    // library (at-least-once, as the OTLP spec allows): on a loaded machine that is a duplicate
    // span this test would blame on serve. Waiting as long as it takes keeps the check exact.
    OTEL_EXPORTER_OTLP_TIMEOUT: '600000',
    ANSIBLE_OTEL_DRAIN_TIMEOUT: '30',
  });
});

afterAll(async () => {
  serve?.proc.kill('SIGKILL');
  await receiver.stop();
});

/** A trace as the sorted root-to-span name paths of its spans: their count, names and parent links in one value. */
function shapeOf(spans: OtlpSpan[]): string[] {
  const tree = new SpanTree(spans);
  return spans.map((s) => tree.path(s).join(' > ')).sort();
}

/** The trace whose root span carries the run id `run`. */
function traceOfRun(run: string): OtlpSpan[] {
  const roots = receiver.spans.filter((s) => s.parentSpanId === '' && s.attributes['ansible.session'] === run);
  expect(roots, `run ${run}: one root span`).toHaveLength(1);
  return receiver.spans.filter((s) => s.traceId === roots[0]!.traceId);
}

/** The playbook through the shim, standing at its gates until `open` opens them. */
function gatedPlaybook(socket: string): { done: Promise<CliResult>; open: (gate: 'a' | 'b') => void } {
  const gates = tempDir('otel-gates-');
  const done = runShimmed(PLAYBOOK, socket, { ...env, OTEL_TEST_GATES: gates });
  return { done, open: (gate) => writeFileSync(join(gates, gate), '') };
}

/** Ends it, then: it exited 0 and the shim deleted its spool file, which it does only on the sidecar's ack. */
async function expectAcked(playbook: ReturnType<typeof gatedPlaybook>): Promise<void> {
  playbook.open('a');
  playbook.open('b');
  const result = await playbook.done;
  expect(result.code, result.stderr).toBe(0);
  expect(readdirSync(env.ANSIBLE_OTEL_SPOOL_DIR!), result.stderr).toEqual([]);
}

describe('one serve, 100 concurrent runs', () => {
  it('exports every run as it does alone, keeps each span in its own run’s trace, and accounts for every run', async () => {
    serve = await startServe(['--socket', join(tempDir(), 'sidecar.sock')], env);
    const socket = /listening on (\S+?)[; ]/.exec(serve.stderr.text())![1]!;
    const lines = recordedLines(FIXTURE);

    // The references: the stream and the playbook, each alone on this serve (both acked: all exported).
    const refRun = newRunId();
    await sendUntilAck(socket, asRun(lines, refRun), refRun);
    const streamAlone = shapeOf(traceOfRun(refRun));
    await expectAcked(gatedPlaybook(socket));
    const [playbookAloneRoot] = receiver.spans.filter((s) => s.name === `RUN ${PLAYBOOK}`);
    const playbookAlone = shapeOf(receiver.spans.filter((s) => s.traceId === playbookAloneRoot!.traceId));

    // The playbook first, at its first gate: its run is open before the first replay connects.
    const playbook = gatedPlaybook(socket);
    await until(() => receiver.spans.filter((s) => s.name === 'one').length === 2, WAIT, 'the playbook at its first gate');
    const runs = Array.from({ length: RUNS }, newRunId);
    let acked = 0;
    const replays = runs.map((run) =>
      sendUntilAck(socket, asRun(lines, run), run).then(() => {
        // Half way through, the playbook goes on: its frames come among the replays' frames.
        if (++acked === RUNS / 2) playbook.open('a');
      }),
    );
    await Promise.all(replays);
    await expectAcked(playbook);

    // Each span once (a duplicate would otherwise show as a run with two roots); the message says
    // whether whole requests came twice, byte for byte (a transport's retry) or spans did.
    const repeats = receiver.requests.length - new Set(receiver.requests.map((r) => r.raw.toString('base64'))).size;
    expect(new Set(receiver.spans.map((s) => s.spanId)).size, `${repeats} requests arrived twice`).toBe(receiver.spans.length);
    for (const run of runs) expect(shapeOf(traceOfRun(run)), `run ${run}`).toEqual(streamAlone);
    const playbookRoots = receiver.spans.filter((s) => s.name === `RUN ${PLAYBOOK}` && s !== playbookAloneRoot);
    expect(playbookRoots).toHaveLength(1);
    const playbookTrace = receiver.spans.filter((s) => s.traceId === playbookRoots[0]!.traceId);
    expect(shapeOf(playbookTrace)).toEqual(playbookAlone);

    // 103 traces (2 references, 101 at once) hold every span received: none landed in a trace of its own or another run's.
    const traceIds = new Set(receiver.spans.map((s) => s.traceId));
    expect(traceIds.size).toBe(RUNS + 3);
    expect(receiver.spans.length).toBe((RUNS + 1) * streamAlone.length + 2 * playbookAlone.length);

    expect(await serve.stop()).toBe(0);
    const said = serve.stderr.text();
    // One summary line per run, naming its trace; the export line counts every span.
    const summarised = [...said.matchAll(/: (?:success|failure|error), trace ([0-9a-f]{32})/g)].map((m) => m[1]);
    expect(new Set(summarised)).toEqual(traceIds);
    expect(summarised).toHaveLength(RUNS + 3);
    expect(said).toContain(`${receiver.spans.length} spans → `);
    // Nothing went the slow way: no export refused for being one too many at once, no run cut short.
    expect(said).not.toContain('warning');
  }, 300_000);
});
