// --host-spans on real ansible-playbook runs through `ansible-otel run`: with `problems` the failed
// hosts keep their spans and records exactly as before, with `none` only the critical path's host
// spans are left; the task spans carry the facts about every host either way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectFailuresOnHostSpans } from '../helpers/log-correlation.js';
import { SEVERITY } from '../helpers/otlp-logs.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { STATUS, type OtlpSpan } from '../helpers/otlp-spans.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';

const problems = { receiver: new OtlpReceiver(), result: undefined as unknown as CliResult };
const none = { receiver: new OtlpReceiver(), result: undefined as unknown as CliResult };
const isHostSpan = (s: OtlpSpan): boolean => s.attributes['ansible.task.host.status'] !== undefined && s.attributes['ansible.task.item.label'] === undefined;
const isTaskSpan = (s: OtlpSpan): boolean => s.attributes['ansible.task.hosts.total'] !== undefined;

beforeAll(async () => {
  const run = async (o: typeof problems, playbook: string, mode: string) => {
    const url = await o.receiver.start();
    o.result = await runPlaybooks([playbook], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() }), {
      sidecarArgs: ['--host-spans', mode],
    });
  };
  await Promise.all([run(problems, 'features.yml', 'problems'), run(none, 'console.yml', 'none')]);
}, 300_000);

afterAll(async () => {
  await problems.receiver.stop();
  await none.receiver.stop();
});

describe('--host-spans problems on features.yml', () => {
  it('exits as ansible-playbook did', () => {
    expect(problems.result.code, problems.result.stderr).toBe(4);
  });

  it('keeps the failed, unreachable and rescued hosts as ERROR spans with their exception events and records', () => {
    const tree = new SpanTree(problems.receiver.spans);
    tree.expectWellFormed();
    const h2 = tree.children(tree.one('Fail for real on h2')).find((s) => s.name === 'h2')!;
    expect(h2.status).toEqual({ code: STATUS.ERROR, message: 'h2 is broken' });
    expect(h2.events.find((e) => e.name === 'exception')?.attributes['exception.message']).toBe('h2 is broken');
    expect(tree.one('gone').status.code).toBe(STATUS.ERROR);
    expect(tree.children(tree.one('Break inside block')).map((s) => s.attributes['ansible.task.host.status'])).toEqual(['rescued', 'rescued']);
    expectFailuresOnHostSpans(problems.receiver.spans, problems.receiver.logRecords);
  });

  it('puts the facts of every host on each task span, in seconds', () => {
    const tree = new SpanTree(problems.receiver.spans);
    const task = tree.one('Fail for real on h2');
    expect(task.attributes).toMatchObject({
      'ansible.task.hosts.spans': 'problems',
      'ansible.task.hosts.total': 2,
      'ansible.task.hosts.failed': 1,
      'ansible.task.hosts.skipped': 1,
      'ansible.task.hosts.ok': 0,
    });
    for (const t of tree.spans.filter(isTaskSpan)) {
      const hosts = tree.children(t).filter(isHostSpan);
      // ≤ 5 hosts a task here: every host is among the 5 slowest, so each keeps its span.
      expect(t.attributes['ansible.task.hosts.total'], t.name).toBe(hosts.length);
      if (hosts.length === 0) continue;
      const seconds = hosts.map((h) => Number(h.endNs - h.startNs) / 1e9);
      expect(t.attributes['ansible.task.hosts.duration.max'], t.name).toBeCloseTo(Math.max(...seconds), 6);
      const slowest = hosts.find((h) => h.name === t.attributes['ansible.task.hosts.slowest.name'])!;
      expect(Number(slowest.endNs - slowest.startNs) / 1e9).toBeCloseTo(Number(t.attributes['ansible.task.hosts.slowest.duration']), 6);
    }
  });
});

describe('--host-spans none on console.yml', () => {
  it('exits as ansible-playbook did, with only the host spans on the critical path left: one per task, with their items', () => {
    expect(none.result.code, none.result.stderr).toBe(2);
    const tree = new SpanTree(none.receiver.spans);
    tree.expectWellFormed();
    const hosts = tree.spans.filter(isHostSpan);
    expect(hosts.length).toBeGreaterThan(0);
    for (const h of hosts) expect(h.attributes['ansible.critical_path'], h.name).toBe(true);
    for (const t of tree.spans.filter(isTaskSpan))
      expect(tree.children(t).filter(isHostSpan).length, t.name).toBe(t.attributes['ansible.critical_path'] ? 1 : 0);
    for (const item of tree.spans.filter((s) => s.attributes['ansible.task.item.label'] !== undefined))
      expect(hosts).toContain(tree.byId.get(item.parentSpanId));
    expect(tree.one('Take a while').attributes).toMatchObject({
      'ansible.task.hosts.spans': 'none',
      'ansible.task.hosts.total': 2,
      'ansible.task.hosts.ok': 2,
    });
    expect(Number(tree.one('Take a while').attributes['ansible.task.hosts.duration.p50'])).toBeGreaterThanOrEqual(1.5);
  });

  it('points the failure records at their task span', () => {
    const tree = new SpanTree(none.receiver.spans);
    const errors = none.receiver.logRecords.filter((l) => l.severityNumber === SEVERITY.ERROR);
    expect(errors.length).toBeGreaterThan(0);
    for (const l of errors) {
      const span = tree.byId.get(l.spanId)!;
      expect(span.attributes['ansible.task.name']).toBe(l.attributes['ansible.task.name']);
      expect(isTaskSpan(span)).toBe(true);
      expect(span.status.code).toBe(STATUS.ERROR);
    }
  });
});
