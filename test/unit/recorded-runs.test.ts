// The run model on frame streams recorded from real ansible-playbook runs (test/fixtures/*.ndjson,
// recorded with `ansible-otel run --record-frames`; see test/fixtures/README.md).
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../src/protocol/frames.js';
import type { MemorySpan, MemoryWriter } from '../helpers/memory-writer.js';
import { childrenOf, loadFrames, pathOf, replay } from '../helpers/recorded-run.js';
import { expectWellFormed } from '../helpers/well-formed.js';

const FIXTURES = ['features', 'features-2.19', 'small-a-b-check', 'secrets', 'killed', 'shim-features', 'shim-serial', 'shim-no-log', 'includes'];

const INTERRUPTED = 'ansible.run.interrupted';
const HOST_STATUS = 'ansible.task.host.status';

function framesOf<T extends Frame['t']>(frames: Frame[], t: T): (Frame & { t: T })[] {
  return frames.filter((f): f is Frame & { t: T } => f.t === t);
}

/** The one child of `parent` named `name`. */
function child(w: MemoryWriter, parent: MemorySpan, name: string): MemorySpan {
  const found = childrenOf(w, parent).filter((s) => s.name === name);
  if (found.length !== 1) throw new Error(`expected one child ${JSON.stringify(name)} of ${pathOf(parent).join(' > ')}, found ${found.length}`);
  return found[0]!;
}

const isTask = (s: MemorySpan): boolean => s.attributes['ansible.task.uuid'] !== undefined && s.attributes['ansible.task.host.name'] === undefined;
const isItem = (s: MemorySpan): boolean => s.attributes['ansible.task.item.label'] !== undefined;
const isHost = (s: MemorySpan): boolean => s.attributes['ansible.task.host.name'] !== undefined && !isItem(s);
const eventNames = (s: MemorySpan): string[] => s.events.map((e) => e.name);

describe.each(FIXTURES)('every recorded run: %s', (name) => {
  const { frames, w } = replay(name);

  it('leaves no span open', () => {
    expect(w.open().map(pathOf)).toEqual([]);
  });

  it("keeps every child inside its parent's interval", () => {
    expectWellFormed(w.spans);
  });

  it('takes every span and event timestamp from a frame', () => {
    const stamps = new Set(frames.map((f) => f.ts));
    for (const s of w.spans) {
      expect(stamps.has(s.startNs), `${pathOf(s).join(' > ')} start`).toBe(true);
      expect(stamps.has(s.endNs!), `${pathOf(s).join(' > ')} end`).toBe(true);
      for (const e of s.events) expect(stamps.has(e.tsNs), `${pathOf(s).join(' > ')} ${e.name}`).toBe(true);
    }
  });

  it('gives each playbook file one SERVER root span named `RUN {playbook}`, everything else INTERNAL', () => {
    const roots = w.spans.filter((s) => !s.parent);
    expect(roots.map((s) => s.name)).toEqual(framesOf(frames, 'playbook_start').map((f) => `RUN ${f.name}`));
    expect(roots.every((s) => s.kind === 'server')).toBe(true);
    expect(w.spans.filter((s) => s.parent).every((s) => s.kind === 'internal')).toBe(true);
  });

  it('hangs every task under a play span of its playbook, directly or through role and include spans', () => {
    for (const task of w.spans.filter(isTask)) {
      let p = task.parent;
      while (p?.attributes['ansible.scope.kind'] !== undefined) p = p.parent;
      expect(p?.attributes['ansible.play.uuid'], pathOf(task).join(' > ')).toBeDefined();
      expect(p?.parent?.parent, pathOf(task).join(' > ')).toBeUndefined();
    }
  });

  it('ends one host span per host result, at the result', () => {
    const results = framesOf(frames, 'host_result');
    const hosts = w.spans.filter(isHost);
    for (const s of hosts) expect(s.attributes[HOST_STATUS], `${pathOf(s).join(' > ')} has a status`).toBeDefined();
    const finished = hosts.filter((s) => s.attributes[INTERRUPTED] === undefined);
    // an include that could not be loaded has two results, the ok and the failure, and one span
    const includeOk = new Set(results.filter((f) => f.status === 'ok' && /include_(tasks|role)$/.test(f.action ?? '')).map((f) => `${f.task} ${f.host}`));
    const second = results.filter((f) => f.status === 'failed' && includeOk.has(`${f.task} ${f.host}`)).length;
    expect(finished).toHaveLength(results.length - second);
    const resultTs = new Set(results.map((f) => f.ts));
    for (const s of finished) expect(resultTs.has(s.endNs!), pathOf(s).join(' > ')).toBe(true);
  });

  it('puts every host span directly under a task span', () => {
    for (const s of w.spans.filter(isHost)) expect(isTask(s.parent!), pathOf(s).join(' > ')).toBe(true);
  });

  it('records errors as semconv says: no span OK, every ERROR span with error.type, error.type only on ERROR spans', () => {
    for (const s of w.spans) {
      expect(s.status?.code, pathOf(s).join(' > ')).not.toBe('ok');
      expect(s.attributes['error.type'] !== undefined, `${pathOf(s).join(' > ')}: ${s.status?.code}`).toBe(s.status?.code === 'error');
    }
  });

  it('gives each task span a cicd.pipeline.task.run.id unique in its pipeline run, and no other span one', () => {
    for (const root of w.spans.filter((s) => !s.parent)) {
      const ids = w.spans.filter((s) => w.traceId(s) === w.traceId(root) && isTask(s)).map((s) => s.attributes['cicd.pipeline.task.run.id']);
      expect(ids.every((id) => typeof id === 'string')).toBe(true);
      expect(new Set(ids).size).toBe(ids.length);
    }
    for (const s of w.spans.filter((x) => !isTask(x))) expect(Object.keys(s.attributes).filter((k) => k.startsWith('cicd.pipeline.task.'))).toEqual([]);
  });
});

describe('recorded: features.yml (every construct, exits 4)', () => {
  const { frames, w, model } = replay('features');
  const root = w.one('RUN features.yml');
  const main = w.one('Everything else');
  const host = (task: string, h: string): MemorySpan => child(w, w.one(task), h);

  it('fails the playbook for the failed host and the unreachable one', () => {
    expect(root.status).toEqual({ code: 'error', message: 'failed on h2; unreachable: gone' });
    expect(root.attributes).toMatchObject({
      'cicd.pipeline.result': 'failure',
      'ansible.stats.failed_hosts': ['h2'],
      'ansible.stats.unreachable_hosts': ['gone'],
      'error.type': 'failed',
    });
    expect(model.result().traces).toEqual([
      {
        traceId: w.traceId(root),
        rootSpanId: w.spanId(root),
        playbook: 'features.yml',
        result: 'failure',
        spans: w.spans.length,
        hostSpans: 'all',
        analysis: expect.objectContaining({ playbook: 'features.yml' }),
      },
    ]);
  });

  it("records the playbook's stats frame, summed over hosts, on the root span", () => {
    const stats = framesOf(frames, 'stats')[0]!;
    const sum = (k: string): number => Object.values(stats.hosts).reduce((n, s) => n + Number((s as unknown as Record<string, number>)[k] ?? 0), 0);
    for (const k of ['ok', 'changed', 'failures', 'unreachable', 'skipped', 'rescued', 'ignored'])
      expect(root.attributes[`ansible.stats.${k}`], k).toBe(sum(k));
    expect(root.attributes['ansible.stats.ok']).toBe(27);
  });

  it('takes the root span attributes from hello and playbook_start', () => {
    expect(root.attributes).toMatchObject({
      'ansible.playbook.path': '/repo/test/playbooks/features.yml',
      'ansible.version': '2.14.18',
      'ansible.host.name': 'controller',
      'ansible.host.user': 'ci',
      // ansible-playbook's pid: not process.pid, which on the resource is the sidecar's
      'ansible.process.pid': 4242,
      'ansible.check_mode': false,
      'ansible.session': frames[0]!.run,
    });
    expect(root.remoteParent).toBeUndefined();
  });

  it('marks a failed host ERROR with its message and an exception event', () => {
    const h2 = host('Fail for real on h2', 'h2');
    expect(h2.status).toEqual({ code: 'error', message: 'h2 is broken' });
    expect(h2.attributes[HOST_STATUS]).toBe('failed');
    expect(h2.events).toEqual([
      { name: 'exception', tsNs: h2.endNs, attributes: expect.objectContaining({ 'exception.type': 'ansible.failed', 'exception.message': 'h2 is broken' }) },
    ]);
    expect(w.one('Fail for real on h2').status?.code).toBe('error');
    expect(main.status).toEqual({ code: 'error', message: 'failed hosts: h2' });
  });

  it('marks an unreachable host ERROR with an exception event', () => {
    const gone = host('Ping the dead host', 'gone');
    expect(gone.status?.code).toBe('error');
    expect(gone.status?.message).toMatch(/Failed to connect to the host via ssh/);
    expect(gone.attributes).toMatchObject({ [HOST_STATUS]: 'unreachable', 'error.type': 'unreachable' });
    expect(eventNames(gone)).toEqual(['exception']);
    expect(gone.events[0]!.attributes['exception.type']).toBe('ansible.unreachable');
    expect(w.one('Unreachable').status?.code).toBe('error');
  });

  it('keeps an ignored failure out of ERROR, with its message', () => {
    const task = w.one('Fail but carry on');
    for (const h of childrenOf(w, task)) {
      expect(h.status?.code).toBe('unset');
      expect(h.attributes).toMatchObject({ [HOST_STATUS]: 'ignored', 'ansible.task.message': 'non-zero return code', 'ansible.task.result': 2 });
      expect(eventNames(h)).toEqual([]);
    }
    expect(task.status?.code).toBe('unset');
  });

  it('makes a rescued failure ERROR on its host span only', () => {
    const task = w.one('Break inside block');
    const hosts = childrenOf(w, task);
    expect(hosts.map((h) => h.name).sort()).toEqual(['h1', 'h2']);
    for (const h of hosts) {
      expect(h.status).toEqual({ code: 'error', message: 'non-zero return code' });
      expect(h.attributes).toMatchObject({ [HOST_STATUS]: 'rescued', 'error.type': 'rescued' });
      expect(eventNames(h)).toEqual(['exception']);
    }
    expect(task.status?.code).toBe('unset');
    expect(childrenOf(w, w.one('Recover')).map((h) => h.attributes[HOST_STATUS])).toEqual(['ok', 'ok']);
  });

  it('keeps the skip reason of a skipped host', () => {
    const task = w.one('Skip me');
    for (const h of childrenOf(w, task)) {
      expect(h.status?.code).toBe('unset');
      expect(h.attributes).toMatchObject({
        [HOST_STATUS]: 'skipped',
        'ansible.task.skip_reason': 'Conditional result was False',
      });
    }
    expect(task.attributes['cicd.pipeline.task.run.result']).toBe('skip');
    expect(host('Fail for real on h2', 'h1').attributes[HOST_STATUS]).toBe('skipped');
  });

  it('chains the loop items of each host: each starts where the previous ended, the failing one ERROR', () => {
    for (const h of ['h1', 'h2']) {
      const hs = host('Loop with a failing item', h);
      const items = childrenOf(w, hs);
      expect(items.map((i) => i.name)).toEqual(['good', 'bad', 'fine']);
      expect(items.map((i) => i.attributes['ansible.task.item.index'])).toEqual([0, 1, 2]);
      expect(items[0]!.startNs).toBe(hs.startNs);
      expect(items[1]!.startNs).toBe(items[0]!.endNs);
      expect(items[2]!.startNs).toBe(items[1]!.endNs);
      expect(items.map((i) => i.status?.code)).toEqual(['unset', 'error', 'unset']);
      expect(eventNames(items[1]!)).toEqual(['exception']);
      expect(hs.attributes[HOST_STATUS]).toBe('ignored');
    }
  });

  it('turns retries into events on the host span with attempt numbers', () => {
    for (const h of ['h1', 'h2']) {
      const hs = host('Retry until the third attempt', h);
      const retries = hs.events.filter((e) => e.name === 'ansible.retry');
      expect(retries.map((e) => e.attributes['ansible.task.attempts'])).toEqual([1, 2]);
      expect(retries.map((e) => e.attributes['ansible.task.retries'])).toEqual([6, 6]);
      expect(hs.attributes).toMatchObject({ [HOST_STATUS]: 'changed', 'ansible.task.attempts': 2 });
      expect(childrenOf(w, hs)).toEqual([]);
    }
  });

  it("puts async polls and the async result on the async task's host span", () => {
    const task = w.one('Run in the background');
    expect(
      childrenOf(w, task)
        .map((h) => h.name)
        .sort(),
    ).toEqual(['h1', 'h2']);
    for (const hs of childrenOf(w, task)) {
      const job = framesOf(frames, 'async_ok').find((f) => f.host === hs.name)!.job;
      // one poll per host in this recording (the job ends after ansible's first poll)
      expect(eventNames(hs)).toEqual(['ansible.async_poll', 'ansible.async_ok']);
      expect(hs.events.map((e) => e.attributes['ansible.async.job_id'])).toEqual([job, job]);
      expect(hs.events.map((e) => e.attributes['ansible.async.finished'])).toEqual([0, 1]);
      expect(hs.attributes['ansible.async.job_id']).toBe(job);
    }
  });

  it('puts a notify event on each notifying host span', () => {
    for (const hs of childrenOf(w, w.one('Greet'))) {
      expect(eventNames(hs)).toEqual(['ansible.notify']);
      expect(hs.events[0]!.attributes).toMatchObject({ 'ansible.handler.name': 'greeter : Greeted', 'ansible.task.host.name': hs.name });
    }
  });

  it("marks the handler task and runs it inside its role's span", () => {
    const handler = w.one('Greeted');
    expect(handler.attributes).toMatchObject({ 'ansible.task.handler': true, 'ansible.task.role': 'greeter' });
    expect(pathOf(handler)).toEqual(['RUN features.yml', 'Everything else', 'role greeter', 'Greeted']);
    expect(childrenOf(w, handler).map((h) => h.name)).toEqual(['h1']);
    expect(w.one('Say ok').attributes['ansible.task.handler']).toBe(false);
  });

  it('opens a role span for a role of the play, ending with its last task', () => {
    const role = w.named('role greeter')[0]!;
    expect(role.parent).toBe(main);
    expect(role.attributes).toMatchObject({ 'ansible.scope.kind': 'role', 'ansible.scope.name': 'greeter', 'ansible.scope.via': 'roles' });
    expect(childrenOf(w, role).map((s) => s.name)).toEqual(['Greet']);
    expect(role.endNs).toBe(w.one('Greet').endNs);
    expect(role.endNs!).toBeLessThan(w.one('Say ok').startNs);
  });

  it('opens an include span at the include frame, next to the include_tasks task', () => {
    const inc = w.one('include included.yml');
    const includeTask = w.one('Include more tasks');
    const frame = framesOf(frames, 'include').find((f) => f.task === includeTask.attributes['ansible.task.uuid'])!;
    expect(inc.parent).toBe(main);
    expect(includeTask.parent).toBe(main);
    expect(inc.startNs).toBe(frame.ts);
    expect(inc.attributes).toMatchObject({ 'ansible.scope.kind': 'include', 'ansible.scope.via': 'include_tasks' });
    expect(childrenOf(w, inc).map((s) => s.name)).toEqual(['Included task']);
  });

  it('opens a role span for include_role and another for import_role of the same role', () => {
    const roles = w.named('role lister');
    expect(roles.map((r) => r.attributes['ansible.scope.via'])).toEqual(['include_role', 'import_role']);
    for (const r of roles) {
      expect(r.parent).toBe(main);
      expect(childrenOf(w, r).map((s) => s.name)).toEqual(['List']);
    }
    expect(roles[0]!.endNs!).toBeLessThanOrEqual(roles[1]!.startNs);
  });

  it('keeps serial batches inside one play span, one task span per batch', () => {
    const play = w.one('Serial rollout');
    expect(play.attributes['ansible.play.batches']).toBe(2);
    expect(eventNames(play)).toEqual(['ansible.play.batch']);
    const tasks = w.named('Roll one host');
    expect(tasks.map((t) => t.parent)).toEqual([play, play]);
    expect(tasks.map((t) => childrenOf(w, t).map((h) => h.name))).toEqual([['h1'], ['h2']]);
    // ansible starts the same task (one uuid) in each batch: its second run is uuid#2
    const uuid = tasks[0]!.attributes['ansible.task.uuid'];
    expect(tasks.map((t) => t.attributes['ansible.task.uuid'])).toEqual([uuid, uuid]);
    expect(tasks.map((t) => t.attributes['cicd.pipeline.task.run.id'])).toEqual([uuid, `${uuid}#2`]);
  });

  it('counts every host result in the run summary', () => {
    expect(model.result()).toMatchObject({
      interrupted: false,
      framesMissing: 0,
      shimDropped: 0,
      hostResults: { ok: 17, changed: 8, ignored: 4, skipped: 3, rescued: 2, failed: 1, unreachable: 1 },
    });
  });
});

describe('recorded: small-a.yml + small-b.yml in one command, --check, TRACEPARENT set', () => {
  const { w, model } = replay('small-a-b-check');
  const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  const a = w.one('RUN small-a.yml');
  const b = w.one('RUN small-b.yml');

  it('gives each playbook its own root span, both children of TRACEPARENT', () => {
    expect(w.spans.filter((s) => !s.parent)).toEqual([a, b]);
    expect(a.remoteParent).toBe(traceparent);
    expect(b.remoteParent).toBe(traceparent);
    expect(a.endNs!).toBeLessThanOrEqual(b.startNs);
    expect(pathOf(child(w, w.one('Say b'), 'h1'))).toEqual(['RUN small-b.yml', 'Second playbook', 'Say b', 'h1']);
  });

  it("records each playbook's own stats, not ansible-core's cumulative ones", () => {
    expect(a.attributes).toMatchObject({ 'ansible.stats.ok': 1, 'ansible.stats.changed': 1 });
    expect(b.attributes).toMatchObject({ 'ansible.stats.ok': 1, 'ansible.stats.changed': 0 });
  });

  it('marks check mode on both roots', () => {
    expect(a.attributes['ansible.check_mode']).toBe(true);
    expect(b.attributes['ansible.check_mode']).toBe(true);
  });

  it('reports both playbooks as successful', () => {
    expect([a.status, b.status]).toEqual([{ code: 'unset' }, { code: 'unset' }]);
    // each playbook is a pipeline run of its own, with an id of its own
    const session = a.attributes['ansible.session'];
    expect([a.attributes['cicd.pipeline.run.id'], b.attributes['cicd.pipeline.run.id']]).toEqual([session, `${session}#2`]);
    expect(model.result().traces.map((t) => [t.playbook, t.result])).toEqual([
      ['small-a.yml', 'success'],
      ['small-b.yml', 'success'],
    ]);
    // Each trace's size is its own spans, the root included.
    const inTrace = (root: typeof a): number => w.spans.filter((s) => w.traceId(s) === w.traceId(root)).length;
    expect(model.result().traces.map((t) => t.spans)).toEqual([inTrace(a), inTrace(b)]);
    expect(inTrace(a) + inTrace(b)).toBe(w.spans.length);
  });
});

describe('recorded: secrets.yml with OTEL_CANARY set', () => {
  const canary = 'canary-fixture-secret';
  const { w } = replay('secrets');
  const noLogTasks = ['Use a secret in args and result', 'Use a secret in loop items', 'Fail with a secret'];

  it('has no canary in any recorded frame', () => {
    expect(loadFrames('secrets').some((f) => JSON.stringify(f).includes(canary))).toBe(false);
  });

  it('puts the canary in no span name, attribute, status or event', () => {
    const seen = JSON.stringify(w.spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })));
    expect(seen).not.toContain(canary);
  });

  it('gives no_log tasks and their host spans no args attributes', () => {
    for (const name of noLogTasks) {
      const task = w.one(name);
      expect(task.attributes['ansible.task.no_log'], name).toBe(true);
      for (const s of [task, ...childrenOf(w, task)]) {
        expect(s.attributes['ansible.task.args.name'], pathOf(s).join(' > ')).toBeUndefined();
        expect(s.attributes['ansible.task.args.value'], pathOf(s).join(' > ')).toBeUndefined();
      }
    }
    expect(w.one('Fetch with credentials in the URL').attributes['ansible.task.args.name']).toEqual(['msg']);
  });

  it('shows only the censored text as the message of no_log results, failures included', () => {
    for (const name of noLogTasks) {
      const hs = child(w, w.one(name), 'h1');
      expect(hs.attributes['ansible.task.message'], name).toMatch(/^the output has been hidden/);
      expect(hs.attributes['ansible.task.no_log'], name).toBe(true);
    }
    expect(child(w, w.one('Fail with a secret'), 'h1').attributes[HOST_STATUS]).toBe('ignored');
  });

  it('names no_log loop items by the censored label', () => {
    const items = childrenOf(w, child(w, w.one('Use a secret in loop items'), 'h1'));
    expect(items.map((i) => i.name)).toEqual(['(censored due to no_log)', '(censored due to no_log)']);
  });

  it('shows a URL from a result without its credentials', () => {
    expect(child(w, w.one('Fetch with credentials in the URL'), 'h1').attributes['ansible.task.message']).toBe('https://repo.example.invalid/pkg.tgz');
  });
});

describe('recorded: shim no_log.yml (no_log loops, retries, async, play-level no_log)', () => {
  const canary = 'SECRET-CANARY';
  const { w } = replay('shim-no-log');

  it('puts the canary in no span name, attribute, status or event', () => {
    expect(loadFrames('shim-no-log').some((f) => JSON.stringify(f).includes(canary))).toBe(false);
    expect(JSON.stringify(w.spans.map((s) => ({ name: s.name, attributes: s.attributes, status: s.status, events: s.events })))).not.toContain(canary);
  });

  it('gives no task span args attributes when every task is no_log', () => {
    const tasks = w.spans.filter(isTask);
    expect(tasks).toHaveLength(8);
    for (const t of tasks) {
      expect(t.attributes['ansible.task.no_log'], t.name).toBe(true);
      expect(t.attributes['ansible.task.args.name'], t.name).toBeUndefined();
    }
  });

  it('keeps the label of a public item and censors the secret one under a templated no_log', () => {
    const items = childrenOf(w, child(w, w.one('per-item no_log'), 'localhost'));
    expect(items.map((i) => [i.name, i.attributes['ansible.task.no_log']])).toEqual([
      ['public-item', undefined],
      ['(censored due to no_log)', true],
    ]);
  });

  it('records the retry of a no_log task with its attempt and the censored message', () => {
    const hs = child(w, w.one('no_log retries'), 'localhost');
    expect(hs.events.map((e) => [e.name, e.attributes['ansible.task.attempts']])).toEqual([['ansible.retry', 1]]);
    expect(hs.events[0]!.attributes['ansible.task.message']).toMatch(/^the output has been hidden/);
  });

  it('puts the async result of a no_log task, which has no job id, on its host span', () => {
    const task = w.one('no_log async');
    expect(childrenOf(w, task).map((h) => h.name)).toEqual(['localhost']);
    expect(eventNames(child(w, task, 'localhost'))).toEqual(['ansible.async_ok']);
  });
});

describe('recorded: killed.yml, ansible-playbook SIGKILLed mid "Sleep for a long time"', () => {
  const { frames, w, model } = replay('killed');
  const lastTs = frames[frames.length - 1]!.ts;
  const cutOff = ['RUN killed.yml', 'Long work', 'Sleep for a long time'].map((n) => w.one(n));
  const sleeping = child(w, w.one('Sleep for a long time'), 'h1');

  it('has no bye frame: the stream just ends', () => {
    expect(frames.map((f) => f.t)).not.toContain('bye');
    expect(frames.map((f) => f.t)).not.toContain('stats');
  });

  it('closes every open span as ERROR, interrupted, at the last frame timestamp', () => {
    for (const s of [...cutOff, sleeping]) {
      expect(s.status?.code, s.name).toBe('error');
      expect(s.status?.message, s.name).toMatch(/run ended before this finished/);
      expect(s.attributes[INTERRUPTED], s.name).toBe(true);
      expect(s.endNs, s.name).toBe(lastTs);
    }
  });

  it('gives the cut-off host an exception event and a failed status', () => {
    expect(sleeping.attributes[HOST_STATUS]).toBe('failed');
    expect(sleeping.events.map((e) => [e.name, e.attributes['exception.type']])).toEqual([['exception', 'ansible.interrupted']]);
  });

  it('leaves the task that finished before the kill as it was', () => {
    const marker = child(w, w.one('Leave a marker'), 'h1');
    expect(marker.status?.code).toBe('unset');
    expect(marker.attributes[HOST_STATUS]).toBe('changed');
    expect(marker.attributes[INTERRUPTED]).toBeUndefined();
    expect(w.one('Leave a marker').attributes[INTERRUPTED]).toBeUndefined();
  });

  it('reports the run interrupted and the playbook result error', () => {
    expect(w.one('RUN killed.yml').attributes).toMatchObject({ 'cicd.pipeline.result': 'error', 'error.type': 'interrupted' });
    expect(model.result()).toMatchObject({ interrupted: true, traces: [{ playbook: 'killed.yml', result: 'error' }] });
  });
});

describe('recorded: shim features.yml (role dependencies, nested includes, rescue through includes and roles)', () => {
  const { w } = replay('shim-features');
  const play = w.one('features');

  it('nests a dependency role span inside the role that depends on it', () => {
    const base = w.one('role base');
    expect(pathOf(base)).toEqual(['RUN features.yml', 'features', 'role webapp', 'role base']);
    expect(base.attributes).toMatchObject({ 'ansible.scope.via': 'dependency', 'ansible.task.role': 'base' });
    expect(w.one('role webapp').attributes['ansible.scope.via']).toBe('roles');
  });

  it('names role tasks without the "role : " prefix ansible shows', () => {
    const task = w.one('base setup');
    expect(task.attributes).toMatchObject({ 'ansible.task.name': 'base setup', 'ansible.task.role': 'base' });
    expect(w.named('base : base setup')).toEqual([]);
  });

  it('nests an include inside the role that includes it, the including task outside the include', () => {
    expect(pathOf(w.one('webapp step'))).toEqual(['RUN features.yml', 'features', 'role webapp', 'include steps.yml', 'webapp step']);
    expect(pathOf(w.one('webapp included steps'))).toEqual(['RUN features.yml', 'features', 'role webapp', 'webapp included steps']);
  });

  it('nests an include inside the include that includes it', () => {
    expect(pathOf(w.one('nested task'))).toEqual(['RUN features.yml', 'features', 'include tasks/included.yml', 'include nested.yml', 'nested task']);
    expect(pathOf(w.one('nested include'))).toEqual(['RUN features.yml', 'features', 'include tasks/included.yml', 'nested include']);
  });

  it('leaves no scope span for import_tasks', () => {
    expect(w.one('imported task').parent).toBe(play);
  });

  it('makes rescued failures through an include and an import_role ERROR on their host spans only', () => {
    for (const [task, path] of [
      ['failing included task', ['RUN features.yml', 'features', 'include tasks/failing.yml', 'failing included task']],
      ['failer fails', ['RUN features.yml', 'features', 'role failer', 'failer fails']],
      ['fails in block with rescue', ['RUN features.yml', 'features', 'fails in block with rescue']],
    ] as const) {
      const span = w.one(task);
      expect(pathOf(span)).toEqual(path);
      expect(span.status?.code, task).toBe('unset');
      const hs = child(w, span, 'localhost');
      expect(hs.status?.code, task).toBe('error');
      expect(hs.attributes[HOST_STATUS], task).toBe('rescued');
    }
    expect(w.one('role failer').attributes['ansible.scope.via']).toBe('import_role');
    expect(w.one('role failer').status?.code).toBe('unset');
    expect(play.status?.code).toBe('unset');
  });

  it('keeps an ignored failure in a block with rescue out of ERROR', () => {
    const hs = child(w, w.one('ignored in rescued block'), 'localhost');
    expect(hs.status?.code).toBe('unset');
    expect(hs.attributes[HOST_STATUS]).toBe('ignored');
  });

  it('fails the play whose block has no rescue, and still runs always', () => {
    const unrescued = w.one('block without rescue');
    expect(unrescued.status).toEqual({ code: 'error', message: 'failed hosts: localhost' });
    expect(child(w, w.one('fails in block without rescue'), 'localhost').attributes[HOST_STATUS]).toBe('failed');
    expect(child(w, w.one('always runs'), 'localhost').status?.code).toBe('unset');
    expect(w.one('RUN features.yml').attributes['ansible.stats.failed_hosts']).toEqual(['localhost']);
  });

  it('names loop items by their loop_control label', () => {
    const items = childrenOf(w, child(w, w.one('loop with labels'), 'localhost'));
    expect(items.map((i) => [i.name, i.attributes['ansible.task.item.label']])).toEqual([
      ['alpha', 'alpha'],
      ['beta', 'beta'],
    ]);
  });

  it('puts a file diff on the host span as an event', () => {
    const hs = child(w, w.one('write with diff'), 'localhost');
    expect(eventNames(hs)).toEqual(['ansible.diff']);
    expect(hs.events[0]!.attributes).toMatchObject({ 'ansible.diff.count': 1, 'ansible.diff.files': ['/home/ci/.ansible/tmp/source'] });
  });

  it('runs a role handler inside a span of the role copy that notified it', () => {
    const handler = w.one('greet handler');
    expect(handler.attributes['ansible.task.handler']).toBe(true);
    expect(pathOf(handler)).toEqual(['RUN features.yml', 'features', 'role greet', 'greet handler']);
    expect(handler.parent!.attributes['ansible.scope.via']).toBe('include_role');
    expect(w.one('play handler').parent).toBe(play);
    expect(eventNames(child(w, w.one('touch greeting (changed, notifies role handler)'), 'localhost'))).toEqual(['ansible.notify']);
  });

  it('opens separate role spans for include_role with tasks_from and for import_role of the same role', () => {
    const greets = w.named('role greet');
    expect(greets.map((r) => [r.attributes['ansible.scope.via'], childrenOf(w, r).map((t) => t.name)])).toEqual([
      ['include_role', ['extra greet task']],
      ['import_role', ['say greeting', 'touch greeting (changed, notifies role handler)']],
      ['include_role', ['greet handler']],
    ]);
  });
});

describe('recorded: shim serial.yml (serial: 2 over three hosts)', () => {
  const { w } = replay('shim-serial');

  it('keeps both batches in one play span, one task span per task and batch', () => {
    const play = w.one('rolling update');
    expect(play.attributes['ansible.play.batches']).toBe(2);
    expect(eventNames(play)).toEqual(['ansible.play.batch']);
    expect(childrenOf(w, play).map((t) => [t.name, childrenOf(w, t).map((h) => h.name)])).toEqual([
      ['drain node', ['h1', 'h2']],
      ['update node', ['h1', 'h2']],
      ['drain node', ['h3']],
      ['update node', ['h3']],
    ]);
  });

  it('starts the second batch after the first one ended', () => {
    const [first, , second] = childrenOf(w, w.one('rolling update'));
    const batch = w.one('rolling update').events[0]!;
    expect(childrenOf(w, first!).every((h) => h.endNs! <= batch.tsNs)).toBe(true);
    expect(second!.startNs).toBeGreaterThan(batch.tsNs);
  });
});

describe('recorded: includes.yml (include loops, free strategy, an include that cannot be loaded)', () => {
  const { frames, w } = replay('includes');

  it('opens one include span for an include_tasks loop, holding the tasks of every included file', () => {
    const inc = w.one('include step-{{ item }}.yml');
    expect(inc.parent).toBe(w.one('Include loops'));
    expect(childrenOf(w, inc).map((t) => t.name)).toEqual(['Step one', 'Step two']);
    const hs = child(w, w.one('Include a file per item'), 'h1');
    expect(childrenOf(w, hs).map((i) => i.name)).toEqual(['one', 'two']);
  });

  it('opens one role span for an include_role loop, holding every iteration', () => {
    const role = w.one('role echo');
    expect(role.attributes['ansible.scope.via']).toBe('include_role');
    expect(childrenOf(w, role).map((t) => [t.name, childrenOf(w, t).map((h) => h.name)])).toEqual([
      ['Echo the word', ['h1', 'h2']],
      ['Echo the word', ['h1', 'h2']],
    ]);
  });

  it('ends a free-strategy host span at its own result, under the one span of its task', () => {
    // free strategy: one task_start per host; h2 moves on while h1 still runs the first task. The
    // tree is linear's: a span per task, the hosts under it, each ending at its own result.
    const play = w.one('Free strategy');
    expect(childrenOf(w, play).map((t) => [t.name, childrenOf(w, t).map((h) => h.name)])).toEqual([
      ['Slow on h1 only', ['h1', 'h2']],
      ['After the slow one', ['h2', 'h1']],
    ]);
    const slowH1 = child(w, childrenOf(w, play)[0]!, 'h1');
    const result = framesOf(frames, 'host_result').find((f) => f.host === 'h1' && f.task === slowH1.attributes['ansible.task.uuid'])!;
    expect(slowH1.endNs).toBe(result.ts);
    expect(slowH1.attributes[HOST_STATUS]).toBe('changed');
    expect(childrenOf(w, play)[0]!.endNs).toBe(result.ts);
  });

  it('fails the host whose include_tasks file cannot be loaded', () => {
    const task = w.one('Include a missing file');
    const results = childrenOf(w, task).map((h) => [h.name, h.attributes[HOST_STATUS], h.status?.code]);
    // one span for the host: the include's ok result is held until its file is known to load
    expect(results).toEqual([['h1', 'failed', 'error']]);
    expect(eventNames(childrenOf(w, task)[0]!)).toEqual(['exception']);
    expect(task.status?.code).toBe('error');
    expect(w.one('Broken include').status?.code).toBe('error');
    expect(w.named('Never reached')).toEqual([]);
    expect(w.one('RUN includes.yml').attributes['ansible.stats.failed_hosts']).toEqual(['h1']);
  });
});
