// ansible.notify lands on the host span of each result that notified a handler, whatever the
// ansible-core under test: 2.18+ reports notifications only when it flushes handlers, and not
// for a host that failed before; the shim reads them from the result instead (notify.yml).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runPlaybooks, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import type { OtlpSpan } from '../helpers/otlp-spans.js';

const receiver = new OtlpReceiver();
let result: CliResult;
let tree: SpanTree;

beforeAll(async () => {
  const url = await receiver.start();
  result = await runPlaybooks(['notify.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url }));
  tree = new SpanTree(receiver.spans);
}, 300_000);
afterAll(() => receiver.stop());

const notified = (s: OtlpSpan) => s.events.filter((e) => e.name === 'ansible.notify').map((e) => e.attributes['ansible.handler.name']);
const hostSpans = (task: string) => Object.fromEntries(tree.children(tree.one(task)).map((h) => [h.attributes['ansible.task.host.name'], notified(h)]));

describe('handler notifications', () => {
  it('puts ansible.notify on every notifying host span, also of a host that fails before the flush', () => {
    expect(result.code, result.stderr).toBe(2); // h2 fails on purpose
    expect(hostSpans('Change on every host')).toEqual({ h1: ['restart app'], h2: ['restart app'] });
    expect(hostSpans('Change on h1 only')).toEqual({ h1: ['reload config'], h2: [] });
  });

  it('notifies through listen when an item of a loop changed, not for a host where none did', () => {
    expect(hostSpans('Loop where only some items change')).toEqual({ h1: ['topic listener'], h2: [] });
  });

  it('keeps a handler notifying another handler on the notifying handler host span', () => {
    expect(hostSpans('restart app')).toEqual({ h1: ['after restart'] });
  });

  it('puts no notify event anywhere else (play, playbook, task spans)', () => {
    const onHosts = tree.spans.filter((s) => s.attributes['ansible.task.host.name'] !== undefined).flatMap(notified);
    expect(onHosts).toHaveLength(5);
    expect(tree.spans.flatMap(notified)).toHaveLength(5);
  });
});
