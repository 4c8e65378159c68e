// Several playbooks in one command, TRACEPARENT, check mode, a SIGKILLed ansible-playbook.
import { execFileSync, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, hostStartRecorded, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';
import { SpanTree } from '../helpers/span-tree.js';
import { KIND, STATUS } from '../helpers/otlp-spans.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

function spansOfTrace(traceId: string): SpanTree {
  return new SpanTree(receiver.spans.filter((s) => s.traceId === traceId));
}

describe('one command, several playbooks', () => {
  it('gives each playbook its own root span, both children of TRACEPARENT, in check mode', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const r = await runPlaybooks(
      ['small-a.yml', 'small-b.yml'],
      cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir(), TRACEPARENT: `00-${traceId}-${parent}-01` }),
      { ansibleArgs: ['--check'] },
    );
    expect(r.code, r.stderr).toBe(0);
    const tree = spansOfTrace(traceId);
    tree.expectWellFormed();
    const roots = tree.spans.filter((s) => s.parentSpanId === parent);
    expect(roots.map((s) => s.name).sort()).toEqual(['RUN small-a.yml', 'RUN small-b.yml']);
    for (const root of roots) {
      expect(root.kind).toBe(KIND.SERVER);
      expect(root.attributes['ansible.check_mode']).toBe(true);
      expect(root.status.code).toBe(STATUS.UNSET);
    }
    // per-playbook stats, although ansible-core's are cumulative over the command
    expect(tree.one('RUN small-a.yml').attributes['ansible.stats.changed']).toBe(1);
    expect(tree.one('RUN small-b.yml').attributes['ansible.stats.changed']).toBe(0);
    expect(tree.one('RUN small-b.yml').attributes['ansible.stats.ok']).toBe(1);
    expect(tree.path(tree.one('h1', (s) => tree.parent(s)?.name === 'Say b'))).toEqual(['RUN small-b.yml', 'Second playbook', 'Say b', 'h1']);
    expect(r.stderr.match(/trace 4bf92f3577b34da6a3ce929d0e0e4736/g)).toHaveLength(2);
  });
});

/** killed.yml through `run`, recording frames: resolves once the sidecar has the host start of "Sleep for a long time". */
function killedRun(
  tmp: string,
  onSpawn?: (cli: ChildProcess) => void,
  env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tmp }),
): { result: Promise<CliResult>; sleeping: Promise<void>; endOrphanedSleep: () => Promise<void> } {
  const frames = join(tmp, 'frames.ndjson');
  const result = runPlaybooks(['killed.yml'], env, {
    sidecarArgs: ['--record-frames', frames],
    onSpawn,
  });
  let ended = false;
  void result.finally(() => (ended = true));
  // An orphaned `sleep 25` would hold the run's stdout pipe: end it (once it exists) so the test need not wait.
  const endOrphanedSleep = (): Promise<void> =>
    until(() => ended || spawnSync('pkill', ['-f', '^sleep 25$']).status === 0, 180_000, 'the run to end or its orphaned sleep 25');
  return {
    result,
    sleeping: until(() => hostStartRecorded(frames, 'Sleep for a long time'), 180_000, 'the host start of "Sleep for a long time"'),
    endOrphanedSleep,
  };
}

/** SIGKILL to the controller of the killed.yml run under way. */
function killController(): void {
  // the oldest python ansible-playbook process of this test is the controller, not a worker
  const pid = execFileSync('pgrep', ['-o', '-f', `^[^ ]*python[^ ]* [^ ]*ansible-playbook .*${join('test', 'playbooks', 'killed.yml')}`])
    .toString()
    .trim();
  process.kill(Number(pid), 'SIGKILL');
}

describe('a run whose ansible-playbook is SIGKILLed mid-task', () => {
  it('exports every span, the open ones ERROR and marked interrupted', async () => {
    const { result, sleeping, endOrphanedSleep } = killedRun(tempDir());
    await sleeping;
    killController();
    await endOrphanedSleep();
    const r = await result;
    expect(r.code).toBe(137);
    expect(r.stderr).toMatch(/ended before its playbook finished/);
    const root = receiver.spans.find((s) => s.name === 'RUN killed.yml')!;
    const tree = spansOfTrace(root.traceId);
    tree.expectWellFormed();
    for (const name of ['RUN killed.yml', 'Long work', 'Sleep for a long time', 'h1']) {
      const span = tree.one(name, (s) => name !== 'h1' || tree.parent(s)?.name === 'Sleep for a long time');
      expect(span.status.code, name).toBe(STATUS.ERROR);
      expect(span.attributes['ansible.run.interrupted'], name).toBe(true);
    }
    expect(root.attributes['cicd.pipeline.result']).toBe('error');
    const marker = tree.one('h1', (s) => tree.parent(s)?.name === 'Leave a marker');
    expect(marker.status.code).toBe(STATUS.UNSET);
    expect(marker.attributes['ansible.task.host.status']).toBe('changed');
    // where the time went ends at the cut: the host still sleeping there is on the path, and the
    // three parts add up to the cut-off root span's duration
    const cut = tree.one('h1', (s) => tree.parent(s)?.name === 'Sleep for a long time');
    expect(cut.attributes['ansible.critical_path']).toBe(true);
    expect(tree.one('Sleep for a long time').attributes).toMatchObject({ 'ansible.critical_path': true, 'ansible.task.critical_path.host': 'h1' });
    expect(cut.endNs).toBe(root.endNs);
    const a = root.attributes;
    const parts =
      Number(a['ansible.run.critical_path.host_work']) + Number(a['ansible.run.critical_path.fork_wait']) + Number(a['ansible.run.critical_path.controller']);
    const wall = Number(root.endNs - root.startNs) / 1e9;
    expect(Math.abs(parts - wall) / wall).toBeLessThan(0.01);
  });
});

describe('signals sent to ansible-otel run', () => {
  it('forwards SIGTERM to ansible-playbook, exports the cut-off trace and exits with its status', async () => {
    let cli: ChildProcess | undefined;
    const { result, sleeping, endOrphanedSleep } = killedRun(tempDir(), (c) => (cli = c));
    await sleeping;
    cli!.kill('SIGTERM');
    await endOrphanedSleep();
    const r = await result;
    expect(r.code).toBe(143);
    const roots = receiver.spans.filter((s) => s.name === 'RUN killed.yml' && s.startNs > 0n);
    const root = roots[roots.length - 1]!;
    expect(root.attributes['ansible.run.interrupted']).toBe(true);
    expect(spansOfTrace(root.traceId).one('Sleep for a long time').status.code).toBe(STATUS.ERROR);
  });
});

describe("a killed run's spool, replayed by the next unrelated `ansible-otel run`", () => {
  it("counts none of the killed run's exported results into the metrics again", async () => {
    const tmp = tempDir();
    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tmp });
    const from = receiver.metricRequests.length;
    /** ansible.task.host.results of killed.yml, per sidecar process (its last cumulative count). */
    const killedResults = (): Map<string, number> => {
      const last = new Map<string, Map<string, number>>();
      for (const r of receiver.metricRequests.slice(from)) {
        for (const p of r.points) {
          if (p.metric !== 'ansible.task.host.results' || p.attributes['ansible.playbook.name'] !== 'killed.yml') continue;
          const process = String(p.resource['service.instance.id']);
          const series = last.get(process) ?? new Map<string, number>();
          series.set(JSON.stringify(p.attributes), p.value ?? 0);
          last.set(process, series);
        }
      }
      return new Map([...last].map(([process, series]) => [process, [...series.values()].reduce((a, b) => a + b, 0)]));
    };
    const { result, sleeping, endOrphanedSleep } = killedRun(tmp, undefined, env);
    await sleeping;
    killController();
    await endOrphanedSleep();
    expect((await result).code).toBe(137);
    // No ack for a run cut off: its spool stays, for whichever sidecar comes next.
    expect(readdirSync(env.ANSIBLE_OTEL_SPOOL_DIR!)).toHaveLength(1);
    const first = killedResults();
    expect(first.size).toBe(1); // the results the killed run's own sidecar exported at its exit
    const counted = [...first.values()][0]!;
    expect(counted).toBeGreaterThan(0);

    const next = await runPlaybooks(['small-b.yml'], env);
    expect(next.code, next.stderr).toBe(0);
    expect(next.stderr).toMatch(/replayed the spooled run/);
    expect(readdirSync(env.ANSIBLE_OTEL_SPOOL_DIR!)).toEqual([]);
    // The replay went through the next run's sidecar, whose metrics hold none of those results.
    expect([...killedResults().values()]).toEqual([counted]);
  });
});
