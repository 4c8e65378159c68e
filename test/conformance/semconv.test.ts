// OTel semantic conventions v1.44, proved on real runs: ansible-playbook through `ansible-otel run`
// under GitHub Actions' and GitLab CI's variables, into a loopback OTLP receiver (http/json, which
// keeps event names and integer values apart). Every span, span event, log record, metric point and
// resource is checked against the requirement table (requirements.json, from the spec) and the
// registry of the pinned @opentelemetry/semantic-conventions (check.ts). The runs: a success, then
// failures, an unreachable host, a rescue and serial batches (conformance.yml) under each CI, a
// run interrupted by SIGINT, a run ansible stops on a parse error and a playbook that does not
// parse; each exception signal (span events, logs, logs/dup) once. Every row of the table must be
// shown by some run.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { STATUS, type OtlpSpan } from '../helpers/otlp-spans.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';
import { Checker, linesOf, type Rule, type RunConfig, type RunSignals, type Table } from './check.js';
import { loadRegistry } from './registry.js';

const TABLE = JSON.parse(readFileSync(join(import.meta.dirname, 'requirements.json'), 'utf8')) as Table;
const REGISTRY = loadRegistry();

const GITHUB = {
  GITHUB_ACTIONS: 'true',
  CI: 'true',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/infra',
  GITHUB_RUN_ID: '4711',
  GITHUB_RUN_ATTEMPT: '1',
  GITHUB_WORKFLOW: 'deploy',
  GITHUB_JOB: 'ansible',
  RUNNER_NAME: 'rack-7',
  RUNNER_ENVIRONMENT: 'self-hosted',
  GITHUB_REF_NAME: 'main',
  GITHUB_REF_TYPE: 'branch',
  GITHUB_SHA: 'abc123',
};
const GITLAB = {
  GITLAB_CI: 'true',
  CI: 'true',
  CI_PROJECT_PATH: 'ops/site',
  CI_PROJECT_NAME: 'site',
  CI_PROJECT_URL: 'https://gitlab.example/ops/site',
  CI_PIPELINE_ID: '9',
  CI_PIPELINE_URL: 'https://gitlab.example/ops/site/-/pipelines/9',
  CI_JOB_NAME: 'deploy',
  CI_JOB_ID: '77',
  CI_JOB_URL: 'https://gitlab.example/ops/site/-/jobs/77',
  CI_RUNNER_ID: '12',
  CI_RUNNER_DESCRIPTION: 'shared-runner',
  CI_COMMIT_REF_NAME: 'v2.0',
  CI_COMMIT_TAG: 'v2.0',
  CI_COMMIT_SHA: 'def456',
};

interface Case {
  name: string;
  ci: Record<string, string>;
  env: Record<string, string>;
  playbooks: string[];
  config: RunConfig;
  /** Interrupts ansible-playbook with SIGINT once the task that waits for the gate runs. */
  interrupt?: boolean;
}

const CASES: Case[] = [
  {
    name: 'GitHub Actions, span events',
    ci: GITHUB,
    env: { ANSIBLE_OTEL_TRACE_URL: 'https://jaeger.example/trace/{trace_id}?uiFind={span_id}' },
    playbooks: ['small-a.yml', 'conformance.yml'],
    config: { traceUrl: true, exceptionEvents: true, exceptionLogs: false, ci: true, ciWorker: true },
  },
  {
    name: 'GitLab CI, OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs',
    ci: GITLAB,
    env: { OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: 'logs' },
    playbooks: ['conformance.yml'],
    config: { traceUrl: false, exceptionEvents: false, exceptionLogs: true, ci: true, ciWorker: true },
  },
  {
    name: 'GitHub-hosted runner, interrupted, logs/dup',
    ci: { ...GITHUB, RUNNER_ENVIRONMENT: 'github-hosted', RUNNER_NAME: 'GitHub Actions 3' },
    env: { OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: 'logs/dup', ANSIBLE_OTEL_TRACE_URL: 'https://jaeger.example/trace/{trace_id}' },
    playbooks: ['interrupt.yml'],
    config: { traceUrl: true, exceptionEvents: true, exceptionLogs: true, ci: true, ciWorker: false },
    interrupt: true,
  },
  {
    name: 'GitLab CI, stopped by ansible on a parse error',
    ci: GITLAB,
    env: {},
    playbooks: ['conformance-abort.yml'],
    config: { traceUrl: false, exceptionEvents: true, exceptionLogs: false, ci: true, ciWorker: true },
  },
  {
    name: 'GitHub Actions, a playbook that does not parse',
    ci: GITHUB,
    env: { ANSIBLE_OTEL_TRACE_URL: 'https://jaeger.example/trace/{trace_id}?uiFind={span_id}' },
    playbooks: ['conformance-unparsable.yml'],
    config: { traceUrl: true, exceptionEvents: true, exceptionLogs: false, ci: true, ciWorker: true },
  },
];

/** The test environment without any CI's variables (the suite itself may run in one), then the case's. */
function caseEnv(c: Case, endpoint: string, tmp: string): NodeJS.ProcessEnv {
  const env = cleanEnv({ OTEL_TEST_TMP: tmp });
  for (const k of Object.keys(env)) if (/^(CI|CI_.*|GITHUB_.*|GITLAB_.*|RUNNER_.*|JENKINS_URL|BUILD_ID)$/.test(k)) delete env[k];
  return { ...env, ...c.ci, ...c.env, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
}

async function runCase(c: Case): Promise<Run> {
  const receiver = new OtlpReceiver();
  const endpoint = await receiver.start();
  const tmp = tempDir('conformance-');
  let cli: ChildProcess | undefined;
  try {
    const running = runPlaybooks(c.playbooks, caseEnv(c, endpoint, tmp), { cwd: tmp, onSpawn: (child) => (cli = child) });
    if (c.interrupt) {
      let ended = false;
      void running.finally(() => (ended = true));
      await until(() => ended || existsSync(join(tmp, 'marker')), 180_000, 'the task that waits for the gate');
      if (!ended) {
        // ansible-playbook is the CLI's child (2.19's /bin/sh wrapper execs python in place)
        const controller = Number(
          execFileSync('pgrep', ['-P', String(cli!.pid)], { encoding: 'utf8' })
            .trim()
            .split('\n')[0],
        );
        process.kill(controller, 'SIGINT');
      }
      writeFileSync(join(tmp, 'gate'), '');
    }
    const result = await running;
    const points = receiver.metricRequests.flatMap((r) => r.points);
    return { name: c.name, config: c.config, spans: receiver.spans, logs: receiver.logRecords, points, result };
  } finally {
    await receiver.stop();
  }
}

type Run = RunSignals & { result: CliResult };
const runs: Run[] = [];
let violations: ReturnType<Checker['checkRun']>['violations'] = [];

beforeAll(async () => {
  for (const c of CASES) runs.push(await runCase(c));
  const checker = new Checker(TABLE, REGISTRY).checkTable();
  for (const run of runs) checker.checkRun(run);
  violations = checker.checkCoverage().violations;
}, 900_000);

const rootsOf = (run: RunSignals): OtlpSpan[] => run.spans.filter((s) => s.attributes['ansible.playbook.path'] !== undefined);
const expectNone = (rule: Rule): void => expect(linesOf(violations, rule)).toEqual([]);

describe(`OTel semantic conventions v${TABLE.semconv} on real runs`, () => {
  it('ran what it claims: success, failure, unreachable, rescue, serial batches, an interrupt and two aborts, under GitHub Actions and GitLab CI', () => {
    const [github, gitlab, interrupted, aborted, unparsable] = runs as [Run, Run, Run, Run, Run];
    expect(github.result.code, github.result.stderr).toBe(4);
    expect(rootsOf(github).map((r) => r.attributes['cicd.pipeline.result'])).toEqual(['success', 'failure']);
    expect(gitlab.result.code, gitlab.result.stderr).toBe(4);
    for (const run of [github, gitlab]) {
      const statuses = new Set(run.spans.map((s) => s.attributes['ansible.task.host.status']));
      for (const s of ['ok', 'changed', 'failed', 'ignored', 'skipped', 'rescued', 'unreachable']) expect(statuses, `${run.name}: a ${s} host`).toContain(s);
      // the serial play's task, and its handler, run once per batch under one uuid
      expect(run.spans.some((s) => String(s.attributes['cicd.pipeline.task.run.id']).endsWith('#2'))).toBe(true);
      expect(run.spans.some((s) => s.attributes['ansible.task.item.label'] === 'bad' && s.status.code === STATUS.ERROR)).toBe(true);
    }
    expect(github.spans[0]!.resource['ansible.ci.provider.name']).toBe('github_actions');
    expect(gitlab.spans[0]!.resource['ansible.ci.provider.name']).toBe('gitlab');
    expect(gitlab.logs.filter((l) => l.attributes['exception.type'] !== undefined).length).toBeGreaterThan(3);
    const root = rootsOf(interrupted)[0]!;
    expect(['cancellation', 'error']).toContain(root.attributes['cicd.pipeline.result']);
    expect(interrupted.spans.filter((s) => s.attributes['ansible.run.interrupted'] === true).length).toBeGreaterThan(2);
    expect(interrupted.logs.map((l) => l.eventName)).toContain('ansible.run.interrupted');
    expect(interrupted.spans.some((s) => s.attributes['ansible.scope.kind'] === 'include' && s.attributes['error.type'] === 'interrupted')).toBe(true);
    for (const [run, events] of [
      [aborted, ['ansible.error']],
      [unparsable, []],
    ] as const) {
      expect(run.result.code, run.result.stderr).toBe(4);
      const roots = rootsOf(run);
      expect(roots.map((r) => [r.attributes['cicd.pipeline.result'], r.attributes['error.type'], r.attributes['ansible.process.exit.code']])).toEqual([
        ['error', 'parser_error', 4],
      ]);
      expect(run.spans.flatMap((s) => s.events.map((e) => e.name)).filter((n) => n === 'ansible.error')).toEqual(events);
    }
    expect(unparsable.spans).toHaveLength(1);
    expect(runs.slice(0, 4).every((r) => r.points.length > 0 && r.logs.length > 0)).toBe(true);
  });

  it('has a requirement table of the pinned package, v1.44: registered keys only, Required kept or the deviation said', () => {
    expect(REGISTRY.version).toBe(TABLE.semconv);
    expectNone('table');
  });

  it('has every Required and Conditionally Required attribute, exactly where its condition holds', () => {
    expectNone('present');
    expectNone('exists');
  });

  it("uses the spec's enum values, and ours (listed in the table) where the spec leaves them open", () => {
    expectNone('values');
  });

  it('writes no key outside the v1.44 registry but ours (ansible.*), no deprecated one, and no registered key the table does not list for that item', () => {
    expectNone('registry');
    expectNone('listed');
  });

  it('gives each key one meaning: none on the resource and on a span, record or point; records and points say what their spans say', () => {
    expectNone('meaning');
  });

  it('follows the status rules: unset unless it failed, ERROR with error.type and only then, the span kinds and the root name', () => {
    expectNone('status');
    expectNone('kind');
  });

  it('keeps ids unique: task run ids in their pipeline run, pipeline run ids, log record uids', () => {
    expectNone('unique');
  });

  it('sends each metric with the instrument, unit and value type of the table', () => {
    expectNone('instrument');
  });

  it('sets the semconv schema URL on every tracer, meter and logger scope', () => {
    expectNone('schema');
  });

  it("names every attribute, event and metric, ours too, as semconv's naming rules say", () => {
    expectNone('naming');
  });

  it('proves every row of the table: each subject, metric and attribute is in some run', () => {
    expectNone('coverage');
  });
});

/** The checks on one run changed by `mutate`: what they find. */
function violationsOf(runIndex: number, mutate: (run: RunSignals) => void): string[] {
  const run = structuredClone(runs[runIndex]!);
  mutate(run);
  return new Checker(TABLE, REGISTRY).checkRun(run).violations.map((v) => `${v.rule}: ${v.what}`);
}
const spanOf = (run: RunSignals, p: (s: OtlpSpan) => boolean): OtlpSpan => run.spans.find(p)!;
const isRoot = (s: OtlpSpan): boolean => s.attributes['ansible.playbook.path'] !== undefined;
const isHost = (s: OtlpSpan): boolean => s.attributes['ansible.task.host.name'] !== undefined && s.attributes['ansible.task.item.label'] === undefined;

describe('the checks find each deviation of issue #25 put back into the real output', () => {
  it('1: a key with two meanings (process.pid on a root, the CI pipeline as cicd.pipeline.* on the resource)', () => {
    expect(violationsOf(0, (r) => (spanOf(r, isRoot).attributes['process.pid'] = 4242))).toContain('meaning: process.pid is on the resource too');
    const ci = violationsOf(0, (r) => {
      for (const s of r.spans) s.resource['cicd.pipeline.name'] = 'deploy';
    });
    expect(ci).toContain('meaning: cicd.pipeline.name is on the resource too');
    expect(ci).toContain('listed: cicd.pipeline.name is not in the table for this item');
  });

  it('2: a successful root set to OK', () => {
    expect(violationsOf(0, (r) => (spanOf(r, (s) => isRoot(s) && s.attributes['cicd.pipeline.result'] === 'success').status.code = STATUS.OK))).toContain(
      'status: status OK: it MUST be left unset when nothing failed',
    );
  });

  it('3: a task run id twice in one pipeline run', () => {
    const found = violationsOf(0, (r) => {
      for (const s of r.spans) {
        const id = s.attributes['cicd.pipeline.task.run.id'];
        if (typeof id === 'string' && id.endsWith('#2')) s.attributes['cicd.pipeline.task.run.id'] = id.slice(0, -2);
      }
    });
    expect(found.some((v) => /^unique: cicd\.pipeline\.task\.run\.id=\S+ again in its pipeline run$/.test(v))).toBe(true);
  });

  it('4: a task span without cicd.pipeline.task.run.url.full when ANSIBLE_OTEL_TRACE_URL is set', () => {
    const found = violationsOf(0, (r) => {
      for (const s of r.spans) delete s.attributes['cicd.pipeline.task.run.url.full'];
    });
    expect(found).toContain('present: cicd.pipeline.task.run.url.full is missing (required)');
  });

  it('5: the invented cicd.provider.name', () => {
    const found = violationsOf(1, (r) => {
      for (const s of r.spans) s.resource['cicd.provider.name'] = 'gitlab';
    });
    expect(found).toContain('registry: cicd.provider.name is not a key of the v1.44.0 registry, nor ours (ansible.*)');
  });

  it('6: an ERROR span without error.type (a play, a failed item)', () => {
    const found = violationsOf(0, (r) => {
      for (const s of r.spans) if (s.status.code === STATUS.ERROR && !isRoot(s)) delete s.attributes['error.type'];
    });
    expect(found).toContain('status: ERROR without error.type');
    expect(found).toContain('present: error.type is missing (recommended)');
  });

  it('7: a host span with task-run keys, a rescued one with error.type failed', () => {
    expect(violationsOf(0, (r) => (spanOf(r, isHost).attributes['cicd.pipeline.task.name'] = 'x'))).toContain(
      'listed: cicd.pipeline.task.name is not in the table for this item',
    );
    expect(violationsOf(0, (r) => (spanOf(r, (s) => s.attributes['ansible.task.host.status'] === 'rescued').attributes['error.type'] = 'failed'))).toContain(
      'values: error.type=failed, but ansible.task.host.status="rescued"',
    );
  });

  it('8: an incomplete entity (no cicd.worker.id, no vcs.ref.type, no vcs.repository.name)', () => {
    const found = violationsOf(1, (r) => {
      for (const s of r.spans) for (const k of ['cicd.worker.id', 'vcs.ref.type', 'vcs.repository.name']) delete s.resource[k];
    });
    for (const k of ['cicd.worker.id', 'vcs.ref.type', 'vcs.repository.name']) expect(found.some((v) => v.startsWith(`present: ${k} is missing`))).toBe(true);
  });

  it('9: an exception event when exceptions go to logs only, a failure record without exception.*', () => {
    const found = violationsOf(1, (r) => {
      const host = spanOf(r, (s) => isHost(s) && s.status.code === STATUS.ERROR);
      host.events.push({ name: 'exception', tsNs: host.endNs, attributes: { 'exception.type': 'ansible.failed', 'exception.message': 'x' } });
      for (const l of r.logs) delete l.attributes['exception.type'];
    });
    expect(found).toContain('exists: no exception event may be here in this configuration');
    expect(found.some((v) => v.startsWith('present: exception.type is missing'))).toBe(true);
  });

  it('10: code.filepath, a count as a double, a scope without schemaUrl, a plural UpDownCounter name', () => {
    const found = violationsOf(0, (r) => {
      spanOf(r, (s) => s.attributes['code.file.path'] !== undefined).attributes['code.filepath'] = 'x.yml';
      r.points.find((p) => p.metric === 'ansible.task.host.results')!.valueType = 'double';
      r.logs[0]!.schemaUrl = undefined;
      r.points.find((p) => p.metric === 'ansible.sidecar.run.active')!.metric = 'ansible.sidecar.runs.active';
    });
    expect(found).toContain('registry: code.filepath is deprecated in the v1.44.0 registry');
    expect(found).toContain('instrument: double values, want int');
    expect(found).toContain('schema: scope schema URL undefined, want https://opentelemetry.io/schemas/1.44.0');
    expect(found).toContain('instrument: a metric the table does not have (add it to requirements.json and docs/metrics.md)');
    expect(found).toContain('naming: plural metric namespace runs');
    const dropped = violationsOf(0, (r) => {
      for (const p of r.points) if (p.metric === 'ansible.sidecar.span.dropped') p.metric = 'ansible.sidecar.dropped_spans';
    });
    expect(dropped).toContain('naming: an UpDownCounter with a plural name');
  });
});

describe("the checks find names against semconv's naming rules, and rows no run proves", () => {
  it('an attribute that is also a namespace (the critical path: ansible.critical_path is an attribute)', () => {
    const found = violationsOf(0, (r) => {
      const task = spanOf(r, (s) => s.attributes['ansible.critical_path'] === true);
      task.attributes['ansible.critical_path.host'] = task.attributes['ansible.task.critical_path.host'];
    });
    expect(found).toContain('naming: an attribute, and a namespace of ansible.critical_path.host');
  });

  it('a name outside the syntax, a metric that is a namespace of another, a plural measure', () => {
    const found = violationsOf(0, (r) => {
      spanOf(r, isRoot).attributes['ansible.process.exitCode'] = 0;
      spanOf(r, isRoot).events.push({ name: 'ansible..error', tsNs: 0n, attributes: {} });
      const wait = r.points.find((p) => p.metric === 'ansible.run.fork_wait')!;
      r.points.push({ ...wait, metric: 'ansible.run.fork_wait.max' }, { ...wait, metric: 'ansible.run.fork_waits' });
    });
    expect(found).toContain("naming: not a name by semconv's syntax: lowercase a-z 0-9, `.` between namespaces, `_` between words");
    expect(found.filter((v) => v.startsWith('naming: not a name'))).toHaveLength(2);
    expect(found).toContain('naming: a metric, and a namespace of ansible.run.fork_wait.max');
    expect(found).toContain('naming: a plural name for a measure in s, not a count');
  });

  it('a row of the table that no run shows (no warning in any run)', () => {
    const checker = new Checker(TABLE, REGISTRY);
    for (const run of runs)
      checker.checkRun({ ...run, logs: run.logs.filter((l) => l.eventName !== 'ansible.warning' && l.eventName !== 'ansible.deprecation') });
    expect(linesOf(checker.checkCoverage().violations, 'coverage')).toEqual(['log-warning: no run has one']);
  });
});
