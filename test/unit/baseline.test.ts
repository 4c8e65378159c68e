// What changed since the baseline (src/analysis/compare.ts, baseline.ts) on generated runs with
// answers worked out by hand, and the run history on disk (src/history/history-store.ts).
import { appendFileSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { baselineLines } from '../../src/analysis/compare-text.js';
import { compareRuns, DEFAULT_THRESHOLDS } from '../../src/analysis/compare.js';
import { DIGEST_MAX_HOST_RESULTS, DigestRecorder, type RunDigest } from '../../src/analysis/run-digest.js';
import { keyId, runKey } from '../../src/analysis/run-key.js';
import { autoBaseline } from '../../src/history/baseline-source.js';
import { HistoryStore } from '../../src/history/history-store.js';
import { modelRun, type TaskPlan } from '../helpers/digest-runs.js';

/** A playbook of three tasks on h1 and h2: `install` ms each, `write` changed on the hosts listed, `migrate` always changed. */
function plan(install: number, o: { changedOn?: string[]; failOn?: string[]; migrateArgs?: string } = {}): TaskPlan[] {
  const host = (h: string, ms: number, changed: boolean) => ({ ms, changed, status: o.failOn?.includes(h) ? ('failed' as const) : ('ok' as const) });
  return [
    { name: 'Install packages', args: { cmd: 'sleep' }, hosts: { h1: host('h1', install, false), h2: host('h2', install + 5, false) } },
    {
      name: 'Write the config',
      args: { dest: 'x' },
      hosts: { h1: host('h1', 20, !!o.changedOn?.includes('h1')), h2: host('h2', 20, !!o.changedOn?.includes('h2')) },
    },
    { name: 'Run the migration', args: { cmd: o.migrateArgs ?? 'true' }, hosts: { h1: host('h1', 20, true), h2: host('h2', 20, true) } },
  ];
}

const tmp = (): string => mkdtempSync(join(tmpdir(), 'otel-history-'));

describe('compareRuns', () => {
  const a1 = modelRun('a1', plan(300, { changedOn: ['h1', 'h2'] }), { startMs: 0 }).digest;
  const a2 = modelRun('a2', plan(300), { startMs: 10_000 }).digest;
  const b = modelRun('b', plan(3_000, { changedOn: ['h2'] }), { startMs: 20_000 }).digest;

  it('names the slower task with its usual time, ratio and slowest host; drift on the host that changed; the task changed in 3 runs in a row', () => {
    const c = compareRuns(a2, b, [a1, a2]);
    expect(c.slower.map((t) => [t.name, t.next?.maxNs, t.usualNs, t.slowestHost])).toEqual([['Install packages', 3_005e6, 305e6, 'h2']]);
    expect(c.drift.map((t) => [t.name, t.drift])).toEqual([['Write the config', ['h2']]]);
    expect(c.notIdempotent.map((t) => [t.name, t.changedRuns])).toEqual([['Run the migration', 3]]);
    expect([c.regressed, c.regressions]).toEqual([true, ['slower']]);
    expect(baselineLines(c).slice(1)).toEqual([
      'slower: Install packages: 3.00s vs usual 305ms (9.9×), slowest on h2',
      'drift: Write the config changed on h2, where the baseline did not',
      'not idempotent: Run the migration changed on each of the last 3 runs with the same args',
    ]);
  });

  it('two runs of a task that changed are not yet "every run"; other args break the streak', () => {
    expect(compareRuns(a2, b, [a2]).notIdempotent).toEqual([]);
    const other = modelRun('c', plan(300, { migrateArgs: 'other' }), { startMs: 30_000 }).digest;
    const c = compareRuns(a2, other, [a1, a2]);
    expect(c.notIdempotent).toEqual([]);
    expect(c.tasks.find((t) => t.name === 'Run the migration')?.changedRuns).toBe(1);
  });

  it('new failures and fixed hosts; what counts as a regression is --fail-on', () => {
    const failing = modelRun('f', plan(300, { failOn: ['h1'] }), { startMs: 30_000 }).digest;
    const c = compareRuns(a2, failing);
    expect(c.newFailures.map((t) => [t.name, t.newlyFailed])).toEqual([
      ['Install packages', ['h1']],
      ['Write the config', ['h1']],
      ['Run the migration', ['h1']],
    ]);
    expect(c.regressions).toEqual(['failed']);
    expect(compareRuns(failing, a2).fixed.map((t) => t.fixed)).toEqual([['h1'], ['h1'], ['h1']]);
    expect(compareRuns(a2, failing, [], { ...DEFAULT_THRESHOLDS, failOn: ['slower'] }).regressed).toBe(false);
  });

  it('a change below --slower-by or --slower-ratio is noise', () => {
    const bit = modelRun('n', plan(900), { startMs: 30_000 }).digest; // 3× but +600 ms
    expect(compareRuns(a2, bit).slower).toEqual([]);
    expect(compareRuns(a2, bit, [], { ...DEFAULT_THRESHOLDS, slowerByNs: 0.5e9 }).slower.map((t) => t.name)).toEqual(['Install packages']);
    expect(compareRuns(a2, bit, [], { ...DEFAULT_THRESHOLDS, slowerByNs: 0.5e9, slowerRatio: 4 }).slower).toEqual([]);
  });

  it('with 5 earlier runs a task is slower only above its own p90: a task that is sometimes slow is not news', () => {
    // earlier runs: 1 s, 1 s, 1 s, 1 s, 4 s (p90 4 s, median 1 s); the baseline is the 1 s one
    const history = [1_000, 1_000, 1_000, 4_000, 1_000].map((ms, i) => modelRun(`h${i}`, plan(ms), { startMs: i * 10_000 }).digest);
    const base = history.at(-1) as RunDigest;
    const at = (ms: number) => compareRuns(base, modelRun('x', plan(ms), { startMs: 60_000 }).digest, history);
    const within = at(3_500).tasks[0];
    expect([within?.slower, within?.usualNs, within?.p90Ns]).toEqual([false, 1_005e6, 4_005e6]);
    expect(at(3_500).slower).toEqual([]);
    expect(at(6_000).slower.map((t) => [t.name, t.usualNs, t.p90Ns])).toEqual([['Install packages', 1_005e6, 4_005e6]]);
    // with 4 earlier runs the baseline alone decides
    expect(compareRuns(base, modelRun('y', plan(3_500), { startMs: 60_000 }).digest, history.slice(1)).slower.map((t) => t.name)).toEqual(['Install packages']);
  });
});

describe('run --baseline, live', () => {
  it('links the root and each task span to the baseline spans, and sets the ratio and changes_every_run', () => {
    const a1 = modelRun('a1', plan(300, { changedOn: ['h1', 'h2'] }), { startMs: 0 }).digest;
    const a2 = modelRun('a2', plan(300), { startMs: 10_000 }).digest;
    const b = modelRun('b', plan(3_000, { changedOn: ['h2'] }), {
      startMs: 20_000,
      baseline: () => ({ base: a2, history: [a1, a2], thresholds: DEFAULT_THRESHOLDS }),
    });
    const root = b.writer.one('RUN site.yml');
    expect(root.links).toEqual([{ traceId: a2.traceId, spanId: a2.rootSpanId, attributes: { 'ansible.link.type': 'baseline' } }]);
    const install = b.writer.one('Install packages');
    expect(install.links).toEqual([{ traceId: a2.traceId, spanId: a2.tasks[0]?.spanId, attributes: { 'ansible.link.type': 'baseline' } }]);
    expect(install.attributes['ansible.task.baseline.ratio']).toBeCloseTo(3_005 / 305, 2);
    expect(b.writer.one('Run the migration').attributes['ansible.task.changes_every_run']).toBe(true);
    expect(b.writer.one('Write the config').attributes['ansible.task.changes_every_run']).toBeUndefined();
    expect(b.baseline?.comparison?.slower.map((t) => t.name)).toEqual(['Install packages']);
  });

  it('without a baseline the run says why, and its spans have no links', () => {
    const b = modelRun('b', plan(300), { baseline: () => 'no earlier successful run' });
    expect(b.baseline).toEqual({ missing: 'no earlier successful run' });
    expect(b.writer.spans.flatMap((s) => s.links)).toEqual([]);
  });
});

describe('the run key', () => {
  it('is the playbook, inventories, limit, tags and check mode; -e values and other options are not in it', () => {
    const argv = ['ansible-playbook', '-i', 'inv.ini', '--limit=web', '-t', 'b,a', '--skip-tags', 'slow', '-e', '<redacted>', '-f', '10', 'site.yml'];
    expect(runKey('/srv/site.yml', argv, '/srv', true)).toEqual({
      playbook: '/srv/site.yml',
      inventory: ['/srv/inv.ini'],
      limit: 'web',
      tags: ['a', 'b'],
      skipTags: ['slow'],
      check: true,
    });
    const same = runKey(
      '/srv/site.yml',
      ['ansible-playbook', '-iinv.ini', '-l', 'web', '--tags', 'a', '-t', 'b', '--skip-tags=slow', 'site.yml'],
      '/srv',
      true,
    );
    expect(keyId(same)).toBe(keyId(runKey('/srv/site.yml', argv, '/srv', true)));
    expect(keyId(runKey('/srv/site.yml', argv, '/srv', false))).not.toBe(keyId(same));
  });
});

describe('the run history on disk', () => {
  const warnings: string[] = [];
  const store = (dir: string, runs = 20) => new HistoryStore(dir, (_key, m) => warnings.push(m), { runs, maxBytes: 64 << 20 });

  it('appends one 0600 file per key in a 0700 directory, and auto takes the last successful run', async () => {
    const dir = join(tmp(), 'history');
    const s = store(dir);
    const a1 = modelRun('a1', plan(300), { startMs: 0 }).digest;
    const a2 = modelRun('a2', plan(400), { startMs: 10_000 }).digest;
    await s.append(a1);
    await s.append({ ...a2, result: 'failure' });
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const file = join(dir, `${a1.keyId}.jsonl`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(s.runs(a1.keyId as string).map((d) => d.runId)).toEqual(['a1', 'a2']);
    const found = autoBaseline(s, DEFAULT_THRESHOLDS)({ playbookPath: '/srv/site.yml', playbook: 'site.yml', key: a1.key });
    expect(typeof found === 'object' && [found.base.runId, found.history.length]).toEqual(['a1', 2]);
  });

  it('holds no argument value: only a digest of the args the sidecar received', async () => {
    const dir = tmp();
    const d = modelRun('s', [{ name: 'Secret', args: { password: 'hunter2-value' }, hosts: { h1: { ms: 10 } } }]).digest;
    await store(dir).append(d);
    const text = readFileSync(join(dir, `${d.keyId}.jsonl`), 'utf8');
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('password');
    expect(d.tasks[0]?.args).toMatch(/^[0-9a-f]{16}$/);
  });

  it('skips a torn last line and a corrupted line with one warning, and the next append starts a line of its own', async () => {
    const dir = tmp();
    const s = store(dir);
    const runs = [0, 1, 2].map((i) => modelRun(`r${i}`, plan(300), { startMs: i * 10_000 }).digest);
    await s.append(runs[0] as RunDigest);
    const file = join(dir, `${runs[0]?.keyId}.jsonl`);
    appendFileSync(file, '{"v":1,"garbage\n');
    await s.append(runs[1] as RunDigest);
    // what a crash halfway through an append leaves: half a record, no newline
    const line = JSON.stringify(runs[2]);
    appendFileSync(file, line.slice(0, line.length / 2));
    warnings.length = 0;
    expect(s.runs(runs[0]?.keyId as string).map((d) => d.runId)).toEqual(['r0', 'r1']);
    expect(warnings).toEqual([expect.stringMatching(/2 lines could not be read \(torn by a crash mid-append, or corrupted\): skipped$/)]);
    await s.append(runs[2] as RunDigest);
    expect(
      store(dir)
        .runs(runs[0]?.keyId as string)
        .map((d) => d.runId),
    ).toEqual(['r0', 'r1', 'r2']);
  });

  it('keeps the last runs of a key, and the directory under its cap', async () => {
    const dir = tmp();
    const s = store(dir, 3);
    const runs = Array.from({ length: 8 }, (_, i) => modelRun(`r${i}`, plan(300), { startMs: i * 10_000 }).digest);
    for (const d of runs) await s.append(d);
    const key = runs[0]?.keyId as string;
    expect(s.runs(key).map((d) => d.runId)).toEqual(['r5', 'r6', 'r7']);
    expect(
      readFileSync(join(dir, `${key}.jsonl`), 'utf8')
        .trim()
        .split('\n').length,
    ).toBeLessThanOrEqual(6);
    // another key fills the directory past a small cap: the older file goes, the new one stays
    const size = statSync(join(dir, `${key}.jsonl`)).size;
    const small = new HistoryStore(dir, () => {}, { runs: 3, maxBytes: size + 10 });
    const other = modelRun('o', plan(300), { argv: ['ansible-playbook', '-i', 'other.ini', 'site.yml'] }).digest;
    writeFileSync(join(dir, 'note.txt'), 'not a history file');
    await small.append(other);
    expect(small.all().map((d) => d.runId)).toEqual(['o']);
  });
});

describe('a digest is bounded', () => {
  it('holds at most DIGEST_MAX_HOST_RESULTS host results; a bigger run is marked too large, and the history keeps no record of it', async () => {
    const digests: RunDigest[] = [];
    const r = new DigestRecorder({}, (d) => digests.push(d));
    const traceId = 't'.repeat(32);
    r.playbookStart({ traceId, runId: 'big', playbook: 'big.yml', playbookPath: '/srv/big.yml', rootSpanId: 'r', startNs: 0 } as any);
    const perTask = 50_000;
    const tasks = Math.ceil(DIGEST_MAX_HOST_RESULTS / perTask) + 1;
    for (let t = 0; t < tasks; t++) {
      r.taskStart({ traceId, play: 'p', task: `task ${t}`, spanId: `s${t}`, taskUuid: `u${t}`, startNs: t * 10 } as any);
      for (let h = 0; h < perTask; h++)
        r.hostResult({ traceId, taskSpanId: `s${t}`, taskUuid: `u${t}`, host: `h${h}`, status: 'ok', startNs: t * 10, endNs: t * 10 + 5 } as any);
    }
    r.playbookEnd({ traceId, startNs: 0, endNs: tasks * 10, result: 'success' } as any);
    const [d] = digests;
    expect(d?.tooLarge).toBe(true);
    const held = (d as RunDigest).tasks.reduce((n, t) => n + Object.keys(t.hosts).length, 0);
    expect(held).toBe(DIGEST_MAX_HOST_RESULTS);
    // every task still has its duration: only host entries past the bound are left out
    expect((d as RunDigest).tasks.map((t) => t.durationNs)).toEqual(Array.from({ length: tasks }, () => 5));
    const warnings: string[] = [];
    const dir = mkdtempSync(join(tmpdir(), 'otel-history-'));
    const store = new HistoryStore(dir, (_key, m) => warnings.push(m));
    await store.append(d as RunDigest);
    expect(store.runs(d?.keyId ?? 'unkeyed')).toEqual([]);
    expect(warnings).toEqual(['run history: big.yml had more host results than a record holds: not kept']);
  });
});
