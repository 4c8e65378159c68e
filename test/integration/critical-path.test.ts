// Where the time went, on real ansible-playbook runs: one host slow on one task with fewer forks
// than hosts (its host span is the path, the parts add up to the wall time, the report shows the
// section in Chromium, the summary names the task), the same answer from `replay` of the frames
// and from `report` of the traces file, and the hard cases (serial with a failure, run_once,
// delegate_to, throttle, async poll 0, a handler, a free play) held against the spans ansible timed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, PLAYBOOKS, runCli, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { spansOfJsonLines, type OtlpSpan } from '../helpers/otlp-spans.js';
import { HAVE_CHROMIUM, openReport, type OpenedReport } from '../helpers/report-page.js';

const tmp = tempDir('otel-path-');
const INVENTORY = join(PLAYBOOKS, 'many-hosts.ini');

interface Recorded {
  run: CliResult;
  spans: OtlpSpan[];
  frames: string;
  traces: string;
  report: string;
}

async function record(playbook: string, name: string): Promise<Recorded> {
  const [frames, traces, report] = [join(tmp, `${name}.ndjson`), join(tmp, `${name}.jsonl`), join(tmp, `${name}.html`)];
  const run = await runCli(
    [
      'run',
      '--format',
      'summary',
      '--record-frames',
      frames,
      '--traces-file',
      traces,
      '--report',
      report,
      '--',
      'ansible-playbook',
      '-i',
      INVENTORY,
      join(PLAYBOOKS, playbook),
    ],
    cleanEnv({ OTEL_TRACES_EXPORTER: 'none', ANSIBLE_FORKS: '2' }),
  );
  return { run, spans: spansOfJsonLines(readFileSync(traces, 'utf8')), frames, traces, report };
}

/** The "where the time went" lines of the sidecar's stderr summary (run, replay) or of `report`. */
const pathLines = (stderr: string): string[] => {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => l.includes('where the time went:'));
  const end = lines.findIndex((l, i) => i > at && l.includes('what if:'));
  return at < 0 ? [] : lines.slice(at, end + 1).map((l) => l.replace(/^ansible-otel: +/, ''));
};

const sec = (ns: bigint): number => Number(ns) / 1e9;
const isHost = (s: OtlpSpan): boolean => s.attributes['ansible.task.host.name'] !== undefined && s.attributes['ansible.task.item.label'] === undefined;
const isTask = (s: OtlpSpan): boolean => s.attributes['ansible.task.uuid'] !== undefined && s.attributes['ansible.task.host.name'] === undefined;
const root = (spans: OtlpSpan[]): OtlpSpan => spans.find((s) => s.parentSpanId === '' || s.attributes['ansible.playbook.path'] !== undefined)!;

/** host work + fork wait + controller, and the root span's own duration. */
function partsAndWall(spans: OtlpSpan[]): { parts: number; total: number; wall: number } {
  const a = root(spans).attributes;
  const parts =
    Number(a['ansible.run.critical_path.host_work']) + Number(a['ansible.run.critical_path.fork_wait']) + Number(a['ansible.run.critical_path.controller']);
  return { parts, total: Number(a['ansible.run.critical_path.total']), wall: sec(root(spans).endNs - root(spans).startNs) };
}

/** The slow-host run, recorded once for the tests below and the report's. */
let slow: Promise<Recorded> | undefined;
const slowRun = (): Promise<Recorded> => (slow ??= record('slow-host.yml', 'slow'));

describe('one slow host on one task, 6 hosts on 2 forks', () => {
  let r: Recorded;
  let replay: CliResult;
  let fromFile: CliResult;
  beforeAll(async () => {
    r = await slowRun();
    replay = await runCli(['replay', r.frames], cleanEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' }));
    fromFile = await runCli(['report', r.traces, '-o', join(tmp, 'slow-from-file.html')], cleanEnv());
  }, 300_000);

  it('puts the slow host span on the path: the only flagged host of its task, and its task flagged', () => {
    expect(r.run.code, r.run.stderr).toBe(0);
    const slow = r.spans.find((s) => isTask(s) && s.name === 'Slow on one host')!;
    expect(slow.attributes).toMatchObject({ 'ansible.critical_path': true, 'ansible.task.critical_path.host': 'm06' });
    const hosts = r.spans.filter((s) => s.parentSpanId === slow.spanId && isHost(s));
    expect(hosts).toHaveLength(6);
    expect(hosts.filter((h) => h.attributes['ansible.critical_path'] === true).map((h) => h.name)).toEqual(['m06']);
    // every task of a linear play is on the path, each through exactly one host: the one that ended last
    for (const t of r.spans.filter(isTask)) {
      const children = r.spans.filter((s) => s.parentSpanId === t.spanId && isHost(s));
      const last = children.reduce((a, b) => (b.endNs > a.endNs ? b : a));
      expect(t.attributes['ansible.critical_path'], t.name).toBe(true);
      expect(
        children.filter((h) => h.attributes['ansible.critical_path'] === true).map((h) => h.name),
        t.name,
      ).toEqual([last.name]);
    }
  });

  it('has parts that add up to the wall time within 1 %, with fork wait: 2 forks for 6 hosts', () => {
    const { parts, total, wall } = partsAndWall(r.spans);
    expect(Math.abs(parts - wall) / wall).toBeLessThan(0.01);
    expect(Math.abs(total - parts)).toBeLessThan(1e-6);
    expect(root(r.spans).attributes['ansible.run.critical_path.fork_wait']).toBeGreaterThan(0);
    expect(root(r.spans).attributes['ansible.run.forks']).toBe(2);
    expect(root(r.spans).attributes['ansible.run.what_if.forks']).toEqual([4, 6]);
    // what other processes kept busy of the controller's CPUs: measured, within what it has
    const { 'ansible.run.other_cpu': other, 'ansible.run.cpus': cpus } = root(r.spans).attributes;
    expect(other).toBeGreaterThanOrEqual(0);
    expect(other).toBeLessThanOrEqual(Number(cpus));
  });

  it('names the slow task in the summary, among the top contributors, with its host', () => {
    const lines = r.run.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('Where the time went:'));
    expect(at).toBeGreaterThan(0);
    const top = lines.slice(
      at + 1,
      lines.findIndex((l, i) => i > at && l.startsWith('What if:')),
    );
    expect(top.length).toBeGreaterThan(0);
    expect(top.length).toBeLessThanOrEqual(5);
    expect(top.some((l) => /\bSlow on one host \[m06\]/.test(l))).toBe(true);
    expect(lines.find((l) => l.startsWith('What if:'))).toMatch(
      /^What if: forks 2 → 4: est\. \S+ → \S+; → 6: \S+ \(fork start-up \S+; \d+ CPUs? \(\d+\.\d busy elsewhere\), \S+ CPU a host\)/,
    );
  });

  it('replay of the frames and report of the traces file give the same answer as the run', () => {
    const live = pathLines(r.run.stderr);
    expect(live.length).toBeGreaterThan(2);
    expect(replay.code, replay.stderr).toBe(0);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(pathLines(replay.stderr)).toEqual(live);
    expect(pathLines(fromFile.stderr)).toEqual(live);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('the slow-host report in headless Chromium', () => {
  let page: OpenedReport;
  beforeAll(async () => {
    page = await openReport((await slowRun()).report);
  }, 300_000);
  afterAll(() => page?.browser.close());

  it('opens with "Where the time went": the three parts as a bar, the path as a table, the what-if', async () => {
    const p = page.page;
    const headings = await p.locator('main h2').allTextContents();
    expect(headings[0]).toMatch(/^Where the time went/);
    expect(await p.locator('#time-went .cp-bar .cp-seg').count()).toBe(3);
    const rows = await p.locator('#time-went table.cp-steps tr').allTextContents();
    expect(rows.some((row) => row.startsWith('Slow on one hostm06'))).toBe(true);
    expect(await p.locator('#time-went table.cp-whatif tr').allTextContents()).toEqual([
      expect.stringMatching(/^forks/),
      expect.stringMatching(/^2 \(this run\)/),
      expect.stringMatching(/^4/),
      expect.stringMatching(/^6/),
    ]);
    expect(await p.locator('#time-went .cp-verdict').textContent()).toMatch(/^forks 2 → 4: est\./);
  });

  it('highlights the path in the waterfall: every task, and in the slow task only m06', async () => {
    const p = page.page;
    expect(await p.locator('[data-kind=task].on-path').count()).toBe(await p.locator('[data-kind=task]').count());
    await p.locator('[data-kind=task]', { hasText: 'Slow on one host' }).click();
    expect(await p.locator('[data-kind=host]').count()).toBe(6);
    expect(await p.locator('[data-kind=host].on-path').allTextContents()).toEqual(['m06 ok']);
    await p.check('#f-path');
    expect(await p.locator('[data-kind=host]').allTextContents()).toEqual(['m06 ok']);
    await p.screenshot({ path: join(tmp, 'slow-report.png'), fullPage: true });
    expect(page.problems).toEqual([]);
  });
});

describe('the hard cases on real ansible: serial with a failure, run_once, delegate_to, throttle, async poll 0, a handler, a free play', () => {
  let r: Recorded;
  let fromFile: CliResult;
  beforeAll(async () => {
    r = await record('path-cases.yml', 'cases');
    fromFile = await runCli(['report', r.traces, '-o', join(tmp, 'cases-from-file.html')], cleanEnv());
  }, 300_000);

  const task = (name: string): OtlpSpan[] => r.spans.filter((s) => isTask(s) && s.name === name);
  const hostsOf = (t: OtlpSpan): OtlpSpan[] => r.spans.filter((s) => s.parentSpanId === t.spanId && isHost(s));
  const flaggedHosts = (t: OtlpSpan): string[] =>
    hostsOf(t)
      .filter((h) => h.attributes['ansible.critical_path'] === true)
      .map((h) => h.name);

  it('ends as ansible did (m02 failed) with parts that add up to the wall time within 1 %', () => {
    expect(r.run.code, r.run.stderr).toBe(2);
    const { parts, wall } = partsAndWall(r.spans);
    expect(Math.abs(parts - wall) / wall).toBeLessThan(0.01);
  });

  it('runs through every task of the linear plays, each through the host that ended last', () => {
    const linear = r.spans.filter((s) => isTask(s) && !['Free one', 'Free two'].includes(s.name));
    expect(linear.length).toBeGreaterThanOrEqual(10);
    for (const t of linear) {
      const hosts = hostsOf(t);
      const last = hosts.reduce((a, b) => (b.endNs > a.endNs ? b : a));
      expect(flaggedHosts(t), t.name).toEqual([last.name]);
      expect(t.attributes['ansible.task.critical_path.host'], t.name).toBe(last.name);
    }
  });

  it('serial: both batches of each task on the path, the failed host the first batch waited for included', () => {
    expect(task('Fail on m02')).toHaveLength(2);
    expect(task('After the failure')).toHaveLength(2);
    const failed = hostsOf(task('Fail on m02')[0]!).find((h) => h.name === 'm02')!;
    expect(failed.attributes['ansible.task.host.status']).toBe('failed');
  });

  it('run_once: one host; delegate_to: the delegate on the path host; throttle on the task; the handler on the path', () => {
    expect(hostsOf(task('Once')[0]!)).toHaveLength(1);
    expect(flaggedHosts(task('Once')[0]!)).toHaveLength(1);
    const delegated = hostsOf(task('Delegated')[0]!).find((h) => h.attributes['ansible.critical_path'] === true)!;
    expect(delegated.attributes['ansible.task.delegated_to']).toBe('m01');
    expect(task('Throttled')[0]!.attributes['ansible.task.throttle']).toBe(1);
    expect(task('Restart it')[0]!.attributes).toMatchObject({ 'ansible.task.handler': true, 'ansible.critical_path': true });
    const wait = task('Wait for the job')[0]!;
    expect(flaggedHosts(wait)).toHaveLength(1);
  });

  it('free play: the play span names the host whose chain ended last', () => {
    const play = r.spans.find((s) => s.name === 'Free' && s.attributes['ansible.play.uuid'] !== undefined)!;
    const hosts = r.spans.filter((s) => isHost(s) && ['Free one', 'Free two'].includes(String(s.attributes['ansible.task.name'])));
    const last = hosts.reduce((a, b) => (b.endNs > a.endNs ? b : a));
    expect(play.attributes['ansible.play.critical_path.host']).toBe(last.name);
  });

  it('report of the traces file gives the same answer as the run', () => {
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(pathLines(fromFile.stderr)).toEqual(pathLines(r.run.stderr));
  });
});
