import { describe, expect, it } from 'vitest';
import type { HostSpanChoice } from '../../src/model/host-spans.js';
import { RunLogs } from '../../src/model/run-logs.js';
import { RunModel } from '../../src/model/run-model.js';
import { ObserverFanout, type HostResultEvent, type RunObserver } from '../../src/model/run-observer.js';
import type { LogRecordOp, LogWriter } from '../../src/model/log-writer.js';
import type { Frame } from '../../src/protocol/frames.js';
import { expectedAggregates, fleetRun, keptWithPath, pathHost, PROBLEMS, SLOWEST } from '../helpers/fleet-run.js';
import { stream } from '../helpers/frames.js';
import { MemoryWriter, type MemorySpan } from '../helpers/memory-writer.js';
import { expectWellFormed } from '../helpers/well-formed.js';

interface Played {
  w: MemoryWriter;
  records: LogRecordOp[];
  hostResults: HostResultEvent[];
}

function play(frames: Frame[], hostSpans: HostSpanChoice = 'all'): Played {
  const w = new MemoryWriter();
  const records: LogRecordOp[] = [];
  const hostResults: HostResultEvent[] = [];
  const logs: LogWriter = { emit: (r) => records.push(r) };
  const metricsLike: RunObserver = { hostResult: (e) => hostResults.push(e) };
  const model = new RunModel(w, frames[0]!.run, new ObserverFanout([new RunLogs(logs, { taskOutput: true }), metricsLike]), { hostSpans });
  for (const f of frames) model.apply(f);
  model.finish();
  return { w, records, hostResults };
}

const HOSTS = 1_000;
const TASKS = 3;
const fleet = fleetRun(HOSTS, TASKS);
const runs = { all: play(fleet.frames), problems: play(fleet.frames, 'problems'), none: play(fleet.frames, 'none') };

const taskSpan = (w: MemoryWriter, name: string): MemorySpan => w.one(name);
const hostSpansOf = (w: MemoryWriter, task: MemorySpan): MemorySpan[] => w.spans.filter((s) => s.parent === task);

describe('--host-spans on a generated 1,000-host run', () => {
  it('has statuses of every kind in the generated run (else the tests below prove little)', () => {
    const statuses = new Set([...fleet.truth.values()].flat().map((h) => h.status));
    expect([...statuses].sort()).toEqual(['changed', 'failed', 'ignored', 'ok', 'rescued', 'skipped', 'unreachable']);
    // A problem among a task's 5 slowest: the 5 slowest are of all hosts, not of the rest.
    const problemAmongSlowest = [...fleet.truth.values()].some((hosts) =>
      [...hosts]
        .sort((a, b) => b.durationNs - a.durationNs)
        .slice(0, SLOWEST)
        .some((h) => PROBLEMS.includes(h.status)),
    );
    expect(problemAmongSlowest).toBe(true);
  });

  for (const mode of ['all', 'problems', 'none'] as const) {
    it(`${mode}: every task span carries the truth over all its hosts, and the mode`, () => {
      const { w } = runs[mode];
      for (const [name, hosts] of fleet.truth) {
        const task = taskSpan(w, name);
        expect(task.attributes).toMatchObject(expectedAggregates(hosts));
        expect(task.attributes['ansible.task.hosts.spans']).toBe(mode);
      }
      expectWellFormed(w.spans);
    });

    it(`${mode}: metrics and other observers still hear of every host result`, () => {
      expect(runs[mode].hostResults).toHaveLength(HOSTS * TASKS);
    });
  }

  it('all: a host span for every host result, with its items', () => {
    const { w } = runs.all;
    for (const [name, hosts] of fleet.truth) {
      const task = taskSpan(w, name);
      expect(hostSpansOf(w, task)).toHaveLength(hosts.length);
    }
    expect(w.spans.filter((s) => s.name.startsWith('item '))).toHaveLength([...fleet.truth.values()].flat().reduce((n, h) => n + h.items, 0));
  });

  it('problems: the problem hosts, the 5 slowest and the critical path, each span as in all (same key, timing, attributes, events, status)', () => {
    const all = new Map(runs.all.w.spans.map((s) => [s.key, s]));
    const { w } = runs.problems;
    for (const [name, hosts] of fleet.truth) {
      const spans = hostSpansOf(w, taskSpan(w, name));
      expect(new Set(spans.map((s) => s.name))).toEqual(keptWithPath(hosts));
      expect(spans.length).toBe(keptWithPath(hosts).size);
      for (const s of spans) {
        const twin = all.get(s.key)!;
        expect(twin.name).toBe(s.name);
        expect({ ...s, id: 0, parent: undefined }).toEqual({ ...twin, id: 0, parent: undefined });
      }
    }
    // Items only under the hosts that kept a span, and with the keys they have in all.
    for (const item of w.spans.filter((s) => s.name.startsWith('item '))) {
      expect(all.get(item.key)?.name).toBe(item.name);
      expect(all.get(item.key)?.parent?.key).toBe(item.parent!.key);
    }
  });

  it('problems: failures keep their ERROR spans and exception events, and their log records point at them', () => {
    const { w, records } = runs.problems;
    const failed = [...fleet.truth.values()].flat().filter((h) => ['failed', 'unreachable', 'rescued'].includes(h.status));
    expect(failed.length).toBeGreaterThan(30);
    const errorHosts = w.spans.filter((s) => s.parent?.name.startsWith('Task ') && s.status?.code === 'error');
    expect(errorHosts).toHaveLength(failed.length);
    for (const s of errorHosts) expect(s.events.map((e) => e.name)).toContain('exception');
    // (a rescued failure's record is a WARN: the rescue handled it; error.type marks them all)
    const failures = records.filter((r) => r.eventName === 'ansible.host.failure' && r.attributes['error.type'] !== undefined);
    // One per failed host result, and one per failed item (on the item's span).
    expect(failures).toHaveLength(failed.length + failed.filter((h) => h.status === 'failed').length);
    for (const r of failures) {
      const span = w.spans.find((s) => w.spanId(s) === r.spanId)!;
      expect(span.name).toMatch(/^h\d+$|^item /);
    }
  });

  it('every log record points at a span that exists, in every mode; without host spans at the task span', () => {
    for (const mode of ['all', 'problems', 'none'] as const) {
      const { w, records } = runs[mode];
      const ids = new Set(w.spans.map((s) => w.spanId(s)));
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) expect(ids.has(r.spanId), `${mode}: ${r.body}`).toBe(true);
    }
    const { w, records } = runs.none;
    const tasks = new Set([...fleet.truth.keys()].map((n) => w.spanId(w.one(n))));
    for (const r of records.filter((r) => r.eventName === 'ansible.host.failure')) expect(tasks.has(r.spanId)).toBe(true);
  });

  it('none: only the host span on the critical path, one per task; task spans start and end as in all', () => {
    const { w } = runs.none;
    const hostSpans = w.spans.filter((s) => s.parent?.name.startsWith('Task '));
    expect(hostSpans.map((s) => [s.parent!.name, s.name, s.attributes['ansible.critical_path']])).toEqual(
      [...fleet.truth].map(([name, hosts]) => [name, pathHost(hosts), true]),
    );
    for (const name of fleet.truth.keys()) {
      const [a, n] = [taskSpan(runs.all.w, name), taskSpan(w, name)];
      expect([n.startNs, n.endNs, n.status]).toEqual([a.startNs, a.endNs, a.status]);
      expect(n.key).toBe(a.key);
    }
  });

  it('a replay of the same frames gives the same span keys (so the same ids)', () => {
    const again = play(fleet.frames, 'problems');
    expect(again.w.spans.map((s) => s.key)).toEqual(runs.problems.w.spans.map((s) => s.key));
  });
});

describe('--host-spans: who chooses', () => {
  const frames = (hostSpans?: string) =>
    stream([
      { t: 'hello', ...(hostSpans === undefined ? {} : { host_spans: hostSpans }) },
      { t: 'playbook_start', path: '/srv/site.yml', name: 'site.yml' },
      { t: 'play_start', play: 'p1', name: 'Deploy', hosts: ['web'] },
      { t: 'task_start', task: 't1', name: 'Ping', action: 'ping' },
      { t: 'host_start', task: 't1', host: 'web1' },
      { t: 'host_result', task: 't1', host: 'web1', status: 'ok' },
      { t: 'stats', hosts: { web1: { ok: 1 } } },
      { t: 'bye', dropped: 0 },
    ]);
  const hostSpanCount = (p: Played) => p.w.named('web1').length;
  // web1 is the task's only host, so its span is on the critical path and kept in every mode: the task says the mode
  const mode = (p: Played) => p.w.one('Ping').attributes['ansible.task.hosts.spans'];

  it("the run's hello wins over the sidecar's setting; an unknown value leaves the sidecar's", () => {
    expect(mode(play(frames('none'), 'all'))).toBe('none');
    expect(mode(play(frames('all'), 'none'))).toBe('all');
    expect(mode(play(frames('sometimes'), 'none'))).toBe('none');
    expect(mode(play(frames(), 'none'))).toBe('none');
    expect(mode(play(frames()))).toBe('all');
  });

  it('problems: an ok host among the 5 slowest keeps its span', () => {
    expect(hostSpanCount(play(frames('problems')))).toBe(1);
  });

  it('auto:N: all for a play of up to N hosts, problems above; all when the play did not say', () => {
    const hostSpans = (p: Played) => p.w.spans.filter((s) => s.parent?.name.startsWith('Task ')).length;
    const kept = [...fleet.truth.values()].reduce((n, t) => n + keptWithPath(t).size, 0);
    expect(hostSpans(play(fleet.frames, `auto:${HOSTS}`))).toBe(HOSTS * TASKS);
    const above = play(fleet.frames, `auto:${HOSTS - 1}`);
    expect(hostSpans(above)).toBe(kept);
    expect(above.w.one('Task 0').attributes['ansible.task.hosts.spans']).toBe('problems');
    const unknown = fleet.frames.map((f) => (f.t === 'play_start' ? { ...f, host_count: null } : f));
    expect(hostSpans(play(unknown, 'auto:1'))).toBe(HOSTS * TASKS);
    expect(mode(play(frames('auto:1'), 'none'))).toBe('all'); // the hello's choice; no host_count: all
  });
});
