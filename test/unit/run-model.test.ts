import { describe, expect, it } from 'vitest';
import { RunModel, type RunModelOptions } from '../../src/model/run-model.js';
import { MemoryWriter, type MemorySpan } from '../helpers/memory-writer.js';
import { stream } from '../helpers/frames.js';
import { expectWellFormed } from '../helpers/well-formed.js';
import type { Frame } from '../../src/protocol/frames.js';

function play(frames: Frame[], finish = true, options: RunModelOptions = {}): { w: MemoryWriter; model: RunModel<MemorySpan> } {
  const w = new MemoryWriter();
  const model = new RunModel(w, 'run-1', {}, options);
  for (const f of frames) model.apply(f);
  if (finish) model.finish();
  return { w, model };
}

const hello = { t: 'hello', ansible_version: '2.14.18', hostname: 'ctl', user: 'ci', check: false, diff: false, traceparent: null } as const;

function basicRun(result: Record<string, unknown>, extra: Record<string, unknown>[] = []): Frame[] {
  return stream([
    hello,
    { t: 'playbook_start', path: '/srv/site.yml', name: 'site.yml' },
    { t: 'play_start', play: 'p1', name: 'Deploy', hosts: ['web'] },
    { t: 'task_start', task: 't1', name: 'Install', action: 'apt', args: { name: 'nginx' } },
    { t: 'host_start', task: 't1', host: 'web1' },
    ...(extra as never[]),
    { t: 'host_result', task: 't1', host: 'web1', action: 'ansible.builtin.apt', ...result } as never,
    { t: 'stats', hosts: { web1: { ok: result.status === 'ok' ? 1 : 0, failures: result.status === 'failed' && !result.ignored && !result.rescued ? 1 : 0 } } },
    { t: 'bye', dropped: 0 },
  ]);
}

describe('run model: the span tree', () => {
  it('builds playbook → play → task → host with frame timestamps', () => {
    const frames = basicRun({ status: 'ok', changed: true, res: { msg: 'installed', rc: 0 } });
    const { w, model } = play(frames);
    const root = w.one('RUN site.yml');
    expect(root.kind).toBe('server');
    expect(root.parent).toBeUndefined();
    expect(root.startNs).toBe(frames[1]!.ts);
    expect(root.endNs).toBe(frames[6]!.ts);
    // recording-errors.md: a span that ended without an error leaves its status unset
    expect(root.status).toEqual({ code: 'unset' });
    expect(root.attributes).toMatchObject({
      'ansible.version': '2.14.18',
      'ansible.host.name': 'ctl',
      'cicd.pipeline.result': 'success',
      'cicd.pipeline.run.id': 'run-1',
      'ansible.session': 'run-1',
    });
    expect(root.attributes).not.toHaveProperty(['process.pid']);
    const playSpan = w.one('Deploy');
    expect(playSpan.parent).toBe(root);
    const task = w.one('Install');
    expect(task.parent).toBe(playSpan);
    expect(task.attributes).toMatchObject({
      'ansible.task.args.name': ['name'],
      'ansible.task.args.value': ['nginx'],
      'cicd.pipeline.task.run.result': 'success',
    });
    const host = w.one('web1');
    expect(host.parent).toBe(task);
    expect(host.startNs).toBe(frames[4]!.ts);
    expect(host.endNs).toBe(frames[5]!.ts);
    expect(host.attributes).toMatchObject({
      'ansible.task.host.status': 'changed',
      'ansible.task.module': 'ansible.builtin.apt',
      'ansible.task.message': 'installed',
      'ansible.task.result': 0,
    });
    expect(host.status?.code).toBe('unset');
    // a host span is not a task run: the cicd.pipeline.task.* keys are its task span's
    expect(Object.keys(host.attributes).filter((k) => k.startsWith('cicd.'))).toEqual([]);
    expect(model.result()).toMatchObject({ interrupted: false, hostResults: { changed: 1 }, traces: [{ playbook: 'site.yml', result: 'success' }] });
    expectWellFormed(w.spans);
  });

  it('links the root and task spans to themselves in the trace UI when ANSIBLE_OTEL_TRACE_URL is set, and has no URL otherwise', () => {
    const { w } = play(basicRun({ status: 'ok' }), true, { traceUrl: 'https://ui/trace/{trace_id}?uiFind={span_id}' });
    const root = w.one('RUN site.yml');
    const task = w.one('Install');
    expect(root.attributes['cicd.pipeline.run.url.full']).toBe(`https://ui/trace/${w.traceId(root)}?uiFind=${w.spanId(root)}`);
    expect(task.attributes['cicd.pipeline.task.run.url.full']).toBe(`https://ui/trace/${w.traceId(task)}?uiFind=${w.spanId(task)}`);
    expect(w.one('web1').attributes).not.toHaveProperty(['cicd.pipeline.task.run.url.full']);
    const plain = play(basicRun({ status: 'ok' })).w;
    expect(plain.spans.filter((s) => Object.keys(s.attributes).some((k) => k.endsWith('.url.full')))).toEqual([]);
  });

  it('sets error.type on every ERROR span: an unreachable-only play, a failed item, the scopes and hosts a cut run leaves open', () => {
    const unreachable = play(basicRun({ status: 'unreachable', res: { msg: 'ssh: connect refused' } })).w;
    expect(unreachable.one('Deploy')).toMatchObject({ status: { code: 'error' }, attributes: { 'error.type': 'unreachable' } });
    const items = play(
      basicRun({ status: 'failed', res: { msg: 'one item failed' } }, [
        { t: 'item_result', task: 't1', host: 'web1', status: 'failed', label: 'bad', res: { msg: 'no' } },
      ]),
    ).w;
    expect(items.one('bad')).toMatchObject({ status: { code: 'error' }, attributes: { 'error.type': 'failed' } });
    const cut = play(
      stream([
        hello,
        { t: 'playbook_start', path: '/srv/site.yml', name: 'site.yml' },
        { t: 'play_start', play: 'p1', name: 'Deploy', hosts: ['web'] },
        { t: 'task_start', task: 't1', name: 'Install', action: 'apt', scopes: [{ id: 'r1', kind: 'role', name: 'web', via: 'roles' }] },
        { t: 'host_start', task: 't1', host: 'web1' },
      ] as never[]),
    ).w;
    for (const s of cut.spans) expect(s.attributes['error.type'], s.name).toBe('interrupted');
    expect(cut.spans.map((s) => s.name).sort()).toEqual(['Deploy', 'Install', 'RUN site.yml', 'role web', 'web1']);
  });

  it('puts the exception of a failure on the span (default), or leaves it to the log records (exceptionEvents false)', () => {
    const failed = basicRun({ status: 'failed', res: { msg: 'boom' } });
    expect(
      play(failed)
        .w.one('web1')
        .events.map((e) => e.name),
    ).toEqual(['exception']);
    expect(play(failed, true, { exceptionEvents: false }).w.one('web1').events).toEqual([]);
  });

  it("calls a --check run's tasks tests, any other run's deploys (cicd.pipeline.task.type)", () => {
    expect(play(basicRun({ status: 'ok' })).w.one('Install').attributes['cicd.pipeline.task.type']).toBe('deploy');
    const checked = stream([{ ...hello, check: true }, ...basicRun({ status: 'ok' }).slice(1)]);
    expect(play(checked).w.one('Install').attributes['cicd.pipeline.task.type']).toBe('test');
  });

  it('marks a failure ERROR with an exception event and fails the playbook', () => {
    const { w } = play(basicRun({ status: 'failed', res: { msg: 'No package nginx', rc: 100, stderr: 'E: unable' } }));
    const host = w.one('web1');
    expect(host.status).toEqual({ code: 'error', message: 'No package nginx' });
    expect(host.events.map((e) => e.name)).toEqual(['exception']);
    expect(host.events[0]!.attributes).toMatchObject({ 'exception.message': 'No package nginx', 'exception.stacktrace': 'E: unable' });
    expect(w.one('Install').status?.code).toBe('error');
    expect(w.one('Deploy').status?.code).toBe('error');
    const root = w.one('RUN site.yml');
    expect(root.status?.code).toBe('error');
    expect(root.attributes).toMatchObject({ 'cicd.pipeline.result': 'failure', 'ansible.stats.failed_hosts': ['web1'], 'error.type': 'failed' });
  });

  it('keeps an ignored failure out of ERROR but keeps its message', () => {
    const { w } = play(basicRun({ status: 'failed', ignored: true, res: { msg: 'nope' } }));
    const host = w.one('web1');
    expect(host.status?.code).toBe('unset');
    expect(host.attributes).toMatchObject({ 'ansible.task.host.status': 'ignored', 'ansible.task.message': 'nope' });
    expect(host.attributes).not.toHaveProperty(['error.type']);
    expect(w.one('RUN site.yml').status?.code).toBe('unset');
  });

  it('makes a rescued failure ERROR on its host span only', () => {
    const { w } = play(basicRun({ status: 'failed', rescued: true, res: { msg: 'boom' } }));
    expect(w.one('web1').status?.code).toBe('error');
    expect(w.one('web1').attributes).toMatchObject({ 'ansible.task.host.status': 'rescued', 'error.type': 'rescued' });
    expect(w.one('Deploy').status?.code).toBe('unset');
    expect(w.one('Install').attributes).toMatchObject({ 'cicd.pipeline.task.run.result': 'success' });
    expect(w.one('RUN site.yml').status?.code).toBe('unset');
  });

  it('keeps the skip reason of a skipped host', () => {
    const { w } = play(basicRun({ status: 'skipped', res: { skip_reason: 'Conditional result was False' } }));
    expect(w.one('web1').status?.code).toBe('unset');
    expect(w.one('web1').attributes).toMatchObject({
      'ansible.task.host.status': 'skipped',
      'ansible.task.skip_reason': 'Conditional result was False',
    });
    expect(w.one('Install').attributes['cicd.pipeline.task.run.result']).toBe('skip');
  });

  it('turns retries into events with attempt numbers', () => {
    const { w } = play(
      basicRun({ status: 'ok' }, [
        { t: 'retry', task: 't1', host: 'web1', attempt: 1, retries: 3, res: { msg: 'not yet' } },
        { t: 'retry', task: 't1', host: 'web1', attempt: 2, retries: 3 },
      ]),
    );
    const events = w.one('web1').events.filter((e) => e.name === 'ansible.retry');
    expect(events.map((e) => e.attributes['ansible.task.attempts'])).toEqual([1, 2]);
  });
});

describe('run model: loops, async, handlers, scopes', () => {
  it('chains loop item spans: each starts where the previous ended', () => {
    const frames = basicRun({ status: 'failed', res: { msg: 'One or more items failed' } }, [
      { t: 'item_result', task: 't1', host: 'web1', status: 'ok', label: 'a' },
      { t: 'item_result', task: 't1', host: 'web1', status: 'failed', label: 'b', res: { msg: 'bad b' } },
    ]);
    const { w } = play(frames);
    const a = w.one('a');
    const b = w.one('b');
    expect(a.parent).toBe(w.one('web1'));
    expect(a.startNs).toBe(frames[4]!.ts);
    expect(b.startNs).toBe(a.endNs);
    expect(b.status).toEqual({ code: 'error', message: 'bad b' });
    expect(b.attributes['ansible.task.item.index']).toBe(1);
    expectWellFormed(w.spans);
  });

  it('correlates async polls by host and job id although each poll has a fresh task uuid', () => {
    const { w } = play(
      basicRun({ status: 'ok' }, [
        { t: 'async_poll', task: 'poll-1', host: 'web1', job: 'j1' },
        { t: 'async_poll', task: 'poll-2', host: 'web1', job: 'j1' },
        { t: 'async_ok', task: 'poll-3', host: 'web1', job: 'j1' },
      ]),
    );
    expect(w.spans.map((s) => s.name)).toEqual(['RUN site.yml', 'Deploy', 'Install', 'web1']);
    expect(w.one('web1').events.map((e) => e.name)).toEqual(['ansible.async_poll', 'ansible.async_poll', 'ansible.async_ok']);
    expect(w.one('web1').events.map((e) => e.attributes['ansible.async.attempt'])).toEqual([1, 2, undefined]);
  });

  it('puts notify on the notifying host span and marks handler tasks', () => {
    const frames = stream([
      hello,
      { t: 'playbook_start', path: '/p.yml' },
      { t: 'play_start', play: 'p1', name: 'P' },
      { t: 'task_start', task: 't1', name: 'Conf', action: 'copy' },
      { t: 'host_start', task: 't1', host: 'h' },
      { t: 'notify', handler: 'Restart', host: 'h' },
      { t: 'host_result', task: 't1', host: 'h', status: 'ok', changed: true },
      { t: 'task_start', task: 'h1', name: 'Restart', action: 'service', handler: true },
      { t: 'host_start', task: 'h1', host: 'h' },
      { t: 'host_result', task: 'h1', host: 'h', status: 'ok' },
      { t: 'stats', hosts: { h: { ok: 2 } } },
    ]);
    const { w } = play(frames);
    expect(w.named('h')[0]!.events.map((e) => e.name)).toEqual(['ansible.notify']);
    expect(w.one('Restart').attributes['ansible.task.handler']).toBe(true);
    expect(w.one('Conf').endNs).toBe(frames[6]!.ts);
    expectWellFormed(w.spans);
  });

  it('opens role and include spans around their tasks and closes them with their last task', () => {
    const role = { kind: 'role', id: 'r1', name: 'web', via: 'roles' } as const;
    const inc = { kind: 'include', id: 'inc', name: 'extra.yml', via: 'include_tasks' } as const;
    const frames = stream([
      hello,
      { t: 'playbook_start', path: '/p.yml' },
      { t: 'play_start', play: 'p1', name: 'P' },
      { t: 'task_start', task: 'a', name: 'A', scopes: [role] },
      { t: 'host_start', task: 'a', host: 'h' },
      { t: 'host_result', task: 'a', host: 'h', status: 'ok' },
      { t: 'task_start', task: 'inc', name: 'Include', scopes: [role] },
      { t: 'host_result', task: 'inc', host: 'h', status: 'ok' },
      { t: 'include', task: 'inc', file: 'extra.yml', hosts: ['h'] },
      { t: 'task_start', task: 'b', name: 'B', scopes: [role, inc] },
      { t: 'host_result', task: 'b', host: 'h', status: 'ok' },
      { t: 'task_start', task: 'c', name: 'C' },
      { t: 'host_result', task: 'c', host: 'h', status: 'ok' },
      { t: 'stats', hosts: {} },
    ]);
    const { w } = play(frames);
    const roleSpan = w.one('role web');
    const incSpan = w.one('include extra.yml');
    expect(w.one('A').parent).toBe(roleSpan);
    expect(incSpan.parent).toBe(roleSpan);
    expect(incSpan.startNs).toBe(frames[8]!.ts);
    expect(w.one('B').parent).toBe(incSpan);
    expect(w.one('C').parent).toBe(w.one('P'));
    expect(roleSpan.endNs).toBe(frames[10]!.ts);
    expectWellFormed(w.spans);
  });
});

describe('run model: plays, playbooks, interruption', () => {
  it('keeps serial batches inside one play span', () => {
    const { w } = play(
      stream([
        hello,
        { t: 'playbook_start', path: '/p.yml' },
        { t: 'play_start', play: 'p1', name: 'P' },
        { t: 'task_start', task: 't', name: 'T' },
        { t: 'host_result', task: 't', host: 'a', status: 'ok' },
        { t: 'play_start', play: 'p1', name: 'P' },
        { t: 'task_start', task: 't', name: 'T' },
        { t: 'host_result', task: 't', host: 'b', status: 'ok' },
        { t: 'stats', hosts: {} },
      ]),
    );
    expect(w.named('P')).toHaveLength(1);
    expect(w.one('P').attributes['ansible.play.batches']).toBe(2);
    expect(w.named('T')).toHaveLength(2);
    expectWellFormed(w.spans);
  });

  it('gives each playbook of one command its own root span, under TRACEPARENT when set', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { w, model } = play(
      stream([
        { ...hello, traceparent: tp },
        { t: 'playbook_start', path: '/a.yml' },
        { t: 'play_start', play: 'p1', name: 'A' },
        { t: 'stats', hosts: { h: { ok: 1 } } },
        { t: 'playbook_start', path: '/b.yml' },
        { t: 'play_start', play: 'p2', name: 'B' },
        { t: 'stats', hosts: { h: { failures: 1 } } },
      ]),
    );
    expect(w.one('RUN a.yml').remoteParent).toBe(tp);
    expect(w.one('RUN b.yml').remoteParent).toBe(tp);
    expect(model.result().traces.map((t) => t.result)).toEqual(['success', 'failure']);
  });

  it('closes every open span as ERROR, interrupted, at the last timestamp when the run is cut off', () => {
    const frames = stream([
      hello,
      { t: 'playbook_start', path: '/p.yml' },
      { t: 'play_start', play: 'p1', name: 'P' },
      { t: 'task_start', task: 't', name: 'Sleep' },
      { t: 'host_start', task: 't', host: 'h1' },
      { t: 'host_start', task: 't', host: 'h2' },
    ]);
    const { w, model } = play(frames);
    expect(w.open()).toEqual([]);
    for (const s of w.spans) {
      expect(s.status?.code, s.name).toBe('error');
      expect(s.attributes['ansible.run.interrupted'], s.name).toBe(true);
      expect(s.endNs).toBe(frames[5]!.ts);
    }
    expect(model.result().interrupted).toBe(true);
    expect(w.one('RUN p.yml').attributes['cicd.pipeline.result']).toBe('error');
  });

  it('marks the spans open at a sequence gap, not the ones already ended', () => {
    const frames = stream([
      hello,
      { t: 'playbook_start', path: '/p.yml' },
      { t: 'play_start', play: 'p1', name: 'P' },
      { t: 'task_start', task: 'a', name: 'A' },
      { t: 'host_result', task: 'a', host: 'h', status: 'ok' },
      { t: 'task_start', task: 'b', name: 'B' },
      { t: 'host_start', task: 'b', host: 'h' },
      { t: 'host_result', task: 'b', host: 'h', status: 'ok' },
      { t: 'stats', hosts: {} },
    ]);
    frames[7]!.seq = 9; // two frames lost while h worked on B
    const { w } = play(frames);
    for (const name of ['RUN p.yml', 'P', 'B', 'h']) {
      const span = name === 'h' ? w.named('h')[1]! : w.one(name);
      expect(span.attributes['ansible.run.frames_missing'], name).toBe(2);
    }
    expect(w.one('A').attributes['ansible.run.frames_missing']).toBeUndefined();
  });

  it('counts sequence gaps', () => {
    const frames = stream([hello, { t: 'playbook_start', path: '/p.yml' }, { t: 'stats', hosts: {} }]);
    frames[2]!.seq = 5;
    const { w, model } = play(frames);
    expect(model.result().framesMissing).toBe(3);
    expect(w.one('RUN p.yml').attributes['ansible.run.frames_missing']).toBe(3);
  });
});
