// Generated playbook runs for the comparison's unit tests: each task with its hosts' durations,
// statuses and `changed`, as frames through the real run model; out come the run's digests.
import type { BaselineLookup } from '../../src/analysis/baseline.js';
import type { RunDigest } from '../../src/analysis/run-digest.js';
import type { BaselineOutcome } from '../../src/analysis/compare.js';
import { RunModel } from '../../src/model/run-model.js';
import type { Frame, Scope } from '../../src/protocol/frames.js';
import { MemoryWriter, type MemorySpan } from './memory-writer.js';

/** Ids unique across runs, as real trace and span ids are. */
class RunWriter extends MemoryWriter {
  constructor(private readonly run: string) {
    super();
  }
  override traceId(span: MemorySpan): string {
    return `${this.run}-${super.traceId(span)}`;
  }
  override spanId(span: MemorySpan): string {
    return `${this.run}-${super.spanId(span)}`;
  }
}

export interface HostPlan {
  ms: number;
  status?: 'ok' | 'failed' | 'skipped' | 'unreachable';
  changed?: boolean;
  /** Loop items before the host's result. */
  items?: number;
}

export interface TaskPlan {
  name: string;
  path?: string;
  action?: string;
  args?: Record<string, unknown>;
  scopes?: Scope[];
  play?: string;
  hosts: Record<string, HostPlan>;
}

/** Small enough that ns stay exact in a double. */
export const T0 = 1_000_000_000_000_000;
const MS = 1_000_000;

export const role = (name: string): Scope => ({ kind: 'role', id: `role-${name}`, name, via: 'roles' });
export const include = (name: string, id = `inc-${name}`): Scope => ({ kind: 'include', id, name, via: 'include_tasks' });

/** The frames of one run of `site.yml` that runs `tasks` in turn, starting at `startMs`. */
export function runFrames(run: string, tasks: TaskPlan[], startMs = 0, argv = ['ansible-playbook', '-i', 'inv.ini', 'site.yml']): Frame[] {
  const out: Record<string, unknown>[] = [];
  let t = T0 + startMs * MS;
  const push = (body: Record<string, unknown>): void => void out.push({ v: 1, run, seq: out.length, ts: t, ...body });
  push({ t: 'hello', argv, cwd: '/srv', check: false });
  push({ t: 'playbook_start', path: '/srv/site.yml' });
  let play = '';
  const hosts = new Set<string>();
  tasks.forEach((task, i) => {
    const name = task.play ?? 'Deploy';
    if (name !== play) {
      play = name;
      push({ t: 'play_start', play: `play-${name}`, name });
    }
    const uuid = `${run}-task-${i}`;
    t += MS;
    const roleName = [...(task.scopes ?? [])].reverse().find((s) => s.kind === 'role')?.name ?? null;
    push({
      t: 'task_start',
      task: uuid,
      name: task.name,
      action: task.action ?? 'ansible.builtin.command',
      path: task.path ?? null,
      role: roleName,
      args: task.args,
      scopes: task.scopes ?? [],
    });
    const begin = t;
    for (const h of Object.keys(task.hosts)) push({ t: 'host_start', task: uuid, host: h });
    const ordered = Object.entries(task.hosts).sort((a, b) => a[1].ms - b[1].ms);
    for (const [h, p] of ordered) {
      hosts.add(h);
      for (let k = 0; k < (p.items ?? 0); k++) {
        t = Math.max(t, begin + Math.round(((k + 1) * p.ms * MS) / ((p.items ?? 0) + 1)));
        push({ t: 'item_result', task: uuid, host: h, status: 'ok', label: `item ${k}` });
      }
      t = Math.max(t, begin + p.ms * MS);
      push({ t: 'host_result', task: uuid, host: h, status: p.status ?? 'ok', changed: p.changed ?? false });
    }
  });
  t += MS;
  push({ t: 'stats', hosts: Object.fromEntries([...hosts].map((h) => [h, { ok: 1 }])) });
  push({ t: 'bye', exit_code: 0 });
  return out as unknown as Frame[];
}

export interface ModelRun {
  digest: RunDigest;
  writer: RunWriter;
  baseline?: BaselineOutcome | undefined;
}

/** The run through the run model (digests on; a baseline lookup if given). */
export function modelRun(run: string, tasks: TaskPlan[], o: { startMs?: number; baseline?: BaselineLookup; argv?: string[] } = {}): ModelRun {
  const writer = new RunWriter(run);
  let digest: RunDigest | undefined;
  let baseline: BaselineOutcome | undefined;
  const model = new RunModel(
    writer,
    run,
    {
      playbookEnd: (e) => {
        digest = e.digest;
        baseline = e.baseline;
      },
    },
    { digest: true, baseline: o.baseline },
  );
  for (const f of runFrames(run, tasks, o.startMs, o.argv)) model.apply(f);
  model.finish();
  if (!digest) throw new Error(`run ${run}: no digest`);
  return { digest, writer, baseline };
}
