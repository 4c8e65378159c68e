// The HTML report of a real run (run --report) and of its traces file (report), the same data
// either way, opened in headless Chromium: waterfall, failures, filters, no network.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, PLAYBOOKS, runCli, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { spansOfJsonLines } from '../helpers/otlp-spans.js';
import { EXTERNAL_REF, HAVE_CHROMIUM, openReport, type OpenedReport } from '../helpers/report-page.js';
import { writeSyntheticTraces } from '../helpers/synthetic-traces.js';

const tmp = tempDir('otel-report-');
const runReport = join(tmp, 'run-report.html');
const fileReport = join(tmp, 'file-report.html');
const traces = join(tmp, 'traces.jsonl');
let run: CliResult;
let fromFile: CliResult;

beforeAll(async () => {
  run = await runCli(
    [
      'run',
      '--report',
      runReport,
      '--traces-file',
      traces,
      '--',
      'ansible-playbook',
      '-i',
      join(PLAYBOOKS, 'many-hosts.ini'),
      join(PLAYBOOKS, 'many-fail.yml'),
    ],
    cleanEnv({ OTEL_TRACES_EXPORTER: 'none', ANSIBLE_FORKS: '24' }),
  );
  fromFile = await runCli(['report', traces, '-o', fileReport], cleanEnv());
}, 300_000);

/** The page's embedded data, results as sorted (task, host, status, message) tuples. */
function pageResults(file: string): { playbooks: string[]; results: string[]; tasks: string[] } {
  const html = readFileSync(file, 'utf8');
  const data = JSON.parse(/<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)![1]!);
  const results: string[] = [];
  const tasks: string[] = [];
  for (const pb of data.playbooks)
    for (const play of pb.plays)
      for (const t of play.tasks) {
        tasks.push(`${play.name}/${t.name} ${t.s}-${t.e}`);
        for (let i = 0; i < t.r.length; i += 5)
          results.push([t.name, data.hosts[t.r[i]], data.statuses[t.r[i + 1]], data.messages[t.r[i + 4]] ?? ''].join(' | '));
      }
  return { playbooks: data.playbooks.map((p: any) => `${p.name} ${p.result} ${p.s}-${p.e}`), results: results.sort(), tasks };
}

describe('ansible-otel run --report and ansible-otel report', () => {
  it('write a report of the run, from the events and from the traces file alike', () => {
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`report → ${runReport}`);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    const live = pageResults(runReport);
    expect(live.results).toHaveLength(24 + 24 + 1);
    expect(live.results).toContain('Apply the release | m07 | failed | disk full on m07');
    expect(pageResults(fileReport)).toEqual(live);
  });

  it('skips a foreign line and a torn last line with one warning, and reports the rest alike', async () => {
    const lines = readFileSync(traces, 'utf8').trimEnd().split('\n');
    const damaged = join(tmp, 'damaged.jsonl');
    // a logs request among the traces, and the last line cut as by a writer killed mid-append
    writeFileSync(damaged, [lines[0], '{"resourceLogs":[]}', ...lines.slice(1), lines.at(-1)!.slice(0, 200)].join('\n'));
    const damagedReport = join(tmp, 'damaged-report.html');
    const r = await runCli(['report', damaged, '-o', damagedReport], cleanEnv());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.match(/line skipped/g)).toHaveLength(1);
    expect(r.stderr).toContain(`${damaged}:2: /resourceSpans: expected an array of resource spans (this is a traces request), got nothing`);
    expect(r.stderr).toContain('2 bad lines skipped in all');
    expect(pageResults(damagedReport)).toEqual(pageResults(fileReport));
  });

  it('has no reference to anything over the network and names the failed hosts with their message', () => {
    for (const file of [runReport, fileReport]) {
      const html = readFileSync(file, 'utf8');
      expect(html).not.toMatch(EXTERNAL_REF);
      expect(html).toContain('disk full on m13');
    }
  });
});

describe.skipIf(!HAVE_CHROMIUM)('the report in headless Chromium', () => {
  let r: OpenedReport;
  beforeAll(async () => {
    r = await openReport(runReport);
  });
  afterAll(() => r?.browser.close());

  it('draws one waterfall bar per task span, collapsed, and lists the failed hosts', async () => {
    const taskSpans = spansOfJsonLines(readFileSync(traces, 'utf8')).filter(
      (s) => s.attributes['ansible.task.uuid'] && !s.attributes['ansible.task.host.name'],
    );
    expect(await r.page.locator('[data-kind=task] .bar').count()).toBe(taskSpans.length);
    expect(await r.page.locator('[data-kind=host]').count()).toBe(0);
    expect(await r.page.locator('#failed tr[data-host]').count()).toBe(23);
    expect(await r.page.locator('#failed').textContent()).toContain('disk full on m02');
    expect(await r.page.locator('[data-kind=task][data-status=failed]').count()).toBe(1);
  });

  it('expands a task into its host rows on click', async () => {
    await r.page.locator('[data-kind=task]', { hasText: 'Apply the release' }).click();
    expect(await r.page.locator('[data-kind=host]').count()).toBe(24);
    expect(await r.page.locator('[data-kind=host][data-status=failed]').count()).toBe(23);
    await r.page.click('#collapse-all');
  });

  it('filters by status and by host', async () => {
    await r.page.selectOption('#f-status', 'changed');
    expect(await r.page.locator('[data-kind=task] .label').allTextContents()).toEqual(['▸Restart the service 1 host']);
    expect(await r.page.locator('#recap tr[data-host]').count()).toBe(1);
    await r.page.selectOption('#f-status', '');
    await r.page.fill('#f-host', 'm05');
    // host, ok, changed, unreachable, failed, skipped, rescued, ignored
    expect(await r.page.locator('#recap tr[data-host] td').allTextContents()).toEqual(['m05', '1', '0', '0', '1', '0', '0', '0']);
    expect(await r.page.locator('#failed tr[data-host]').count()).toBe(1);
    expect(await r.page.locator('[data-kind=task]').count()).toBe(2); // m05 never ran the restart
    await r.page.screenshot({ path: join(tmp, 'report.png') });
    expect(r.problems).toEqual([]);
  });
});

describe.skipIf(!HAVE_CHROMIUM)('a report of 200 hosts × 100 tasks in headless Chromium', () => {
  it('stays usable: 100 collapsed tasks, one expands to 200 hosts, a host filter finds its failure', async () => {
    const big = join(tmp, 'big.jsonl');
    const synthetic = writeSyntheticTraces(big, 200, 100);
    const out = join(tmp, 'big.html');
    const started = Date.now();
    const res = await runCli(['report', big, '-o', out], cleanEnv());
    expect(res.code, res.stderr).toBe(0);
    const bytes = readFileSync(out).length;
    expect(bytes).toBeLessThan(2_000_000);
    const r = await openReport(out);
    try {
      expect(await r.page.locator('[data-kind=task]').count()).toBe(100);
      await r.page.locator('[data-kind=task]', { hasText: 'Task number 42 ' }).click();
      expect(await r.page.locator('[data-kind=host]').count()).toBe(200);
      const [host, message] = [...synthetic.failures][0]!;
      await r.page.fill('#f-host', host);
      expect(await r.page.locator('#failed tr[data-host]').allTextContents()).toEqual([`${host}Task number 99failed${message}`]);
      await r.page.click('#expand-all');
      expect(await r.page.locator('[data-kind=host]').count()).toBe(100);
      expect(r.problems).toEqual([]);
    } finally {
      await r.browser.close();
    }
    // Informational only, never asserted.
    console.log(`report of ${synthetic.hostSpans} host spans: ${(bytes / 1e6).toFixed(2)} MB, written and checked in ${Date.now() - started} ms`);
  });
});
