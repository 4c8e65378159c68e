// `ansible-otel import` on artifacts that Debian's ansible-runner writes for real playbooks, against
// the same playbooks run live through `ansible-otel run`: the same span tree, statuses and events.
import { copyFileSync, cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pointsOfJsonLines } from '../helpers/otlp-metrics.js';
import { spansOfJsonLines, STATUS, type OtlpSpan } from '../helpers/otlp-spans.js';
import { cleanEnv, PLAYBOOKS, ROOT, runCli, runProcess, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { ANSIBLE_BIN, ansibleVersion } from '../helpers/ansible-version.js';

/**
 * ansible-core 2.18+ tells callbacks of a notification only at the handler flush, per host, and
 * no result carries it (docs/compatibility.md, difference 2). The shim puts `ansible.notify` on the
 * notifying host span from the task's `notify`, but ansible-runner's events hold neither: an
 * import of 2.18+ artifacts can only put it on the play span.
 */
const NOTIFY_AT_FLUSH = !/core 2\.1[4-7]\./.test(ansibleVersion(ANSIBLE_BIN));
const withoutNotify = (lines: string[]): string[] =>
  lines.map((l) =>
    l.replace(/(?<=\] )(.*)$/, (events) =>
      events
        .split(',')
        .filter((e) => e !== 'ansible.notify')
        .join(','),
    ),
  );

const SHIM_PLAYBOOKS = join(ROOT, 'test', 'shim', 'playbooks');

const ansibleRunner = (pdd: string, playbook: string, ident: string, env: NodeJS.ProcessEnv): Promise<CliResult> =>
  runProcess('ansible-runner', ['run', pdd, '-p', playbook, '--ident', ident], env);

/** Each span as its path of names from the root, its status and its event names (as a set: async polls vary). */
const shape = (tree: SpanTree, spans: OtlpSpan[] = tree.spans): string[] => tree.shape(spans, { events: true });

const spansOf = (file: string): SpanTree => new SpanTree(spansOfJsonLines(readFileSync(file, 'utf8')));
const rootNamed = (tree: SpanTree, name: string): OtlpSpan[] => {
  const roots = tree.roots().filter((r) => r.name === name);
  return tree.spans.filter((s) => roots.some((r) => r.traceId === s.traceId));
};

/** features.yml's host-result counter by play, module and status (the default metrics file in `dir`). */
function hostResults(dir: string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const p of pointsOfJsonLines(readFileSync(join(dir, 'ansible-otel-metrics.jsonl'), 'utf8'))) {
    if (p.metric !== 'ansible.task.host.results' || p.attributes['ansible.playbook.name'] !== 'features.yml') continue;
    const key = ['ansible.play.name', 'ansible.task.module', 'ansible.task.host.status'].map((a) => p.attributes[a]).join(' | ');
    counts.set(key, Math.max(counts.get(key) ?? 0, p.value ?? 0)); // cumulative: the last export is the largest
  }
  return Object.fromEntries([...counts].sort());
}

let imported: SpanTree;
let live: SpanTree;
let importRun: CliResult;
/** The import's environment (its ledger, in its queue dir) and traces file: a second import uses both. */
let importEnv: NodeJS.ProcessEnv;
let importTraces: string;
let pdd: string;
const work = tempDir('otel-runner-');

beforeAll(async () => {
  pdd = join(work, 'pdd');
  const project = join(pdd, 'project');
  mkdirSync(join(pdd, 'inventory'), { recursive: true });
  mkdirSync(project, { recursive: true });
  for (const f of ['features.yml', 'included.yml', 'failures.yml']) copyFileSync(join(PLAYBOOKS, f), join(project, f));
  cpSync(join(PLAYBOOKS, 'library'), join(project, 'library'), { recursive: true });
  cpSync(join(PLAYBOOKS, 'roles'), join(project, 'roles'), { recursive: true });
  // the async task waits for ansible's first poll, which this playbook-adjacent callback marks
  cpSync(join(PLAYBOOKS, 'callback_plugins'), join(project, 'callback_plugins'), { recursive: true });
  copyFileSync(join(SHIM_PLAYBOOKS, 'serial.yml'), join(project, 'serial.yml'));
  copyFileSync(join(PLAYBOOKS, 'inventory.ini'), join(pdd, 'inventory', 'features'));
  copyFileSync(join(SHIM_PLAYBOOKS, 'inventory_serial.ini'), join(pdd, 'inventory', 'serial'));

  // The retry task counts attempts in a file under OTEL_TEST_TMP: one directory per run.
  // serial.yml's inventory names no interpreter: ansible-core 2.19's discovery would take a
  // python3.13 from a pyenv first on PATH (docs/compatibility.md), so name Debian's.
  const interpreter = { ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3' };
  const runnerEnv = cleanEnv({ OTEL_TEST_TMP: tempDir(), ...interpreter });
  const liveEnv = cleanEnv({ OTEL_TEST_TMP: tempDir(), ...interpreter });
  const liveTraces = join(work, 'live.jsonl');
  const [features, serial, cut, liveFeatures, liveSerial, failures] = await Promise.all([
    ansibleRunner(pdd, 'features.yml', 'features', runnerEnv),
    ansibleRunner(pdd, 'serial.yml', 'serial', runnerEnv),
    ansibleRunner(pdd, 'serial.yml', 'cut', runnerEnv),
    runCli(
      ['run', '--traces-file', liveTraces, '--', 'ansible-playbook', '-i', join(PLAYBOOKS, 'inventory.ini'), join(PLAYBOOKS, 'features.yml')],
      liveEnv,
      undefined,
      work,
    ),
    runCli(
      ['run', '--traces-file', liveTraces, '--', 'ansible-playbook', '-i', join(SHIM_PLAYBOOKS, 'inventory_serial.ini'), join(SHIM_PLAYBOOKS, 'serial.yml')],
      liveEnv,
      undefined,
      work,
    ),
    ansibleRunner(pdd, 'failures.yml', 'failures', runnerEnv),
  ]);
  expect(features.code, features.stdout).toBe(4); // unreachable host
  expect(serial.code, serial.stdout).toBe(0);
  expect(cut.code, cut.stdout).toBe(0);
  expect(liveFeatures.code, liveFeatures.stderr).toBe(4);
  expect(liveSerial.code, liveSerial.stderr).toBe(0);
  expect(failures.code, failures.stdout).toBe(4); // unreachable host

  // A run cut off before its recap: no playbook_on_stats event; and one damaged event file.
  const cutEvents = join(pdd, 'artifacts', 'cut', 'job_events');
  for (const f of readdirSync(cutEvents)) if (JSON.parse(readFileSync(join(cutEvents, f), 'utf8')).event === 'playbook_on_stats') rmSync(join(cutEvents, f));
  writeFileSync(join(pdd, 'artifacts', 'serial', 'job_events', '999-partial.json'), '{"event": "runner_on_ok", "counter": 999, "event_da');

  importTraces = join(work, 'imported.jsonl');
  mkdirSync(join(work, 'import'));
  importEnv = cleanEnv();
  importRun = await runCli(['import', pdd, '--traces-file', importTraces], importEnv, undefined, join(work, 'import'));
  imported = spansOf(importTraces);
  live = spansOf(liveTraces);
}, 300_000);

describe('ansible-otel import of ansible-runner artifacts', () => {
  it('imports every ident of the artifacts dir as its own run', () => {
    expect(importRun.code, importRun.stderr).toBe(0);
    expect(
      imported
        .roots()
        .map((r) => r.name)
        .sort(),
    ).toEqual(['RUN failures.yml', 'RUN features.yml', 'RUN serial.yml', 'RUN serial.yml']);
    expect(importRun.stderr).toMatch(/features\.yml: failure, trace [0-9a-f]{32}/);
    imported.expectWellFormed();
  });

  it('skips a damaged event file with one warning and keeps the rest of its run', () => {
    expect(importRun.stderr.match(/999-partial\.json: .*\(file skipped\)/g)).toHaveLength(1);
  });

  it('gives features.yml the span tree, statuses and events of the live run', () => {
    const [fromImport, fromLive] = [shape(imported, rootNamed(imported, 'RUN features.yml')), shape(live, rootNamed(live, 'RUN features.yml'))];
    const notified = (lines: string[]): string[] => lines.filter((l) => l.split('] ')[1]?.split(',').includes('ansible.notify')).map((l) => l.split(' [')[0]!);
    expect(notified(fromLive)).toEqual([
      'RUN features.yml > Everything else > role greeter > Greet > h1',
      'RUN features.yml > Everything else > role greeter > Greet > h2',
    ]);
    if (!NOTIFY_AT_FLUSH) return expect(fromImport).toEqual(fromLive);
    expect(withoutNotify(fromImport)).toEqual(withoutNotify(fromLive));
    expect(notified(fromImport)).toEqual(['RUN features.yml > Everything else']);
  });

  it('gives the metrics of the live run', () => {
    const live = hostResults(work);
    expect(Object.keys(live).length).toBeGreaterThan(5);
    expect(hostResults(join(work, 'import'))).toEqual(live);
  });

  it('keeps rescued, ignored, retries and async polls as the live run has them', () => {
    const broken = imported.one('Break inside block');
    for (const host of imported.children(broken)) expect(host.attributes['ansible.task.host.status']).toBe('rescued');
    const retried = imported.one('h1', (s) => imported.parent(s)?.name === 'Retry until the third attempt');
    expect(retried.events.filter((e) => e.name === 'ansible.retry').map((e) => e.attributes['ansible.task.attempts'])).toEqual([1, 2]);
    const background = imported.one('h1', (s) => imported.parent(s)?.name === 'Run in the background');
    expect(background.events.map((e) => e.name)).toContain('ansible.async_poll');
    expect(background.events.at(-1)?.name).toBe('ansible.async_ok');
    const ignored = imported.one('h1', (s) => imported.parent(s)?.name === 'Fail but carry on');
    expect(ignored.attributes['ansible.task.host.status']).toBe('ignored');
    expect(ignored.status.code).not.toBe(STATUS.ERROR);
  });

  it("keeps a crashed module's traceback, as a live run does (2.19 has it only in module_stderr)", () => {
    const crashed = imported.one('h1', (s) => imported.parent(s)?.name === 'Crash the module');
    expect(crashed.status.code).toBe(STATUS.ERROR);
    const stack = String(crashed.events.find((e) => e.name === 'exception')?.attributes['exception.stacktrace']);
    expect(stack).toMatch(/RuntimeError: crash_me crashed on purpose/);
    expect(stack).not.toContain('(traceback unavailable)');
  });

  it('keeps the serial batches of serial.yml inside one play span', () => {
    const serialTraces = imported.roots().filter((r) => r.name === 'RUN serial.yml' && r.status.code !== STATUS.ERROR);
    expect(serialTraces).toHaveLength(1);
    const spans = imported.spans.filter((s) => s.traceId === serialTraces[0]!.traceId);
    expect(shape(imported, spans)).toEqual(shape(live, rootNamed(live, 'RUN serial.yml')));
    const play = spans.find((s) => s.name === 'rolling update')!;
    expect(play.attributes['ansible.play.batches']).toBe(2);
  });

  it('ends a run without its stats event as interrupted', () => {
    const cut = imported.roots().filter((r) => r.name === 'RUN serial.yml' && r.status.code === STATUS.ERROR);
    expect(cut).toHaveLength(1);
    expect(cut[0]!.attributes['ansible.run.interrupted']).toBe(true);
    expect(importRun.stderr).toMatch(/ended before its playbook finished/);
  });

  // Last: it appends to the import's outputs.
  it('a second import of the same artifacts sends nothing; --force sends them again', async () => {
    const spans = (): number => spansOf(importTraces).spans.length;
    const before = spans();
    const again = await runCli(['import', pdd, '--traces-file', importTraces], importEnv, undefined, join(work, 'import'));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr.match(/was sent whole before: skipped/g), again.stderr).toHaveLength(4);
    expect(spans()).toBe(before);
    const forced = await runCli(['import', '--force', pdd, '--traces-file', importTraces], importEnv, undefined, join(work, 'import'));
    expect(forced.code, forced.stderr).toBe(0);
    expect(spans()).toBe(2 * before);
  });
});
