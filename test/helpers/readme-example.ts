// What the README promises for the bundled example (examples/site.yml): the summary it prints and
// the span tree of its trace, read from the README and compared with a real run's.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OtlpSpan } from './otlp-spans.js';
import { ROOT } from './sidecar-run.js';

export const EXAMPLE_INVENTORY = join(ROOT, 'examples', 'inventory.ini');
export const EXAMPLE_PLAYBOOK = join(ROOT, 'examples', 'site.yml');

const readme = (): string => readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The lines of the first fenced block after `marker` in the README. */
function blockAfter(marker: string): string[] {
  const text = readme();
  const at = text.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no "${marker}"`);
  const body = /```[^\n]*\n([\s\S]*?)\n```/.exec(text.slice(at));
  if (!body) throw new Error(`README.md has no code block after "${marker}"`);
  return body[1]!.split('\n');
}

/**
 * A summary with its run-specific parts made the README's way: the trace id, the directories, and
 * the timings of where the time went. Which five tasks took most of the path, in which order, and
 * so what limits the run, depend on the machine's timing: the lines are kept, their words are not.
 */
export function canonicalSummary(lines: string[]): string[] {
  return lines.map((l) =>
    l
      .replace(/\btrace [0-9a-f]{32}\b/, 'trace <id>')
      .replace(/→ \/\S*\/(ansible-otel-[a-z]+\.jsonl)/, '→ /…/$1')
      .replace(/^(ansible-otel: {3}(where the time went|what if): ).*$/, '$1…')
      .replace(/^ansible-otel: {4,}\d+% {2}.*$/, 'ansible-otel:   <a task on the path>'),
  );
}

/** The summary the README shows for the example. */
export function readmeSummary(): string[] {
  return canonicalSummary(blockAfter('The example ends with a summary on stderr'));
}

/** The summary lines of a sidecar's stderr (`run`'s or `serve`'s), without serve's own notices. */
export function summaryOf(stderr: string): string[] {
  return canonicalSummary(stderr.split('\n').filter((l) => l.startsWith('ansible-otel: ') && !/listening on|shutting down|warning/.test(l)));
}

/** A tree as indented names, one line per span: "    name" at 4 spaces per level. */
export type TreeLines = string[];

/** The README's span tree, without its drawing and the notes beside it. */
export function readmeTree(): TreeLines {
  return blockAfter('## The span model').map((line) => {
    const prefix = /^[│├└─\s]*/u.exec(line)![0];
    const name = line.slice(prefix.length).split(/\s{2,}/)[0]!;
    return `${' '.repeat([...prefix].length)}${name}`;
  });
}

/** The tree of one trace's spans: children in the order they started, a task's hosts by name. */
export function traceTree(spans: OtlpSpan[]): TreeLines {
  const ids = new Set(spans.map((s) => s.spanId));
  const isHost = (s: OtlpSpan): boolean => s.attributes['ansible.task.host.name'] !== undefined && s.attributes['ansible.task.item.label'] === undefined;
  const order = (a: OtlpSpan, b: OtlpSpan): number =>
    isHost(a) && isHost(b) ? a.name.localeCompare(b.name) : a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0;
  const out: TreeLines = [];
  const walk = (s: OtlpSpan, depth: number): void => {
    out.push(`${' '.repeat(depth * 4)}${s.name}`);
    for (const c of spans.filter((x) => x.parentSpanId === s.spanId).sort(order)) walk(c, depth + 1);
  };
  for (const root of spans.filter((s) => !ids.has(s.parentSpanId)).sort(order)) walk(root, 0);
  return out;
}
