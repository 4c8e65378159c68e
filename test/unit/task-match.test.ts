// Which task of one run is which task of another (docs/baseline.md, "How tasks are matched"):
// generated runs through the real run model, so the names and scopes are the ones a live run has.
import { describe, expect, it } from 'vitest';
import { compareRuns } from '../../src/analysis/compare.js';
import { matchTasks } from '../../src/analysis/task-match.js';
import { include, modelRun, role, type TaskPlan } from '../helpers/digest-runs.js';

const two = (ms: number, extra: { changed?: boolean } = {}) => ({ h1: { ms, ...extra }, h2: { ms, ...extra } });

/** Pairs as `base name → next name` (`-` for none), with renamed marked. */
function pairs(base: TaskPlan[], next: TaskPlan[]): string[] {
  return matchTasks(modelRun('base', base).digest.tasks, modelRun('next', next).digest.tasks).map(
    (p) => `${p.base?.name ?? '-'} → ${p.next?.name ?? '-'}${p.renamed ? ' (renamed)' : ''}`,
  );
}

describe('task matching', () => {
  it('matches by play, scopes and name; a task only in one run is added or removed', () => {
    const base = [
      { name: 'Install', hosts: two(10) },
      { name: 'Old', path: '/srv/site.yml:20', args: { cmd: 'a' }, hosts: two(10) },
    ];
    const next = [
      { name: 'Install', hosts: two(10) },
      { name: 'New', path: '/srv/site.yml:40', args: { cmd: 'b' }, hosts: two(10) },
    ];
    expect(pairs(base, next)).toEqual(['Install → Install', '- → New', 'Old → -']);
  });

  it('a loop over items is one host result: matched whatever the item count, its duration the whole loop', () => {
    const base = [{ name: 'Users', hosts: { h1: { ms: 100, items: 2 } } }];
    const next = [{ name: 'Users', hosts: { h1: { ms: 400, items: 5 } } }];
    const c = compareRuns(modelRun('base', base).digest, modelRun('next', next).digest);
    expect(c.tasks.map((t) => [t.name, t.state, t.base?.maxNs, t.next?.maxNs])).toEqual([['Users', 'same', 100e6, 400e6]]);
  });

  it('a looped include is one task: its instances pooled per host, the n-th linked to the baseline n-th', () => {
    const looped = (n: number, ms: number): TaskPlan[] =>
      Array.from({ length: n }, () => ({ name: 'Add vhost', scopes: [include('vhost.yml')], path: '/srv/vhost.yml:1', hosts: two(ms) }));
    const base = modelRun('base', looped(2, 10)).digest;
    const next = modelRun('next', looped(3, 30)).digest;
    const [p, ...rest] = matchTasks(base.tasks, next.tasks);
    expect(rest).toEqual([]);
    expect([p?.base?.instances.length, p?.next?.instances.length, p?.next?.hosts.get('h1')?.length]).toEqual([2, 3, 3]);
    const c = compareRuns(base, next);
    expect(c.tasks[0]).toMatchObject({ state: 'same', scopes: ['include vhost.yml'], base: { maxNs: 10e6, hosts: 2 }, next: { maxNs: 30e6, hosts: 2 } });
    expect(c.tasks[0]?.nextSpanIds).toHaveLength(3);
  });

  it('the same name in two includes, in a role and in another play are four tasks', () => {
    const run: TaskPlan[] = [
      { name: 'Configure', scopes: [include('web.yml')], hosts: two(10) },
      { name: 'Configure', scopes: [include('db.yml')], hosts: two(10) },
      { name: 'Configure', scopes: [role('nginx')], hosts: two(10) },
      { name: 'Configure', play: 'Databases', hosts: two(10) },
    ];
    const swapped = [run[1], run[0], run[2], run[3]] as TaskPlan[];
    const c = compareRuns(modelRun('base', run).digest, modelRun('next', swapped).digest);
    expect(c.tasks.map((t) => [t.play, t.scopes.join('/'), t.state])).toEqual([
      ['Deploy', 'include db.yml', 'same'],
      ['Deploy', 'include web.yml', 'same'],
      ['Deploy', 'role nginx', 'same'],
      ['Databases', '', 'same'],
    ]);
  });

  it('a role task as ansible names it (`role : name`) matches by its plain name inside the role', () => {
    const base = [{ name: 'nginx : Install', scopes: [role('nginx')], hosts: two(10) }];
    const next = [{ name: 'nginx : Install', scopes: [role('nginx')], hosts: two(10) }];
    expect(pairs(base, next)).toEqual(['Install → Install']);
  });

  it('a renamed task is found by where it is written, or by its args when it moved', () => {
    const at = (name: string, path: string, cmd: string): TaskPlan => ({ name, path, args: { cmd }, hosts: two(10) });
    // same line, other name
    expect(pairs([at('Restart app', '/srv/site.yml:10', 'a')], [at('Restart the app', '/srv/site.yml:10', 'b')])).toEqual([
      'Restart app → Restart the app (renamed)',
    ]);
    // moved and renamed, same args
    expect(pairs([at('Restart app', '/srv/site.yml:10', 'a')], [at('Restart the app', '/srv/site.yml:14', 'a')])).toEqual([
      'Restart app → Restart the app (renamed)',
    ]);
    // moved, renamed and other args: nothing says it is the same task
    expect(pairs([at('Restart app', '/srv/site.yml:10', 'a')], [at('Restart the app', '/srv/site.yml:14', 'b')])).toEqual([
      '- → Restart the app',
      'Restart app → -',
    ]);
  });

  it('a rename is matched only in the same scopes and with the same action', () => {
    const base = [{ name: 'A', path: '/srv/x.yml:3', scopes: [role('web')], hosts: two(10) }];
    expect(pairs(base, [{ name: 'B', path: '/srv/x.yml:3', scopes: [role('db')], hosts: two(10) }])).toEqual(['- → B', 'A → -']);
    expect(pairs(base, [{ name: 'B', path: '/srv/x.yml:3', scopes: [role('web')], action: 'ansible.builtin.shell', hosts: two(10) }])).toEqual([
      '- → B',
      'A → -',
    ]);
  });

  it('reports a renamed task with its old name, compared like any other', () => {
    const base = modelRun('base', [{ name: 'Old', path: '/srv/site.yml:5', hosts: two(100) }]).digest;
    const next = modelRun('next', [{ name: 'New', path: '/srv/site.yml:5', hosts: two(2_000) }]).digest;
    const c = compareRuns(base, next);
    expect(c.renamed.map((t) => [t.was, t.name])).toEqual([['Old', 'New']]);
    expect(c.slower.map((t) => t.name)).toEqual(['New']);
  });
});
