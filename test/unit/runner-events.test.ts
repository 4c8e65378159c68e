// The pure ansible-runner job events → frames conversion, on small hand-written event lists.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isoToNs } from '../../src/ingest/runner/event-fields.js';
import { runnerEventsToFrames, runnerRunId, type RunnerEvent } from '../../src/ingest/runner/events.js';
import { redactArgv } from '../../src/ingest/runner/results.js';
import { CENSORED, CENSORED_LABEL, MODULE_RESULT_KEYS } from '../../src/protocol/schema.js';
import { RunModel } from '../../src/model/run-model.js';
import { decodeFrame } from '../../src/protocol/decode.js';
import type { Frame, FrameOf } from '../../src/protocol/frames.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { pathOf } from '../helpers/recorded-run.js';
import { ROOT } from '../helpers/sidecar-run.js';

const PB = 'pb-uuid';
const PLAY = 'play-0001';
let counter = 0;
let clock = Date.parse('2026-01-01T00:00:00Z');

/** One event, `created` a millisecond after the one before (UTC, no zone, as ansible-runner writes it). */
function ev(event: string, data: Record<string, unknown> = {}, extra: Partial<RunnerEvent> = {}): RunnerEvent {
  counter += 1;
  clock += 1;
  return {
    event,
    counter,
    uuid: `e${counter}`,
    created: new Date(clock).toISOString().replace('Z', '000'),
    event_data: { playbook: 'site.yml', playbook_uuid: PB, ...data },
    ...extra,
  };
}
const iso = (ms: number): string => new Date(ms).toISOString().replace('Z', '');
const task = (uuid: string, name: string, more: Record<string, unknown> = {}, play = PLAY) =>
  ev('playbook_on_task_start', {
    play: 'Deploy',
    play_uuid: play,
    task: name,
    name,
    task_uuid: uuid,
    task_action: 'ansible.builtin.command',
    task_path: '/p/site.yml:3',
    ...more,
  });
/** runner_on_start + a result, with event_data start/end around it. */
function hostRun(result: string, uuid: string, host: string, res: Record<string, unknown>, more: Record<string, unknown> = {}, play = PLAY): RunnerEvent[] {
  const start = ev('runner_on_start', { play_uuid: play, task_uuid: uuid, host });
  const startMs = clock;
  return [
    start,
    ev(result, {
      play_uuid: play,
      task_uuid: uuid,
      host,
      res,
      start: iso(startMs),
      end: iso(startMs + 2),
      resolved_action: 'ansible.builtin.command',
      ...more,
    }),
  ];
}
const stats = (s: Record<string, Record<string, number>>) =>
  ev('playbook_on_stats', { changed: {}, dark: {}, failures: {}, ignored: {}, ok: {}, processed: {}, rescued: {}, skipped: {}, ...s });
const of = <T extends Frame['t']>(frames: Frame[], t: T): FrameOf<T>[] => frames.filter((f): f is FrameOf<T> => f.t === t);

function model(frames: Frame[]): MemoryWriter {
  const w = new MemoryWriter();
  const m = new RunModel(w, frames[0]!.run);
  for (const f of frames) m.apply(f);
  m.finish();
  return w;
}

describe('runnerEventsToFrames', () => {
  it('turns one small playbook into the frame sequence of a live run', () => {
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'Deploy', play_uuid: PLAY, play_pattern: 'web' }),
      task('t1', 'Run it'),
      ...hostRun('runner_on_ok', 't1', 'h1', {
        changed: true,
        rc: 0,
        stdout: 'x'.repeat(5000),
        invocation: { module_args: { password: 'p' } },
        cmd: ['x'],
        results: [1, 2],
      }),
      stats({ ok: { h1: 1 }, changed: { h1: 1 }, processed: { h1: 1 } }),
    ];
    const frames = runnerEventsToFrames(events.reverse(), { ident: 'abc', command: ['ansible-playbook', '-e', 'token=1', 'site.yml'], cwd: '/p' });
    expect(frames.map((f) => f.t)).toEqual(['hello', 'playbook_start', 'play_start', 'task_start', 'host_start', 'host_result', 'stats', 'bye']);
    expect(frames.map((f) => f.seq)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(new Set(frames.map((f) => f.run))).toEqual(new Set([runnerRunId('abc')]));
    for (const f of frames) expect(decodeFrame(JSON.stringify(f))).toEqual(f);
    expect(of(frames, 'hello')[0]!.argv).toEqual(['ansible-playbook', '-e', '<redacted>', 'site.yml']);
    expect(of(frames, 'playbook_start')[0]).toMatchObject({ path: '/p/site.yml', name: 'site.yml' });
    const result = of(frames, 'host_result')[0]!;
    expect(result).toMatchObject({ task: 't1', host: 'h1', status: 'ok', changed: true, ignored: false, rescued: false, action: 'ansible.builtin.command' });
    expect(Object.keys(result.res!).sort()).toEqual(['changed', 'rc', 'results_count', 'stdout']);
    expect(result.res!.stdout).toMatch(/^x{4096}…\[truncated 904 bytes\]$/);
    const [start, host] = [of(frames, 'host_start')[0]!, result];
    expect(Math.abs(host.ts - start.ts - 2_000_000)).toBeLessThan(1000); // event_data.start → end (ns as JSON numbers: ~256 ns steps)
    expect(of(frames, 'stats')[0]!.hosts).toEqual({ h1: { ok: 1, changed: 1, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 } });
  });

  it('strips the _N suffix of serial batches so both batches share one play span', () => {
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'Roll', play_uuid: PLAY }),
      task('t1', 'Step'),
      ...hostRun('runner_on_ok', 't1', 'h1', {}),
      ev('playbook_on_play_start', { play: 'Roll', play_uuid: `${PLAY}_2` }, { uuid: `${PLAY}_2` }),
      task('t1', 'Step', { play_uuid: `${PLAY}_2` }, `${PLAY}_2`),
      ...hostRun('runner_on_ok', 't1', 'h2', {}, {}, `${PLAY}_2`),
      stats({ ok: { h1: 1, h2: 1 } }),
    ];
    const frames = runnerEventsToFrames(events, { ident: 'serial' });
    expect(of(frames, 'play_start').map((f) => f.play)).toEqual([PLAY, PLAY]);
    const w = model(frames);
    const plays = w.spans.filter((s) => s.name === 'Roll');
    expect(plays).toHaveLength(1);
    expect(w.spans.filter((s) => s.name === 'Step').map((s) => s.parent)).toEqual([plays[0], plays[0]]);
  });

  it('keeps nothing but the censored marker of no_log results, items and retries', () => {
    const censored = { censored: CENSORED, changed: true, stdout: 'SECRET' };
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'P', play_uuid: PLAY }),
      task('t1', 'Secret'),
      ev('runner_on_start', { play_uuid: PLAY, task_uuid: 't1', host: 'h1' }),
      ev('runner_retry', { task_uuid: 't1', host: 'h1', res: { ...censored, attempts: 1, retries: 4 } }),
      ev('runner_item_on_ok', { task_uuid: 't1', host: 'h1', res: censored }),
      ev('runner_on_ok', { task_uuid: 't1', host: 'h1', res: censored }),
      ev('runner_on_ok', { task_uuid: 't1', host: 'h2', res: { msg: 'SECRET', _ansible_no_log: true } }),
    ];
    const frames = runnerEventsToFrames(events, { ident: 'x' });
    const text = JSON.stringify(frames);
    expect(text).not.toContain('SECRET');
    expect(of(frames, 'retry')[0]).toMatchObject({ attempt: 1, retries: 4, no_log: true, res: { censored: CENSORED } });
    expect(of(frames, 'item_result')[0]).toMatchObject({ label: '(censored due to no_log)', no_log: true });
    for (const r of of(frames, 'host_result')) expect(r.res).toEqual({ censored: CENSORED });
    expect(of(frames, 'host_result')[0]!.changed).toBe(true);
  });

  it("numbers retries per host and loop item itself: ansible-core's attempts differ between versions", () => {
    const retry = (host: string, attempts: number) => ev('runner_retry', { task_uuid: 't1', host, res: { attempts, retries: 4 } });
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'P', play_uuid: PLAY }),
      task('t1', 'Until'),
      // 2.22 reports the attempt about to run (2, 3); up to 2.19 the one that failed (1, 2)
      retry('h1', 2),
      retry('h2', 1),
      retry('h1', 3),
      ev('runner_item_on_ok', { task_uuid: 't1', host: 'h1', res: { item: 'a', attempts: 3 } }),
      retry('h1', 2),
      ev('runner_on_ok', { task_uuid: 't1', host: 'h1', res: { attempts: 2 } }),
      ev('runner_on_ok', { task_uuid: 't1', host: 'h2', res: { attempts: 2 } }),
    ];
    const frames = runnerEventsToFrames(events, { ident: 'x' });
    expect(of(frames, 'retry').map((f) => [f.host, f.attempt, f.retries])).toEqual([
      ['h1', 1, 4],
      ['h2', 1, 4],
      ['h1', 2, 4],
      ['h1', 1, 4],
    ]);
  });

  it('marks ignored failures, and a failure the host got past as rescued as far as the stats allow', () => {
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'P', play_uuid: PLAY }),
      task('t1', 'Ignore'),
      ...hostRun('runner_on_failed', 't1', 'h1', { rc: 2, msg: 'boom' }, { ignore_errors: true }),
      task('t2', 'Break in block'),
      ...hostRun('runner_on_failed', 't2', 'h1', { rc: 1 }),
      task('t3', 'Recover'),
      ...hostRun('runner_on_ok', 't3', 'h1', {}),
      task('t4', 'Fail for real'),
      ...hostRun('runner_on_failed', 't4', 'h1', { msg: 'no' }),
      stats({ failures: { h1: 1 }, ignored: { h1: 1 }, rescued: { h1: 1 } }),
    ];
    const results = of(runnerEventsToFrames(events, { ident: 'x' }), 'host_result');
    expect(results.map((r) => [r.task, r.status, r.ignored, r.rescued])).toEqual([
      ['t1', 'failed', true, false],
      ['t2', 'failed', false, true],
      ['t3', 'ok', false, false],
      ['t4', 'failed', false, false],
    ]);
  });

  it("gives async polls the task the host started, not ansible-core's async_status task", () => {
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'P', play_uuid: PLAY }),
      task('t1', 'Background'),
      ev('runner_on_start', { task_uuid: 't1', host: 'h1' }),
      ev('runner_on_async_poll', { task_uuid: 'poller', task: 'async_status', host: 'h1', res: { ansible_job_id: 'j1', finished: 0, started: 1 } }),
      ev('runner_on_async_ok', { task_uuid: 't1', host: 'h1', res: { ansible_job_id: 'j1', finished: 1, rc: 0 } }),
      ev('runner_on_ok', { task_uuid: 't1', host: 'h1', res: { ansible_job_id: 'j1' } }),
    ];
    const frames = runnerEventsToFrames(events, { ident: 'x' });
    expect(of(frames, 'async_poll')[0]).toMatchObject({ task: 't1', host: 'h1', job: 'j1', res: { ansible_job_id: 'j1', finished: 0 } });
    expect(of(frames, 'async_ok')[0]).toMatchObject({ task: 't1', job: 'j1' });
  });

  it('rebuilds role and include scopes: roles, include_role, a second import of the same role, include_tasks, handlers', () => {
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'P', play_uuid: PLAY }),
      task('r1', 'web : Install', { role: 'web', task_path: '/p/roles/web/tasks/main.yml:1' }),
      ...hostRun('runner_on_ok', 'r1', 'h1', {}),
      ev('playbook_on_notify', { task_uuid: 'r1', host: 'h1', handler: 'web : Restart' }),
      task('t1', 'Include tasks', { task_action: 'ansible.builtin.include_tasks', task_path: '/p/site.yml:9' }),
      ...hostRun('runner_on_ok', 't1', 'h1', {}),
      ev('playbook_on_include', { task_uuid: 't1', included_file: '/p/steps/more.yml' }, { stdout: 'included: /p/steps/more.yml for h1' }),
      task('i1', 'Step one', { task_path: '/p/steps/more.yml:1' }),
      ...hostRun('runner_on_ok', 'i1', 'h1', {}),
      task('t2', 'Include role', { task_action: 'ansible.builtin.include_role', task_path: '/p/site.yml:12' }),
      ...hostRun('runner_on_ok', 't2', 'h1', {}),
      task('l1', 'lister : List', { role: 'lister', task_path: '/p/roles/lister/tasks/main.yml:1' }),
      ...hostRun('runner_on_ok', 'l1', 'h1', {}),
      task('l1', 'lister : List', { role: 'lister', task_path: '/p/roles/lister/tasks/main.yml:1' }),
      ...hostRun('runner_on_ok', 'l1', 'h1', {}),
      task('hd', 'web : Restart', { role: 'web', is_conditional: true, task_path: '/p/roles/web/handlers/main.yml:1' }),
      ...hostRun('runner_on_ok', 'hd', 'h1', {}),
      stats({ ok: { h1: 7 } }),
    ];
    const frames = runnerEventsToFrames(events, { ident: 'x' });
    const starts = of(frames, 'task_start');
    expect(starts.map((t) => [t.name, t.handler, (t.scopes ?? []).map((s) => `${s.kind}:${s.name}:${s.via}`)])).toEqual([
      ['web : Install', false, ['role:web:roles']],
      ['Include tasks', false, []],
      ['Step one', false, ['include:steps/more.yml:include_tasks']],
      ['Include role', false, []],
      ['lister : List', false, ['role:lister:include_role']],
      ['lister : List', false, ['role:lister:import_role']],
      ['web : Restart', true, ['role:web:roles']],
    ]);
    expect(starts[4]!.scopes![0]!.id).toBe('t2');
    expect(starts[6]!.scopes![0]!.id).toBe(starts[0]!.scopes![0]!.id);
    expect(of(frames, 'include')[0]).toMatchObject({ task: 't1', file: '/p/steps/more.yml', hosts: ['h1'] });
    expect(of(frames, 'notify')[0]).toMatchObject({ handler: 'web : Restart', host: 'h1' });
    const w = model(frames);
    expect(w.spans.filter((s) => s.name === 'List').map((s) => pathOf(s).join(' > '))).toEqual([
      'RUN site.yml > P > role lister > List',
      'RUN site.yml > P > role lister > List',
    ]);
    expect(new Set(w.spans.filter((s) => s.name === 'List').map((s) => s.parent))).toHaveProperty('size', 2);
    expect(pathOf(w.spans.find((s) => s.name === 'Step one')!).join(' > ')).toBe('RUN site.yml > P > include steps/more.yml > Step one');
  });

  it('on ansible-core 2.19: an include_role announced by playbook_on_include and its tasks under their own uuids still make two role instances', () => {
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'P', play_uuid: PLAY }),
      task('t2', 'Include role', { task_action: 'ansible.builtin.include_role', task_path: '/p/site.yml:12' }),
      ...hostRun('runner_on_ok', 't2', 'h1', {}),
      ev('playbook_on_include', { task_uuid: 't2', included_file: 'lister' }, { stdout: 'included: lister for h1' }),
      task('l9', 'lister : List', { role: 'lister', task_path: '/p/roles/lister/tasks/main.yml:1' }),
      ...hostRun('runner_on_ok', 'l9', 'h1', {}),
      task('l1', 'lister : List', { role: 'lister', task_path: '/p/roles/lister/tasks/main.yml:1' }),
      ...hostRun('runner_on_ok', 'l1', 'h1', {}),
      task('t3', 'After', { task_path: '/p/site.yml:20' }),
      ...hostRun('runner_on_ok', 't3', 'h1', {}),
      stats({ ok: { h1: 4 } }),
    ];
    const frames = runnerEventsToFrames(events, { ident: 'x' });
    expect(of(frames, 'task_start').map((t) => [t.name, (t.scopes ?? []).map((s) => `${s.kind}:${s.name}:${s.via}`)])).toEqual([
      ['Include role', []],
      ['lister : List', ['role:lister:include_role']],
      ['lister : List', ['role:lister:import_role']],
      ['After', []],
    ]);
    expect(of(frames, 'include')[0]).toMatchObject({ task: 't2', file: 'lister', hosts: ['h1'] });
    expect(
      new Set(
        model(frames)
          .spans.filter((s) => s.name === 'List')
          .map((s) => s.parent),
      ),
    ).toHaveProperty('size', 2);
  });

  it('ends a run without playbook_on_stats as interrupted: no stats, no bye', () => {
    const events = [
      ev('playbook_on_start'),
      ev('playbook_on_play_start', { play: 'P', play_uuid: PLAY }),
      task('t1', 'Long'),
      ev('runner_on_start', { task_uuid: 't1', host: 'h1' }),
    ];
    const frames = runnerEventsToFrames(events, { ident: 'cut' });
    expect(frames.map((f) => f.t)).toEqual(['hello', 'playbook_start', 'play_start', 'task_start', 'host_start']);
    const root = model(frames).spans.find((s) => s.name === 'RUN site.yml')!;
    expect(root.attributes['ansible.run.interrupted']).toBe(true);
    expect(root.status?.code).toBe('error');
  });
});

describe('helpers', () => {
  it('reads ansible-runner times (UTC, microseconds, no zone) as ns', () => {
    expect(isoToNs('2026-11-23T21:02:57.525569')).toBe(Date.parse('2026-11-23T21:02:57.525Z') * 1e6 + 569_000);
    expect(isoToNs('2026-11-23T21:02:57+01:00')).toBe(Date.parse('2026-11-23T20:02:57Z') * 1e6);
    expect(isoToNs('yesterday')).toBeUndefined();
  });

  it('redacts -e values but keeps @file references', () => {
    expect(redactArgv(['ansible-playbook', '-e', '@vars.yml', '--extra-vars=a=1', '-eb=2', 'https://u:p@git.example/x'])).toEqual([
      'ansible-playbook',
      '-e',
      '@vars.yml',
      '--extra-vars=<redacted>',
      '-e<redacted>',
      'https://git.example/x',
    ]);
  });
});

describe('the protocol knowledge the shim and the import share', () => {
  // The shim is one stdlib-only file and keeps its own copies: they must say what the schema says.
  const shim = readFileSync(join(ROOT, 'plugin', 'otel_sidecar.py'), 'utf8');
  // a Python string literal without escapes, in either quotes
  const pyString = (name: string): string | undefined => new RegExp(`^${name} = (["'])(.*)\\1$`, 'm').exec(shim)?.[2];

  it("forwards the schema's module result keys, as the shim does", () => {
    const keys = /^_RES_KEYS = \(([^)]*)\)/m
      .exec(shim)?.[1]
      ?.match(/'([a-z_]+)'/g)
      ?.map((k) => k.slice(1, -1));
    expect(keys?.sort()).toEqual([...MODULE_RESULT_KEYS].sort());
    expect(MODULE_RESULT_KEYS).toContain('module_stderr');
  });

  it("censors with the schema's notice and label, as the shim does", () => {
    expect(pyString('CENSORED')).toBe(CENSORED);
    expect(pyString('CENSORED_LABEL')).toBe(CENSORED_LABEL);
  });

  it("keeps a crashed module's traceback (module_stderr: ansible-core 2.19's only copy of it)", () => {
    const [, , , hostResult] = runnerEventsToFrames(
      [
        { event: 'playbook_on_start', counter: 1, event_data: { playbook: 'p.yml' } },
        { event: 'playbook_on_task_start', counter: 2, event_data: { task_uuid: 't1', name: 'crash', task_action: 'crash_me' } },
        {
          event: 'runner_on_failed',
          counter: 3,
          event_data: {
            task_uuid: 't1',
            host: 'h1',
            res: { msg: 'Module result deserialization failed', exception: '(traceback unavailable)', module_stderr: 'Traceback …\nRuntimeError: boom' },
          },
        },
      ],
      { ident: 'x' },
    );
    expect(hostResult).toMatchObject({ t: 'host_result', res: { module_stderr: 'Traceback …\nRuntimeError: boom' } });
  });
});
