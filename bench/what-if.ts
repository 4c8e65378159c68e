// Section 8: how good the what-if is. A playbook of tasks of different lengths on 20 local hosts
// runs at forks 2 and at forks 10, in turn (interleaved pairs); `ansible-otel report --forks 10`
// estimates the forks-10 wall time from each forks-2 trace, and the estimate is held against the
// forks-10 runs' measured wall time (the root span: playbook start to its stats).
//
//   npm run bench -- --sections whatif --output whatif.md      (only this section)
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchEnv } from './env.js';
import { CLI } from './sidecar-process.js';
import { fmt, median } from './stats.js';

const run = promisify(execFile);

export interface WhatIfOptions {
  dir: string;
  hosts: number;
  /** The run the estimate is made from, and the one it is checked against. */
  from: number;
  to: number;
  pairs: number;
  /** Multiplies every task's length (the smoke test runs them short). */
  scale: number;
}

interface Measured {
  forks: number;
  /** The playbook's wall time (its root span), s. */
  wallS: number;
  /** ansible-otel's estimate for `to` forks from this run (only for the `from` runs), s. */
  estimateS?: number | undefined;
  /** The run's critical path parts, s. */
  hostWorkS: number;
  forkWaitS: number;
  controllerS: number;
  forkStartupS: number;
  /** What other processes kept busy of the controller's CPUs while it ran (ansible.run.other_cpu), CPUs. */
  otherCpu?: number | undefined;
}

export interface WhatIfResult {
  options: WhatIfOptions;
  tasks: string[];
  runs: Measured[];
  load: { before: number[]; after: number[] };
  /** Median of the `to` runs' wall time, s. */
  measuredS: number;
  /** Per `from` run: its estimate against measuredS, as a signed fraction. */
  errors: number[];
}

/** Task name, and how long each host sleeps in it (a Jinja expression, s): 0 to 4 s, some varying by host. */
const TASKS: [string, string][] = [
  ['Check in', '0'],
  ['Fetch the release', '2'],
  ['Unpack it', '0.5 + (inventory_hostname[1:] | int) % 4 * 0.5'],
  ['Migrate', '4'],
  ['Restart', '1'],
  ['Verify', '(inventory_hostname[1:] | int) % 3 * 0.75'],
];

export function writeWhatIfPlaybook(dir: string, hosts: number, scale = 1): { inventory: string; playbook: string } {
  mkdirSync(dir, { recursive: true });
  const inventory = join(dir, 'inventory.ini');
  const playbook = join(dir, 'what-if.yml');
  const names = Array.from(
    { length: hosts },
    (_, i) => `w${String(i + 1).padStart(2, '0')} ansible_connection=local ansible_python_interpreter=/usr/bin/python3`,
  );
  writeFileSync(inventory, `[fleet]\n${names.join('\n')}\n`);
  const tasks = TASKS.map(
    ([name, s]) => `    - name: ${name}\n      ansible.builtin.command: "sleep {{ (${s}) * ${scale} }}"\n      changed_when: false\n`,
  ).join('');
  writeFileSync(playbook, `- name: Roll out\n  hosts: fleet\n  gather_facts: false\n  tasks:\n${tasks}`);
  return { inventory, playbook };
}

/** The report page's embedded critical path (src/report/page-data.ts), times in ms. */
function pagePath(html: string): {
  wall: number;
  hostWork: number;
  forkWait: number;
  controller: number;
  startup: number;
  options: { forks: number; wall: number }[];
} {
  const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error('report without its data');
  const cp = JSON.parse(m[1] as string).playbooks[0]?.cp;
  if (!cp) throw new Error('report without a critical path');
  return cp;
}

async function once(o: WhatIfOptions, files: { inventory: string; playbook: string }, forks: number, n: number): Promise<Measured> {
  const traces = join(o.dir, `f${forks}-${n}.jsonl`);
  const html = join(o.dir, `f${forks}-${n}.html`);
  const env = benchEnv({ OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', OTEL_TRACES_EXPORTER: 'none', ANSIBLE_FORKS: String(forks) });
  await run(process.execPath, [CLI, 'run', '--traces-file', traces, '--', 'ansible-playbook', '-i', files.inventory, files.playbook], {
    env,
    maxBuffer: 64 << 20,
  });
  await run(process.execPath, [CLI, 'report', traces, '-o', html, '--forks', String(o.to)], { env, maxBuffer: 64 << 20 });
  const cp = pagePath(readFileSync(html, 'utf8'));
  const estimate = cp.options.find((x) => x.forks === o.to);
  // the root span's attribute, as the OTLP JSON writes it (a double, or an int for a whole number)
  const other = /"key":"ansible\.run\.other_cpu","value":\{"(?:double|int)Value":"?([0-9.eE+-]+)"?\}/.exec(readFileSync(traces, 'utf8'))?.[1];
  return {
    forks,
    wallS: cp.wall / 1000,
    estimateS: forks === o.from && estimate ? estimate.wall / 1000 : undefined,
    hostWorkS: cp.hostWork / 1000,
    forkWaitS: cp.forkWait / 1000,
    controllerS: cp.controller / 1000,
    forkStartupS: cp.startup / 1000,
    otherCpu: other === undefined ? undefined : Number(other),
  };
}

export async function whatIfAccuracy(o: WhatIfOptions): Promise<WhatIfResult> {
  const files = writeWhatIfPlaybook(o.dir, o.hosts, o.scale);
  const before = loadavg();
  const runs: Measured[] = [];
  for (let n = 0; n < o.pairs; n++) {
    // interleaved, the order swapped every pair: a load that comes and goes hits both alike
    const order = n % 2 === 0 ? [o.from, o.to] : [o.to, o.from];
    for (const forks of order) runs.push(await once(o, files, forks, n));
  }
  const measuredS = median(runs.filter((r) => r.forks === o.to).map((r) => r.wallS));
  const errors = runs.filter((r) => r.estimateS !== undefined).map((r) => ((r.estimateS as number) - measuredS) / measuredS);
  const tasks = TASKS.map(([name, s]) => `${name}: \`sleep {{ (${s}) * ${o.scale} }}\``);
  return { options: o, tasks, runs, load: { before, after: loadavg() }, measuredS, errors };
}

export function whatIfSection(r: WhatIfResult): string[] {
  const o = r.options;
  const worst = Math.max(...r.errors.map(Math.abs));
  const rows = r.runs.map(
    (m) =>
      `| ${m.forks} | ${fmt(m.wallS, 1)} | ${m.estimateS === undefined ? '—' : fmt(m.estimateS, 1)} | ${fmt(m.hostWorkS, 1)} | ${fmt(m.forkWaitS, 1)} | ${fmt(m.controllerS, 1)} | ${fmt(m.forkStartupS * 1000, 1)} | ${m.otherCpu === undefined ? '—' : fmt(m.otherCpu, 2)} |`,
  );
  return [
    `## 8. What-if forks: the estimate against a measured run`,
    '',
    `A playbook of ${TASKS.length} tasks of different lengths (${r.tasks.join('; ')}) on ${o.hosts} local-connection hosts, run through \`ansible-otel run\` at forks ${o.from} and at forks ${o.to}, ${o.pairs} interleaved pair${o.pairs === 1 ? '' : 's'}. From each forks-${o.from} trace, \`ansible-otel report --forks ${o.to}\` estimates the forks-${o.to} wall time; the forks-${o.to} runs measure it (the playbook's root span). Load average before / after: ${r.load.before.map((l) => fmt(l, 2)).join(', ')} / ${r.load.after.map((l) => fmt(l, 2)).join(', ')}. "CPUs busy elsewhere" is what other processes (the sidecar among them) kept busy of the controller's CPUs during each run, as the shim measured it (\`ansible.run.other_cpu\`): the estimate gives the run what they leave.`,
    '',
    `| forks | wall s | est. for forks ${o.to}, s | host work s | fork wait s | controller s | fork start-up ms | CPUs busy elsewhere |`,
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Measured at forks ${o.to} (median): ${fmt(r.measuredS, 1)} s. Estimates from forks ${o.from}: ${r.runs
      .filter((m) => m.estimateS !== undefined)
      .map((m) => `${fmt(m.estimateS as number, 1)} s`)
      .join(
        ', ',
      )}; error ${r.errors.map((e) => `${e >= 0 ? '+' : ''}${fmt(e * 100, 1)} %`).join(', ')}. Goal within 15 %: ${worst <= 0.15 ? '**met**' : '**missed**'} (worst ${fmt(worst * 100, 1)} %).`,
    '',
  ];
}
