// run --baseline, live: while the run streams, each task span links to its baseline task span and,
// at its end, says how its duration compares (ansible.task.baseline.ratio) and whether it changed
// on every recent run (ansible.task.changes_every_run); the root span links to the baseline's root.
// Pure: the baseline and the earlier runs were read before the playbook started (src/history).
import { ATTR } from '../model/attributes.js';
import type { Attributes, SpanLink } from '../model/trace-writer.js';
import { changedStreak, compareRuns, IDEMPOTENCE_RUNS, taskHistory, type CompareThresholds, type Comparison, type TaskHistory } from './compare.js';
import type { RunDigest, TaskDigest } from './run-digest.js';
import type { RunKey } from './run-key.js';
import { groupTasks, taskKey, type TaskGroup, type TaskIdentity } from './task-match.js';

export interface BaselineContext {
  base: RunDigest;
  /** Earlier runs with the same key, oldest first (the baseline among them when it came from the history). */
  history: RunDigest[];
  thresholds: CompareThresholds;
}

/** A playbook's baseline, looked up when it starts; a string when there is none: why. */
export type BaselineLookup = (start: { playbookPath: string; playbook: string; key: RunKey | undefined }) => BaselineContext | string;

const link = (traceId: string, spanId: string): SpanLink => ({ traceId, spanId, attributes: { [ATTR.LINK_TYPE]: 'baseline' } });

/** One task span's baseline: its instance in the baseline run and its earlier runs. The run model keeps it with the task. */
export interface BaselineInstance {
  /** Undefined: the baseline run has no such task. */
  base: TaskDigest | undefined;
  past: TaskHistory;
  links: SpanLink[];
}

export class LiveBaseline {
  private readonly groups: TaskGroup[];
  private readonly byKey: Map<string, TaskGroup>;
  private readonly earlier: (key: string) => TaskHistory;
  /** Instances of each key started so far: the n-th links to the baseline's n-th. */
  private readonly seen = new Map<string, number>();

  constructor(readonly context: BaselineContext) {
    this.groups = groupTasks(context.base.tasks);
    this.byKey = new Map(this.groups.map((g) => [g.key, g]));
    this.earlier = taskHistory(context.history);
  }

  rootLinks(): SpanLink[] {
    return [link(this.context.base.traceId, this.context.base.rootSpanId)];
  }

  /** A task span is about to start: its baseline instance, and the link to it if it has one. */
  taskStart(t: TaskIdentity): BaselineInstance {
    const key = taskKey(t);
    const n = this.seen.get(key) ?? 0;
    this.seen.set(key, n + 1);
    // by key; a renamed task by where it is written (compare.ts matches the same way at the end)
    const g =
      this.byKey.get(key) ??
      this.groups.find(
        (x) => x.path !== undefined && x.path === t.path && x.action === t.action && x.handler === (t.handler === true) && !this.seen.has(x.key),
      );
    const base = g?.instances[Math.min(n, g.instances.length - 1)];
    return { base, past: this.earlier(g?.key ?? key), links: base ? [link(this.context.base.traceId, base.spanId)] : [] };
  }

  /** A task span ends (its host results in `task`): its ratio to the baseline and idempotence. */
  taskEnd(i: BaselineInstance, task: TaskDigest): Attributes {
    const out: Attributes = {};
    const max = (t: TaskDigest): number => Math.max(0, ...Object.values(t.hosts).map((r) => r.d));
    if (i.base && Object.keys(i.base.hosts).length > 0 && Object.keys(task.hosts).length > 0) {
      const was = max(i.base);
      if (was > 0) out[ATTR.TASK_BASELINE_RATIO] = Math.round((max(task) / was) * 1000) / 1000;
    }
    const changed = Object.values(task.hosts).some((r) => r.c === 1);
    if (changedStreak(task.args ?? '', changed, i.past) >= IDEMPOTENCE_RUNS) out[ATTR.TASK_CHANGES_EVERY_RUN] = true;
    return out;
  }

  compare(next: RunDigest): Comparison {
    return compareRuns(this.context.base, next, this.context.history, this.context.thresholds);
  }
}
