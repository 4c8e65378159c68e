// The logs signal end to end: real ansible-playbook runs through `ansible-otel run`, log records
// at a loopback OTLP/HTTP receiver (protobuf) and in the embedded default's file, each on its span.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { recordsOfJsonLines, SEVERITY, type OtlpLogRecord } from '../helpers/otlp-logs.js';
import { spansOfJsonLines } from '../helpers/otlp-spans.js';
import { pointsOfRequest } from '../helpers/otlp-metrics.js';
import { ofJsonLines } from '../helpers/otlp-spans.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { expectFailuresOnHostSpans } from '../helpers/log-correlation.js';

describe('log records over OTLP/HTTP protobuf, correlated with the trace', () => {
  const receiver = new OtlpReceiver();
  let r: CliResult;
  let tree: SpanTree;
  let logsFile: string;

  beforeAll(async () => {
    const url = await receiver.start();
    logsFile = join(tempDir(), 'logs.jsonl');
    r = await runPlaybooks(['console.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() }), {
      sidecarArgs: ['--logs-file', logsFile],
    });
    tree = new SpanTree(receiver.spans);
  }, 300_000);
  afterAll(() => receiver.stop());

  it('reports the records it delivered', () => {
    expect(r.code, r.stderr).toBe(2);
    expect(receiver.logRequests.length).toBeGreaterThan(0);
    expect(receiver.logRequests.every((q) => q.contentType === 'application/x-protobuf')).toBe(true);
    const n = receiver.logRecords.length;
    expect(r.stderr).toContain(`${n} log records → http://127.0.0.1:`);
    expect(r.stderr).toContain(`${n} log records → ${logsFile} (OTLP/JSON lines)`);
  });

  it('points every failed host record at its host span', () => {
    expectFailuresOnHostSpans(receiver.spans, receiver.logRecords);
    const errors = receiver.logRecords.filter((l) => l.severityNumber === SEVERITY.ERROR);
    expect(errors.map((l) => l.body)).toEqual(['[h2] Break on h2: h2 is out of order']);
  });

  it('puts each playbook summary on its root span', () => {
    const summaries = receiver.logRecords.filter((l) => l.attributes['cicd.pipeline.result'] !== undefined);
    expect(summaries.map((l) => l.attributes['cicd.pipeline.name'])).toEqual(['console.yml']);
    for (const l of summaries) {
      const root = tree.byId.get(l.spanId)!;
      expect(root.parentSpanId).toBe('');
      expect(root.traceId).toBe(l.traceId);
      expect(l.severityNumber).toBe(SEVERITY.INFO);
      expect(l.timeNs).toBe(root.endNs);
      expect(String(l.body)).toMatch(new RegExp(`^${root.attributes['ansible.playbook.name']}: failure \\(failed on `));
      expect(String(l.body)).toMatch(/^h2 : ok=\d+ changed=\d+ unreachable=\d+ failed=1 /m);
    }
  });

  it('sends the warning and the deprecation of a result as WARN on its host span', () => {
    const host = tree.children(tree.one('Carry a warning')).find((s) => s.name === 'h1')!;
    const warns = receiver.logRecords.filter((l) => l.severityNumber === SEVERITY.WARN && l.spanId === host.spanId);
    expect(warns.map((l) => l.body)).toEqual(['[h1] Carry a warning: warn_me says: heads up', '[h1] Carry a warning: warn_me is deprecated for the test']);
    expect(warns.every((l) => l.traceId === host.traceId)).toBe(true);
    expect(warns[1]!.attributes['ansible.deprecation.version']).toBe('9.99');
  });

  it('writes the same records to --logs-file', () => {
    const fromFile = recordsOfJsonLines(readFileSync(logsFile, 'utf8'));
    const key = (l: OtlpLogRecord): string => `${l.spanId} ${l.severityNumber} ${String(l.body)}`;
    expect(fromFile.map(key).sort()).toEqual(receiver.logRecords.map(key).sort());
    expect(fromFile.find((l) => l.attributes['cicd.pipeline.result'])?.eventName).toBe('ansible.run.summary');
  });
});

describe('where log records go by default and by OTEL_LOGS_EXPORTER', () => {
  it('the embedded default writes all three files, the logs one in the trace of the traces one', async () => {
    const cwd = tempDir();
    const r = await runPlaybooks(['console.yml'], cleanEnv(), { cwd });
    expect(r.code, r.stderr).toBe(2);
    const files = ['ansible-otel-traces.jsonl', 'ansible-otel-metrics.jsonl', 'ansible-otel-logs.jsonl'].map((f) => join(cwd, f));
    for (const f of files) expect(existsSync(f), f).toBe(true);
    const spans = spansOfJsonLines(readFileSync(files[0]!, 'utf8'));
    expect(ofJsonLines(readFileSync(files[1]!, 'utf8'), pointsOfRequest).length).toBeGreaterThan(0);
    const records = recordsOfJsonLines(readFileSync(files[2]!, 'utf8'));
    const root = new SpanTree(spans).roots()[0]!;
    const summary = records.find((l) => l.eventName === 'ansible.run.summary');
    expect(summary?.spanId).toBe(root.spanId);
    expect(records.every((l) => l.traceId === root.traceId)).toBe(true);
    expect(r.stderr).toContain(`${records.length} log records → ${files[2]} (OTLP/JSON lines)`);
  }, 300_000);

  it('OTEL_LOGS_EXPORTER=none sends no log record while spans go; --logs-file still gets failures on their spans, output when asked', async () => {
    const receiver = new OtlpReceiver();
    const url = await receiver.start();
    try {
      const logsFile = join(tempDir(), 'logs.jsonl');
      const r = await runPlaybooks(['features.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_LOGS_EXPORTER: 'none', OTEL_TEST_TMP: tempDir() }), {
        sidecarArgs: ['--logs-file', logsFile],
      });
      expect(r.code, r.stderr).toBe(4); // an unreachable host
      expect(receiver.spans.length).toBeGreaterThan(10);
      expect(receiver.logRequests).toEqual([]);
      const records = recordsOfJsonLines(readFileSync(logsFile, 'utf8'));
      expectFailuresOnHostSpans(receiver.spans, records);
      expect(records.some((l) => l.attributes['ansible.task.host.status'] === 'unreachable')).toBe(true);
      const tree = new SpanTree(receiver.spans);
      const out = records.filter((l) => l.attributes['log.iostream'] !== undefined);
      expect(out.some((l) => l.attributes['log.iostream'] === 'stderr' && l.body === 'broken')).toBe(true);
      for (const l of out) {
        expect(l.severityNumber).toBe(SEVERITY.INFO);
        expect(tree.byId.get(l.spanId)?.traceId).toBe(l.traceId);
      }
    } finally {
      await receiver.stop();
    }
  }, 300_000);
});

it('--no-log-task-output (or ANSIBLE_OTEL_LOG_TASK_OUTPUT=false) leaves out only the task output', async () => {
  const cases = [
    { args: [], env: {}, events: ['ansible.task.output', 'ansible.run.summary'] },
    { args: ['--no-log-task-output'], env: {}, events: ['ansible.run.summary'] },
    { args: [], env: { ANSIBLE_OTEL_LOG_TASK_OUTPUT: 'false' }, events: ['ansible.run.summary'] },
  ];
  for (const c of cases) {
    const logsFile = join(tempDir(), 'logs.jsonl');
    const r = await runPlaybooks(['big-output.yml'], cleanEnv({ OTEL_SDK_DISABLED: 'true', OTEL_TEST_TMP: tempDir(), ...c.env }), {
      sidecarArgs: ['--logs-file', logsFile, ...c.args],
    });
    expect(r.code, r.stderr).toBe(0);
    const records = recordsOfJsonLines(readFileSync(logsFile, 'utf8'));
    expect(
      records.map((l) => l.eventName),
      JSON.stringify(c),
    ).toEqual(c.events);
  }
}, 300_000);
