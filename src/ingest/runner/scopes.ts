// Role and include scopes from what ansible-runner events carry: a task's role name, its task file
// and the include events. The shim knows them from ansible's objects; an import infers them.
import { basename, dirname, isAbsolute, relative } from 'node:path';
import type { Scope } from '../../protocol/frames.js';
import { fileOf } from './event-fields.js';

interface OpenScope extends Scope {
  /** How it was opened: an import always knows (roles, import_role, include_role, include_tasks). */
  via: string;
  /** include: the included file, the includer's file, the files seen before it opened. */
  file?: string;
  parentFile?: string | undefined;
  before?: Set<string>;
  tasks: Set<string>;
  /** Task paths (file:line) run in this instance: ansible-core 2.19 gives an included role's tasks new uuids, so a repeated path, not only a repeated uuid, starts a new instance. */
  paths: Set<string>;
}

/** Role and include scopes from what runner events carry (role name, task file, include events). */
export class ScopeTracker {
  private stack: OpenScope[] = [];
  private pending: { id: string; file: string; name: string; parentFile: string | undefined }[] = [];
  private files = new Set<string>();
  private roleIds = new Map<string, string>();
  private roleCount = 0;
  private plainTaskSeen = false;
  private previous: { uuid: string; action: string | undefined } | undefined;

  constructor(private play = '') {}

  reset(play: string): void {
    this.stack = [];
    this.pending = [];
    this.files = new Set();
    this.roleIds = new Map();
    this.roleCount = 0;
    this.plainTaskSeen = false;
    this.previous = undefined;
    this.play = play;
  }

  include(task: string, file: string, includerFile: string | undefined): void {
    const base = includerFile ? dirname(includerFile) : undefined;
    const rel = base ? relative(base, file) : '';
    const name = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : basename(file);
    this.pending.push({ id: task, file, name, parentFile: includerFile });
  }

  taskStart(uuid: string, path: string | undefined, role: string | undefined, action: string | undefined, handler: boolean): Scope[] {
    const file = fileOf(path);
    if (handler) this.stack = role ? [this.scope('role', this.roleIds.get(role) ?? this.roleId(role), role, 'roles')] : [];
    else {
      while (this.stack.length && !this.contains(this.stack[this.stack.length - 1]!, uuid, path, role)) this.stack.pop();
      if (file) this.openInclude(file);
      if (role && !this.stack.some((s) => s.kind === 'role' && s.name === role)) this.openRole(role);
      if (!role && this.stack.length === 0) this.plainTaskSeen = true;
    }
    for (const s of this.stack) {
      s.tasks.add(uuid);
      if (path) s.paths.add(path);
    }
    if (file) this.files.add(file);
    this.previous = { uuid, action };
    return this.stack.map(({ kind, id, name, via }) => ({ kind, id, name, via }));
  }

  /** The first task from a file an include event named opens that include's scope. */
  private openInclude(file: string): void {
    const inc = this.pending.findIndex((p) => p.file === file);
    if (inc < 0) return;
    const p = this.pending.splice(inc, 1)[0]!;
    this.stack.push({ ...this.scope('include', p.id, p.name, 'include_tasks'), file: p.file, parentFile: p.parentFile, before: new Set(this.files) });
  }

  /** A role not open yet: included when the task before was include_role, imported after a plain task, else from `roles:`. */
  private openRole(role: string): void {
    const prev = this.previous;
    const included = prev && /(^|\.)include_role$/.test(prev.action ?? '');
    const via = included ? 'include_role' : this.plainTaskSeen ? 'import_role' : 'roles';
    const id = included ? prev.uuid : this.roleId(role);
    this.roleIds.set(role, id);
    this.stack.push(this.scope('role', id, role, via));
  }

  private scope(kind: Scope['kind'], id: string, name: string, via: string): OpenScope {
    return { kind, id, name, via, tasks: new Set(), paths: new Set() };
  }

  private roleId(role: string): string {
    this.roleCount += 1;
    return `${this.play}:role:${role}:${this.roleCount}`;
  }

  private contains(s: OpenScope, uuid: string, path: string | undefined, role: string | undefined): boolean {
    if (s.tasks.has(uuid) || (path && s.paths.has(path))) return false; // the same task again: a new instance of the scope
    const file = fileOf(path);
    if (s.kind === 'role') return role === s.name;
    if (!file) return true;
    return file === s.file || (file !== s.parentFile && !s.before?.has(file));
  }
}
