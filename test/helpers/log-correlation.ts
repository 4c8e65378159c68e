// The logs/traces correlation every log test demands: each failed host has one failure record on its host span.
import { expect } from 'vitest';
import { SEVERITY, type OtlpLogRecord } from './otlp-logs.js';
import { STATUS, type OtlpSpan } from './otlp-spans.js';
import { SpanTree } from './span-tree.js';

const ERROR_HOST = ['failed', 'rescued', 'unreachable'];
const isHostSpan = (s: OtlpSpan): boolean => s.attributes['ansible.task.host.status'] !== undefined && s.attributes['ansible.task.item.label'] === undefined;

/**
 * Every failed, rescued or unreachable host span has exactly one failure record (its error.type),
 * in its trace, on it: ERROR, or WARN for a rescued failure (the rescue handled it).
 */
export function expectFailuresOnHostSpans(spans: OtlpSpan[], records: OtlpLogRecord[]): void {
  const tree = new SpanTree(spans);
  const errorSpans = spans.filter((s) => isHostSpan(s) && ERROR_HOST.includes(String(s.attributes['ansible.task.host.status'])));
  expect(errorSpans.length).toBeGreaterThan(0);
  const errors = records.filter(
    (l) => l.attributes['error.type'] !== undefined && l.attributes['ansible.task.item.label'] === undefined && l.attributes['ansible.task.host.name'],
  );
  expect(errors.map((l) => `${l.traceId}/${l.spanId}`).sort()).toEqual(errorSpans.map((s) => `${s.traceId}/${s.spanId}`).sort());
  for (const l of errors) {
    const span = tree.byId.get(l.spanId)!;
    expect(span.status.code).toBe(STATUS.ERROR);
    expect(l.timeNs).toBe(span.endNs);
    const rescued = span.attributes['ansible.task.host.status'] === 'rescued';
    expect(l.severityNumber).toBe(rescued ? SEVERITY.WARN : SEVERITY.ERROR);
    expect(l.attributes['ansible.task.host.name']).toBe(span.name);
    expect(l.attributes['error.type']).toBe(span.attributes['error.type']);
    expect(l.attributes['cicd.pipeline.task.name']).toBe(span.attributes['ansible.task.name']);
    expect(l.attributes['cicd.pipeline.task.run.id']).toBe(tree.parent(span)?.attributes['cicd.pipeline.task.run.id']);
    expect(l.attributes['ansible.task.message']).toBe(span.attributes['ansible.task.message']);
    expect(String(l.body)).toContain(String(span.attributes['ansible.task.message']));
  }
}
