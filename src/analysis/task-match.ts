// Which task of one run is which task of another (docs/baseline.md, "How tasks are matched").
// Tasks have no identity across runs (ansible makes new uuids each time), so a task is known by
// where it sits and what it is called: its play, the roles and includes around it, and its name.
import type { HostRun, TaskDigest } from './run-digest.js';

/** Every instance of one task in one run: a loop over an include, serial batches, a role used twice. */
export interface TaskGroup {
  key: string;
  play: string;
  scopes: string[];
  name: string;
  handler: boolean;
  action: string | undefined;
  path: string | undefined;
  /** The instances' args digests, sorted and joined: equal when the args are. */
  args: string;
  instances: TaskDigest[];
  /** Per host, its results in the order they came (one per instance it ran in). */
  hosts: Map<string, HostRun[]>;
}

export interface TaskPair {
  base?: TaskGroup;
  next?: TaskGroup;
  /** Matched by where it is written or by its args, not by name: the name changed. */
  renamed?: boolean;
}

/** What a task is known by across runs: a TaskDigest, or a task starting live (action and path may be unknown). */
export interface TaskIdentity {
  play: string;
  scopes: string[];
  name: string;
  handler?: boolean | undefined;
  action?: string | undefined;
  path?: string | undefined;
}

/** A task's identity in its run: play, handler or not, its scopes, its name. */
export function taskKey(t: TaskIdentity): string {
  return [t.play, t.handler ? 'handler' : 'task', ...t.scopes, t.name].join('\u0000');
}

/** The tasks of a run by key, in the order each first started. */
export function groupTasks(tasks: TaskDigest[]): TaskGroup[] {
  const groups = new Map<string, TaskGroup>();
  for (const t of tasks) {
    const key = taskKey(t);
    let g = groups.get(key);
    if (!g) {
      g = {
        key,
        play: t.play,
        scopes: t.scopes,
        name: t.name,
        handler: t.handler === true,
        action: t.action,
        path: t.path,
        args: '',
        instances: [],
        hosts: new Map(),
      };
      groups.set(key, g);
    }
    g.instances.push(t);
    for (const [host, r] of Object.entries(t.hosts)) {
      const list = g.hosts.get(host);
      if (list) list.push(r);
      else g.hosts.set(host, [r]);
    }
  }
  for (const g of groups.values()) g.args = [...new Set(g.instances.map((t) => t.args ?? ''))].sort().join(',');
  return [...groups.values()];
}

const sameScopes = (a: TaskGroup, b: TaskGroup): boolean => a.scopes.length === b.scopes.length && a.scopes.every((s, i) => s === b.scopes[i]);

/**
 * Pairs the tasks of two runs. First by key (play, scopes, name): the same task, however many
 * instances each run has. What is left is a renamed task if, in the same scopes and with the same
 * action, it is written at the same `file:line`, or failing that has the same args; anything still
 * left was added or removed. Pairs come in the new run's order, removed tasks after.
 */
export function matchTasks(base: TaskDigest[], next: TaskDigest[]): TaskPair[] {
  const baseGroups = groupTasks(base);
  const byKey = new Map(baseGroups.map((g) => [g.key, g]));
  const used = new Set<TaskGroup>();
  const pairs: TaskPair[] = groupTasks(next).map((g) => {
    const b = byKey.get(g.key);
    if (b) used.add(b);
    return b ? { base: b, next: g } : { next: g };
  });
  const renamedBy = (same: (a: TaskGroup, b: TaskGroup) => boolean): void => {
    for (const p of pairs) {
      if (p.base || !p.next) continue;
      const n = p.next;
      const b = baseGroups.find((x) => !used.has(x) && sameScopes(x, n) && x.handler === n.handler && x.action === n.action && same(x, n));
      if (!b) continue;
      used.add(b);
      p.base = b;
      p.renamed = true;
    }
  };
  renamedBy((a, b) => a.path !== undefined && a.path === b.path);
  renamedBy((a, b) => a.args !== '' && a.args === b.args);
  for (const b of baseGroups) if (!used.has(b)) pairs.push({ base: b });
  return pairs;
}
