// A plain ansible-playbook with the shim pointed at a sidecar endpoint, and the traces it leaves
// in a receiver, compared by structure (the ws:// and wss:// tests hold them against the Unix socket's).
import type { OtlpSpan } from './otlp-spans.js';
import { INVENTORY, runShimmed, tempDir, type CliResult } from './sidecar-run.js';
import { SpanTree } from './span-tree.js';

/** ansible-playbook with the shim pointed at `endpoint` (a socket path, a ws:// or wss:// URL), its own OTEL_TEST_TMP. */
export function playbookViaShim(
  env: NodeJS.ProcessEnv,
  playbook: string,
  endpoint: string,
  extra: NodeJS.ProcessEnv = {},
  inventory = INVENTORY,
): Promise<CliResult> {
  return runShimmed(playbook, endpoint, { ...env, OTEL_TEST_TMP: tempDir(), ...extra }, inventory);
}

/** A trace as structure: every span's path, kind, status and the attributes that do not vary between runs. */
export function traceShape(spans: OtlpSpan[]): string[] {
  const tree = new SpanTree(spans);
  const stable = [
    'ansible.task.host.status',
    'ansible.task.module',
    'ansible.task.changed',
    'ansible.play.name',
    'ansible.task.name',
    'cicd.pipeline.task.run.result',
  ];
  return spans
    .map((s) => {
      const a = stable.filter((k) => s.attributes[k] !== undefined).map((k) => `${k}=${JSON.stringify(s.attributes[k])}`);
      return `${tree.path(s).join(' > ')} | kind ${s.kind} | status ${s.status.code} | ${a.join(' ')}`;
    })
    .sort();
}

/** The ansible.session of every root span named `rootName` (one per run). */
export function sessionsOf(spans: OtlpSpan[], rootName: string): string[] {
  return spans.filter((s) => s.name === rootName).map((s) => String(s.attributes['ansible.session']));
}

/** Every span of the trace whose root is `rootName` in `session`. */
export function traceOf(spans: OtlpSpan[], rootName: string, session: string): OtlpSpan[] {
  const root = spans.find((s) => s.name === rootName && s.attributes['ansible.session'] === session);
  return root ? spans.filter((s) => s.traceId === root.traceId) : [];
}
