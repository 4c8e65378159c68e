// Prometheus's own tools on what the sidecar produces: promtool on the textfile, the scrape output
// and the example alerting rules; a real Prometheus server scraping `serve` while playbooks run.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INVENTORY, PLAYBOOKS, ROOT, cleanEnv, runCli, runPlaybooks, tempDir } from '../helpers/sidecar-run.js';
import { exitOf, startServe } from '../helpers/serve-process.js';
import { childStderr } from '../helpers/child-output.js';
import { until } from '../helpers/until.js';

const EXAMPLES = join(ROOT, 'examples', 'prometheus');
const started: ChildProcess[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null) p.kill('SIGKILL');
});

function promtool(args: string[], input?: string): { code: number | null; out: string } {
  const r = spawnSync('promtool', args, { input, encoding: 'utf8', cwd: EXAMPLES });
  if (r.error) throw new Error(`promtool: ${r.error.message} (Debian package "prometheus")`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('Prometheus', () => {
  it('has alerting rules that promtool checks and whose unit tests pass', () => {
    const check = promtool(['check', 'rules', 'alerts.yml']);
    expect(check.code, check.out).toBe(0);
    const test = promtool(['test', 'rules', 'alerts.test.yml']);
    expect(test.code, test.out).toBe(0);
    expect(test.out).toContain('SUCCESS');
  });

  it('writes a node_exporter textfile atomically that promtool accepts', async () => {
    const dir = tempDir();
    const file = join(dir, 'textfile', 'ansible.prom');
    const r = await runPlaybooks(['small-a.yml', 'small-b.yml'], cleanEnv({ OTEL_TRACES_EXPORTER: 'none' }), {
      sidecarArgs: ['--prometheus-textfile', file],
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`metrics → ${file} (Prometheus textfile)`);
    expect(readdirSync(dirname(file))).toEqual(['ansible.prom']); // the temp file was renamed, not left
    const text = readFileSync(file, 'utf8');
    const check = promtool(['check', 'metrics'], text);
    expect(check.code, check.out).toBe(0);
    expect(check.out.trim()).toBe('');
    for (const playbook of ['small-a.yml', 'small-b.yml']) {
      const labels = `{ansible_playbook_name="${playbook}"}`;
      expect(text).toContain(`ansible_last_run_tasks${labels} 1`);
      expect(text).toContain(`ansible_last_run_success${labels} 1`);
      expect(text).toContain(`ansible_last_run_hosts_unreachable${labels} 0`);
      expect(text).toMatch(new RegExp(`ansible_last_run_duration\\{ansible_playbook_name="${playbook}"\\} [0-9.e-]+`));
      expect(text).toMatch(new RegExp(`ansible_last_run_timestamp\\{ansible_playbook_name="${playbook}"\\} 1[0-9.e+]+`));
      expect(text).toContain(`ansible_last_run_task_duration_average${labels}`);
    }
    for (const status of ['ok', 'changed', 'failed', 'skipped'])
      expect(text).toContain(`ansible_last_run_tasks_by_status{ansible_playbook_name="small-a.yml",ansible_task_host_status="${status}"}`);
    expect(text).toContain('# TYPE ansible_task_duration histogram');
    expect(text).toContain('# TYPE ansible_playbook_duration histogram');
    expect(text).toMatch(/ansible_task_duration_bucket\{.*le="0\.5"\}/);
  });

  it('is scraped from serve by a real Prometheus server while playbooks run, and counts them', async () => {
    const dir = tempDir();
    const socket = join(dir, 'run', 'sidecar.sock');
    const env = cleanEnv({ OTEL_TRACES_EXPORTER: 'none' });
    const serve = await startServe(['--socket', socket, '--prometheus-port', '0'], env, dir);
    started.push(serve.proc);
    const metricsPort = /metrics → http:\/\/127\.0\.0\.1:(\d+)\/metrics \(Prometheus scrape\)/.exec(serve.stderr.text())?.[1];
    expect(Number(metricsPort), serve.stderr.text()).toBeGreaterThan(0);

    writeFileSync(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: ansible-otel\n    static_configs:\n      - targets: ["127.0.0.1:${metricsPort}"]\n`,
    );
    const prometheus = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, '--web.listen-address=127.0.0.1:0'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    started.push(prometheus);
    const prometheusLog = childStderr(prometheus);
    const listening = /msg="Listening on" address=127\.0\.0\.1:(\d+)/;
    await prometheusLog.waitFor(listening);
    const webPort = listening.exec(prometheusLog.text())![1];
    const query = async (q: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => {
      const res = await fetch(`http://127.0.0.1:${webPort}/api/v1/query?query=${encodeURIComponent(q)}`);
      const body = (await res.json()) as { status: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
      if (body.status !== 'success') throw new Error(JSON.stringify(body));
      return body.data.result;
    };
    // Prometheus answers only once it is up: a failed query is "not yet"
    await until(async () => (await query('up{job="ansible-otel"} == 1').catch(() => [])).length > 0, 90_000, 'Prometheus to scrape serve');

    const shim = Object.fromEntries(
      [...(await runCli(['env', '--socket', socket], env)).stdout.matchAll(/^export (\w+)='(.*)'$/gm)].map((m) => [m[1]!, m[2]!]),
    );
    for (const playbook of ['small-a.yml', 'small-b.yml']) {
      const p = spawn('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, playbook)], { env: { ...env, ...shim }, stdio: 'ignore' });
      expect(await exitOf(p)).toBe(0);
    }

    let runs: Awaited<ReturnType<typeof query>> = [];
    await until(
      async () => {
        runs = await query('sum by (ansible_playbook_name) (ansible_playbook_runs_total{cicd_pipeline_result="success"})').catch(() => []);
        return runs.length === 2 && runs.every((x) => x.value[1] === '1');
      },
      30_000,
      'the runs in Prometheus',
    );
    expect(runs.map((x) => x.metric.ansible_playbook_name).sort()).toEqual(['small-a.yml', 'small-b.yml']);
    const results = await query('sum(ansible_task_host_results_total)');
    expect(results[0]!.value[1]).toBe('2');
    const tasks = await query('sum(ansible_task_duration_count)');
    expect(tasks[0]!.value[1]).toBe('2');
    expect((await query('ansible_sidecar_frame_received_total'))[0]!.value[1]).not.toBe('0');

    const scraped = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const check = promtool(['check', 'metrics'], scraped);
    expect(check.code, check.out).toBe(0);
    // the histogram's +Inf bucket is its count, and Prometheus agrees on the total
    const total = (re: RegExp) => [...scraped.matchAll(re)].reduce((n, m) => n + Number(m[1]), 0);
    expect(total(/^ansible_task_duration_bucket\{[^}]*le="\+Inf"[^}]*\} (\S+)/gm)).toBe(2);
    expect(total(/^ansible_task_duration_count\{[^}]*\} (\S+)/gm)).toBe(2);

    expect(await serve.stop()).toBe(0);
    await exitOf(prometheus, 'SIGTERM');
  });
});
