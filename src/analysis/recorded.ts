// The answer a live run put on its trace, read back: for a traces file whose host spans were
// sampled (--host-spans problems or none), where the timeline cannot be rebuilt from the spans.
// The parts, the what-if and the limit come from the root span; the path from the task and host
// spans flagged ansible.critical_path (linear plays) and the play spans (free / host_pinned).
import { ATTR } from '../model/attributes.js';
import type { SlimAttributes, SlimSpan } from '../report/otlp-json-lines.js';
import { num, oneOf, text, texts } from '../report/slim-attributes.js';
import type { PathStep } from './critical-path.js';
import type { LimitKind, PlaybookAnalysis } from './playbook-analysis.js';
import { strategyKind } from './timeline.js';

const LIMITS: readonly LimitKind[] = ['forks', 'controller', 'cpu', 'slow_host', 'serial', 'throttle', 'host_work'];

export function recordedAnalysis(root: SlimSpan, spans: SlimSpan[]): PlaybookAnalysis | undefined {
  const a = root.attributes;
  if (typeof a[ATTR.RUN_CP_TOTAL] !== 'number') return undefined;
  /** Seconds (an attribute, or a number's text in a list) in nanoseconds. */
  const ns = (seconds: number | string | undefined): number => Math.round(Number(seconds ?? 0) * 1e9);
  const nsOf = (at: SlimAttributes | undefined, key: string): number => ns(at && num(at, key));
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const plays = spans.filter((s) => s.attributes[ATTR.PLAY_UUID] !== undefined).sort((x, y) => x.startNs - y.startNs);
  const playIndex = (s: SlimSpan): number => {
    for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) if (p.attributes[ATTR.PLAY_UUID] !== undefined) return plays.indexOf(p);
    return -1;
  };
  let cursor = root.startNs;
  const steps: PathStep[] = [];
  for (const h of spans
    .filter((s) => s.attributes[ATTR.CRITICAL_PATH] === true && s.attributes[ATTR.TASK_HOST_NAME] !== undefined)
    .sort((x, y) => x.startNs - y.startNs)) {
    const t = byId.get(h.parentSpanId);
    const forkWaitNs = nsOf(t?.attributes, ATTR.TASK_CP_FORK_WAIT);
    steps.push({
      play: t ? playIndex(t) : -1,
      task: String(h.attributes[ATTR.TASK_NAME] ?? t?.name ?? ''),
      taskUuid: String(h.attributes[ATTR.TASK_UUID] ?? ''),
      taskSpanId: h.parentSpanId,
      handler: t?.attributes[ATTR.TASK_HANDLER] === true,
      role: t && text(t.attributes, ATTR.TASK_ROLE),
      host: String(h.attributes[ATTR.TASK_HOST_NAME]),
      delegatedTo: text(h.attributes, ATTR.TASK_DELEGATED_TO),
      controllerNs: Math.max(0, h.startNs - cursor - forkWaitNs),
      forkWaitNs,
      workNs: h.endNs - h.startNs,
      startNs: h.startNs,
      endNs: h.endNs,
      cut: h.attributes[ATTR.RUN_INTERRUPTED] === true,
    });
    cursor = Math.max(cursor, h.endNs);
  }
  const wallNs = root.endNs - root.startNs;
  const kind = oneOf(a, ATTR.RUN_CP_LIMIT, LIMITS);
  const share = num(a, ATTR.RUN_CP_LIMIT_SHARE) ?? 0;
  const forks = num(a, ATTR.RUN_FORKS) ?? 0;
  const counts = texts(a, ATTR.RUN_WHAT_IF_FORKS) ?? [];
  const walls = texts(a, ATTR.RUN_WHAT_IF_DURATION) ?? [];
  return {
    playbook: String(a[ATTR.PLAYBOOK_NAME] ?? root.name),
    traceId: root.traceId,
    startNs: root.startNs,
    endNs: root.endNs,
    wallNs,
    interrupted: a[ATTR.RUN_INTERRUPTED] === true,
    hostWorkNs: nsOf(a, ATTR.RUN_CP_HOST_WORK),
    forkWaitNs: nsOf(a, ATTR.RUN_CP_FORK_WAIT),
    controllerNs: nsOf(a, ATTR.RUN_CP_CONTROLLER),
    plays: plays.map((p) => ({
      name: p.name,
      strategy: strategyKind(text(p.attributes, ATTR.PLAY_STRATEGY)),
      chainHost: text(p.attributes, ATTR.PLAY_CP_HOST),
    })),
    steps,
    forks,
    forksInferred: a[ATTR.RUN_FORKS] === undefined,
    hosts: Math.max(forks, ...counts.map(Number)),
    dispatchNs: nsOf(a, ATTR.RUN_FORK_STARTUP),
    dispatchSamples: 0,
    options: counts.map((f, i) => ({ forks: Number(f), wallNs: ns(walls[i]), savedNs: Math.max(0, wallNs - ns(walls[i])) })),
    limits: kind ? [{ kind, share, ns: Math.round(share * wallNs), detail: text(a, ATTR.RUN_CP_LIMIT_DETAIL) }] : [],
    forksLimit: kind === 'forks',
    recorded: true,
  };
}
