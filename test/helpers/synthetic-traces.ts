// A synthetic OTLP/JSON lines traces file in the sidecar's span shape: one playbook, two plays,
// `tasks` tasks on `hosts` hosts each, a few failures. For report size and rendering checks.
import { writeFileSync } from 'node:fs';

const str = (key: string, v: string) => ({ key, value: { stringValue: v } });
const bool = (key: string, v: boolean) => ({ key, value: { boolValue: v } });
let next = 1;
const id = (): string => (next++).toString(16).padStart(16, '0');

export interface SyntheticRun {
  traceId: string;
  taskSpans: number;
  hostSpans: number;
  /** host → message of its one failure. */
  failures: Map<string, string>;
}

export function writeSyntheticTraces(path: string, hosts: number, tasks: number): SyntheticRun {
  const traceId = 'f'.repeat(16) + id();
  const t0 = 1_790_000_000_000_000_000;
  const MS = 1_000_000;
  const spans: object[] = [];
  const span = (spanId: string, parent: string, name: string, s: number, e: number, attributes: object[], error = false) =>
    spans.push({
      traceId,
      spanId,
      parentSpanId: parent,
      name,
      kind: parent ? 1 : 2,
      startTimeUnixNano: String(s),
      endTimeUnixNano: String(e),
      attributes,
      status: { code: error ? 2 : 0 },
    });
  const root = id();
  const failures = new Map<string, string>();
  const taskMs = 400;
  const end = t0 + tasks * taskMs * MS;
  span(
    root,
    '',
    'big.yml',
    t0,
    end,
    [str('ansible.playbook.path', '/srv/big.yml'), str('ansible.session', 'synthetic-run'), str('cicd.pipeline.result', 'failure')],
    true,
  );
  const plays = [id(), id()];
  for (const [i, p] of plays.entries())
    span(p, root, `Play ${i + 1}`, t0 + (i * tasks * taskMs * MS) / 2, t0 + ((i + 1) * tasks * taskMs * MS) / 2, [
      str('ansible.play.name', `Play ${i + 1}`),
      str('ansible.play.uuid', `play-${i}`),
    ]);
  for (let t = 0; t < tasks; t++) {
    const task = id();
    const ts = t0 + t * taskMs * MS;
    const uuid = `task-${t}`;
    span(task, plays[t < tasks / 2 ? 0 : 1]!, `Task number ${t}`, ts, ts + (taskMs - 10) * MS, [
      str('ansible.task.name', `Task number ${t}`),
      str('ansible.task.uuid', uuid),
      str('ansible.task.action', 'ansible.builtin.command'),
      bool('ansible.task.handler', false),
    ]);
    for (let h = 0; h < hosts; h++) {
      const host = `host-${String(h).padStart(3, '0')}.example.internal`;
      const failed = t === tasks - 1 && h % 50 === 7;
      const status = failed ? 'failed' : (h + t) % 7 === 0 ? 'changed' : (h + t) % 11 === 0 ? 'skipped' : 'ok';
      const s = ts + ((h * 3) % 100) * MS;
      const message = failed ? `non-zero return code on ${host}: disk /dev/sdb full` : undefined;
      if (message) failures.set(host, message);
      span(
        id(),
        task,
        host,
        s,
        s + (20 + ((h * 7 + t) % 250)) * MS,
        [
          str('ansible.task.host.name', host),
          str('ansible.task.name', `Task number ${t}`),
          str('ansible.task.uuid', uuid),
          str('ansible.task.host.status', status),
          ...(message ? [str('ansible.task.message', message)] : []),
        ],
        failed,
      );
    }
  }
  // Batches of 512 spans per line, in no particular order: as the BatchSpanProcessor writes them.
  const lines: string[] = [];
  for (let i = 0; i < spans.length; i += 512)
    lines.push(
      JSON.stringify({
        resourceSpans: [
          {
            resource: { attributes: [str('service.name', 'ansible')] },
            scopeSpans: [{ scope: { name: 'ansible-otel-sidecar' }, spans: spans.slice(i, i + 512).reverse() }],
          },
        ],
      }),
    );
  writeFileSync(path, `${lines.reverse().join('\n')}\n`);
  return { traceId, taskSpans: tasks, hostSpans: tasks * hosts, failures };
}
