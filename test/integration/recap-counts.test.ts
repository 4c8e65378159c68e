// The host-result counter against ansible's own PLAY RECAP of a real features.yml run, on whichever
// ansible-core this pass drives (npm test: 2.14, then 2.19): the OTLP metrics export and the
// Prometheus textfile. docs/metrics.md gives the PromQL for each recap column; this is its proof.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSIBLE_BIN, ansibleVersion } from '../helpers/ansible-version.js';
import type { OtlpPoint } from '../helpers/otlp-metrics.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { recap } from '../helpers/play-recap.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';

type Labels = Record<string, unknown>;
interface Sample {
  labels: Labels;
  value: number;
}

/** ansible_task_host_results_total samples of a Prometheus textfile. */
function textfileResults(text: string): Sample[] {
  const out: Sample[] = [];
  for (const m of text.matchAll(/^ansible_task_host_results_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]]));
    out.push({
      labels: {
        'ansible.task.host.status': labels.ansible_task_host_status,
        'ansible.task.changed': labels.ansible_task_changed,
        'ansible.task.module': labels.ansible_task_module,
      },
      value: Number(m[2]),
    });
  }
  return out;
}

/** ansible.task.host.results of the last (cumulative) OTLP metrics request. */
const otlpResults = (points: OtlpPoint[]): Sample[] =>
  points.filter((p) => p.metric === 'ansible.task.host.results').map((p) => ({ labels: p.attributes, value: p.value ?? 0 }));

const sum = (samples: Sample[], where: (l: Labels) => boolean): number => samples.filter((s) => where(s.labels)).reduce((n, s) => n + s.value, 0);
const status =
  (...names: string[]) =>
  (l: Labels) =>
    names.includes(String(l['ansible.task.host.status']));

let r: CliResult;
let ansible: Record<string, number>;
let sources: [string, Sample[]][];
const receiver = new OtlpReceiver();
beforeAll(async () => {
  const textfile = join(tempDir(), 'ansible.prom');
  const url = await receiver.start();
  r = await runPlaybooks(['features.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() }), {
    sidecarArgs: ['--prometheus-textfile', textfile],
  });
  ansible = recap(r.stdout);
  sources = [
    ['OTLP metrics', otlpResults(receiver.metricRequests.at(-1)?.points ?? [])],
    ['Prometheus textfile', textfileResults(readFileSync(textfile, 'utf8'))],
  ];
}, 300_000);
afterAll(() => receiver.stop());

describe(`ansible.task.host.results against the PLAY RECAP on ${ansibleVersion(ANSIBLE_BIN)}`, () => {
  it('ran features.yml to its recap', () => {
    expect(r.code, r.stderr).toBe(4);
    expect(ansible.changed).toBeGreaterThan(0);
    expect(ansible.ignored).toBeGreaterThan(0); // an ignored failure that changed is in both columns
  });

  it.each(['OTLP metrics', 'Prometheus textfile'])('%s: changed="true" sums to changed; failed, unreachable, skipped, rescued, ignored by status', (name) => {
    const samples = sources.find(([n]) => n === name)![1];
    expect(samples.length).toBeGreaterThan(5);
    expect(sum(samples, (l) => String(l['ansible.task.changed']) === 'true')).toBe(ansible.changed);
    expect({
      failed: sum(samples, status('failed')),
      unreachable: sum(samples, status('unreachable')),
      skipped: sum(samples, status('skipped')),
      rescued: sum(samples, status('rescued')),
      ignored: sum(samples, status('ignored')),
    }).toEqual({ failed: ansible.failed, unreachable: ansible.unreachable, skipped: ansible.skipped, rescued: ansible.rescued, ignored: ansible.ignored });
    // ok leaves out the results of include tasks and counts each file an include_tasks (since 2.19
    // also include_role) loads for a host, which has no result: a lower bound (docs/metrics.md).
    const notInclude = (l: Labels) => !/^ansible\.builtin\.include_(tasks|role)$/.test(String(l['ansible.task.module']));
    const ok = sum(samples, (l) => status('ok', 'changed', 'ignored')(l) && notInclude(l));
    expect(ok).toBeLessThanOrEqual(ansible.ok!);
    expect(ok).toBeGreaterThanOrEqual(ansible.ok! - sum(samples, (l) => !notInclude(l)));
  });
});
