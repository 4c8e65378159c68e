// What changed since the last good run, on real ansible-playbook runs (docs/baseline.md): runs A1,
// A2, then B of test/playbooks/baseline.yml, where B sleeps ten times longer in one task, changes
// one host's file, and a command task without changed_when changes in all three. `run --baseline
// auto` on B names the three, links B's spans to A2's, writes the job summary and the report's
// baseline column (viewed in Chromium); `compare A2 B` on the two traces files says the same and
// exits 3. Then the history survives serve killed with SIGKILL halfway through an append, and a
// corrupted line.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exitOf, startServe } from '../helpers/serve-process.js';
import { HAVE_CHROMIUM, openReport, type OpenedReport } from '../helpers/report-page.js';
import { cleanEnv, INVENTORY, PLAYBOOKS, runCli, runShimmed, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { spansOfJsonLines, type OtlpSpan } from '../helpers/otlp-spans.js';
import { until } from '../helpers/until.js';

const tmp = tempDir('otel-baseline-');
const PLAYBOOK = join(PLAYBOOKS, 'baseline.yml');
const quiet = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };

const root = (spans: OtlpSpan[]): OtlpSpan => spans.find((s) => s.attributes['ansible.playbook.path'] !== undefined) as OtlpSpan;
const task = (spans: OtlpSpan[], name: string): OtlpSpan =>
  spans.find((s) => s.name === name && s.attributes['ansible.task.uuid'] !== undefined && s.attributes['ansible.task.host.name'] === undefined) as OtlpSpan;
const baselineLink = (s: OtlpSpan) => s.links.map((l) => ({ traceId: l.traceId, spanId: l.spanId, type: l.attributes['ansible.link.type'] }));

describe('runs A1, A2, then B with run --baseline auto', () => {
  const env = cleanEnv({ ...quiet, ANSIBLE_OTEL_HISTORY_DIR: join(tmp, 'history'), GITHUB_STEP_SUMMARY: join(tmp, 'summary.md') });
  const traces = (name: string): string => join(tmp, `${name}.jsonl`);
  const run = (name: string, extra: string[] = [], ansible: string[] = []): Promise<CliResult> =>
    runCli(['run', '--traces-file', traces(name), ...extra, '--', 'ansible-playbook', '-i', INVENTORY, ...ansible, PLAYBOOK], env);
  let a1: OtlpSpan[];
  let a2: OtlpSpan[];
  let b: OtlpSpan[];
  let a1Run: CliResult;
  let bRun: CliResult;
  let compare: CliResult;
  let json: {
    slower: { task: string; slowestHost: string }[];
    drift: { task: string; hosts: string[] }[];
    notIdempotent: { task: string; runs: number }[];
    newFailures: unknown[];
    base: { traceId: string };
    new: { traceId: string };
  };

  beforeAll(async () => {
    a1Run = await run('A1', ['--baseline', 'auto']);
    expect(a1Run.code).toBe(0);
    expect((await run('A2', ['--baseline', 'auto'])).code).toBe(0);
    // B: the slow task sleeps 4 s where A slept 0.3 s, h2's file gets other content
    bRun = await run('B', ['--baseline', 'auto', '--report', join(tmp, 'B.html')], ['-e', 'sleep_s=4', '-e', 'drift_host=h2']);
    expect(bRun.code).toBe(0);
    a1 = spansOfJsonLines(readFileSync(traces('A1'), 'utf8'));
    a2 = spansOfJsonLines(readFileSync(traces('A2'), 'utf8'));
    b = spansOfJsonLines(readFileSync(traces('B'), 'utf8'));
    compare = await runCli(['compare', traces('A2'), traces('B'), '--format', 'json', '--report', join(tmp, 'compare.html')], env);
    json = JSON.parse(compare.stdout);
  }, 300_000);

  it('the first run has no baseline, says so, and links to nothing; the second links to the first', () => {
    expect(a1Run.stderr).toMatch(/no baseline: no earlier successful run of \S+baseline\.yml -i \S+inventory\.ini in \S+: this run is the first baseline/);
    expect(a1.flatMap((s) => s.links)).toEqual([]);
    expect(baselineLink(root(a2))).toEqual([{ traceId: root(a1).traceId, spanId: root(a1).spanId, type: 'baseline' }]);
    expect(bRun.stderr).not.toContain('no baseline');
  });

  it("B's summary names the slow task with its slowest host, the drifted host and the task that is never idempotent", () => {
    expect(bRun.stderr).toMatch(/against the baseline \(run \w+, trace [0-9a-f]{32}, success\): /);
    expect(bRun.stderr).toMatch(/slower: Install packages: [\d.]+s vs usual [\d.]+m?s \([\d.]+×\), slowest on h[12]/);
    expect(bRun.stderr).toContain('drift: Write the config changed on h2, where the baseline did not');
    expect(bRun.stderr).toContain('not idempotent: Run the migration changed on each of the last 3 runs with the same args');
    expect(bRun.stderr).not.toMatch(/new failure:/);
  });

  it("B's root span links to A2's root span, and each task span to A2's task span", () => {
    const [ra, rb] = [root(a2), root(b)];
    expect(baselineLink(rb)).toEqual([{ traceId: ra.traceId, spanId: ra.spanId, type: 'baseline' }]);
    for (const name of ['Make the directory', 'Install packages', 'Write the config', 'Run the migration'])
      expect(baselineLink(task(b, name)), name).toEqual([{ traceId: ra.traceId, spanId: task(a2, name).spanId, type: 'baseline' }]);
  });

  it('the slow task carries its ratio to the baseline; the command task changes_every_run', () => {
    const ratio = Number(task(b, 'Install packages').attributes['ansible.task.baseline.ratio']);
    expect(ratio).toBeGreaterThan(1.5);
    const [slow, usual] = [task(b, 'Install packages'), task(a2, 'Install packages')].map((s) => Number(s.attributes['ansible.task.hosts.duration.max']));
    expect(ratio).toBeCloseTo((slow as number) / (usual as number), 1);
    expect(task(b, 'Run the migration').attributes['ansible.task.changes_every_run']).toBe(true);
    expect(task(b, 'Write the config').attributes['ansible.task.changes_every_run']).toBeUndefined();
  });

  it('compare A2 B on the two traces files reports the same and exits 3', () => {
    expect(compare.code).toBe(3);
    expect([json.base.traceId, json.new.traceId]).toEqual([root(a2).traceId, root(b).traceId]);
    expect(json.slower.map((t) => t.task)).toContain('Install packages');
    expect(json.drift).toEqual([{ task: 'Write the config', hosts: ['h2'] }]);
    expect(json.notIdempotent).toEqual([{ task: 'Run the migration', runs: 3 }]);
    expect(json.newFailures).toEqual([]);
  });

  it('the GitHub job summary has the same lines', () => {
    const summary = readFileSync(join(tmp, 'summary.md'), 'utf8');
    expect(summary).toContain('Since the baseline');
    expect(summary).toMatch(/- slower: Install packages: .*slowest on h[12]/);
    expect(summary).toContain('- drift: Write the config changed on h2, where the baseline did not');
    expect(summary).toContain('- not idempotent: Run the migration changed on each of the last 3 runs with the same args');
  });

  describe.skipIf(!HAVE_CHROMIUM)("the report's baseline column in headless Chromium", () => {
    const views: OpenedReport[] = [];
    afterAll(async () => {
      for (const v of views) await v.browser.close();
    });

    for (const [what, file] of [
      ['run --baseline --report', 'B.html'],
      ['compare --report', 'compare.html'],
    ] as const) {
      it(`${what}: "Since the baseline" names the changes, and Slowest tasks has a baseline column`, async () => {
        const v = await openReport(join(tmp, file));
        views.push(v);
        const { page } = v;
        await page.locator('#baseline-section').waitFor({ state: 'visible' });
        expect(await page.locator('.bl-head').textContent()).toContain('against the baseline');
        const lines = await page.locator('.bl-lines li').allInnerTexts();
        expect(lines).toEqual(
          expect.arrayContaining([
            expect.stringMatching(/^slower: Install packages: /),
            'drift: Write the config changed on h2, where the baseline did not',
            expect.stringMatching(/^not idempotent: Run the migration changed on each of the last 3/),
          ]),
        );
        expect(await page.locator('#slow-tasks th').allInnerTexts()).toEqual(['task', 'play', 'time', 'baseline']);
        const install = page.locator('#slow-tasks tr', { hasText: 'Install packages' });
        expect(await install.locator('td.baseline').getAttribute('data-flags')).toContain('slower');
        expect(await install.locator('td.baseline').textContent()).toMatch(/^[\d.]+ (ms|s) \([\d.]+×\) slower/);
        expect(await page.locator('.bl-tasks tr[data-flags~="drift"]').textContent()).toContain('Write the config');
        expect(v.problems).toEqual([]);
      });
    }
  });
});

describe('the run history survives serve killed halfway through an append, and a corrupted line', () => {
  const history = join(tmp, 'serve-history');
  const env = cleanEnv({ ...quiet, ANSIBLE_OTEL_HISTORY_DIR: history });
  const socket = join(tempDir(), 'run', 'sidecar.sock');
  const records = (): string[] =>
    readdirSync(history)
      .filter((n) => n.endsWith('.jsonl'))
      .flatMap((n) => readFileSync(join(history, n), 'utf8').split('\n'))
      .filter((l) => l.startsWith('{"v":1,') && l.endsWith('}'));

  it('skips the torn and the corrupted line with one warning; the runs around them stay, the next append starts a line of its own', async () => {
    const first = await startServe(['--socket', socket], env);
    expect((await runShimmed('baseline.yml', socket, env)).code).toBe(0);
    await until(() => records().length === 1, 60_000, "the first run's history record");
    const [file] = readdirSync(history).filter((n) => n.endsWith('.jsonl'));
    const path = join(history, file as string);
    const a1 = JSON.parse(records()[0] as string) as { traceId: string };
    // a corrupted line, then what SIGKILL halfway through an append leaves: half a record, no newline
    appendFileSync(path, '{"v":1,"runId":"x",\u0000\u0000 not json\n');
    appendFileSync(path, (records()[0] as string).slice(0, 300));
    expect(await exitOf(first.proc, 'SIGKILL')).toBeNull();

    const second = await startServe(['--socket', socket], env);
    expect((await runShimmed('baseline.yml', socket, env)).code).toBe(0);
    await until(() => records().length === 2, 60_000, "the second run's history record");
    expect(await second.stop()).toBe(0);

    const c = await runCli(['compare', 'last-success', 'last', '--format', 'json'], env);
    expect(c.code, c.stderr).not.toBe(2);
    const out = JSON.parse(c.stdout) as { base: { traceId: string }; new: { traceId: string } };
    expect(out.base.traceId).toBe(a1.traceId);
    expect(out.new.traceId).not.toBe(a1.traceId);
    expect(c.stderr.match(/could not be read/g)).toHaveLength(1);
    expect(c.stderr).toContain('2 lines could not be read (torn by a crash mid-append, or corrupted): skipped');
  }, 240_000);
});
