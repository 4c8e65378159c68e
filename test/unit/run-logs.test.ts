// Log records from recorded runs (test/fixtures): what a CI user reads, each on its span,
// timestamped by its frame. The mapping is pure, so the records are checked exactly.
import { describe, expect, it } from 'vitest';
import { RunModel } from '../../src/model/run-model.js';
import { ObserverFanout, type RunObserver } from '../../src/model/run-observer.js';
import { EVENT, RunLogs, STDERR_TAIL_LINES, tail } from '../../src/model/run-logs.js';
import type { LogRecordOp, LogWriter } from '../../src/model/log-writer.js';
import type { Frame } from '../../src/protocol/frames.js';
import { MemoryWriter, type MemorySpan } from '../helpers/memory-writer.js';
import { loadFrames } from '../helpers/recorded-run.js';
import { stream } from '../helpers/frames.js';

class MemoryLogs implements LogWriter {
  readonly records: LogRecordOp[] = [];
  emit(r: LogRecordOp): void {
    this.records.push(r);
  }
}

function logsOf(frames: Frame[], taskOutput = true, hostSpans: 'all' | 'none' = 'all', exceptions = false): { logs: MemoryLogs; w: MemoryWriter } {
  const w = new MemoryWriter();
  const logs = new MemoryLogs();
  const model = new RunModel(w, frames[0]!.run, new RunLogs(logs, { taskOutput, exceptions }), { hostSpans, exceptionEvents: !exceptions });
  for (const f of frames) model.apply(f);
  model.finish();
  return { logs, w };
}

const bySpan = (w: MemoryWriter, spanId: string): MemorySpan => {
  const s = w.spans.find((x) => w.spanId(x) === spanId);
  if (!s) throw new Error(`no span ${spanId}`);
  return s;
};

describe('log records of a recorded run (features.ndjson)', () => {
  const frames = loadFrames('features');
  const { logs, w } = logsOf(frames);
  const hostFailures = logs.records.filter((r) => r.eventName === EVENT.FAILURE && r.attributes['ansible.task.item.label'] === undefined);

  it('gives every failed, rescued or unreachable host result one record on its host span: ERROR, a rescued (handled) one WARN', () => {
    const errorHosts = w.spans.filter(
      (s) =>
        ['failed', 'rescued', 'unreachable'].includes(String(s.attributes['ansible.task.host.status'])) &&
        s.attributes['ansible.task.item.label'] === undefined,
    );
    expect(errorHosts.length).toBe(frames.filter((f) => f.t === 'host_result' && (f.status === 'unreachable' || (f.status === 'failed' && !f.ignored))).length);
    const errors = hostFailures.filter((r) => r.attributes['error.type'] !== undefined);
    expect(errors.map((r) => r.spanId).sort()).toEqual(errorHosts.map((s) => w.spanId(s)).sort());
    for (const r of errors) {
      const span = bySpan(w, r.spanId);
      expect(r.severity).toBe(span.attributes['ansible.task.host.status'] === 'rescued' ? 'WARN' : 'ERROR');
      expect(r.traceId).toBe(w.traceId(span));
      expect(r.attributes['ansible.task.host.name']).toBe(span.attributes['ansible.task.host.name']);
      // the task run's id as its span has it; its result is the task span's only (the host's is ansible.task.host.status)
      expect(r.attributes['cicd.pipeline.task.run.id']).toBe(span.parent!.attributes['cicd.pipeline.task.run.id']);
      expect(r.attributes).not.toHaveProperty(['cicd.pipeline.task.run.result']);
      expect(r.attributes['error.type']).toBe(span.attributes['error.type']);
      // exception.* only when exceptions go to logs (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN): once, on the span's event here
      expect(Object.keys(r.attributes).filter((k) => k.startsWith('exception.'))).toEqual([]);
      expect(r.timeNs).toBe(span.endNs); // the host_result frame's ts
      expect(r.body).toContain(`[${span.attributes['ansible.task.host.name']}]`);
    }
    const unreachable = errors.find((r) => r.attributes['ansible.task.host.status'] === 'unreachable');
    expect(unreachable?.attributes['error.type']).toBe('unreachable');
    expect(errors.find((r) => r.attributes['ansible.task.host.status'] === 'rescued')?.attributes['error.type']).toBe('rescued');
  });

  it('carries msg, rc and the stderr tail of a failure; an ignored failure is a WARN', () => {
    const ignored = hostFailures.filter((r) => r.attributes['ansible.task.host.status'] === 'ignored');
    expect(ignored).toHaveLength(frames.filter((f) => f.t === 'host_result' && f.ignored).length);
    for (const r of ignored) {
      expect(r.severity).toBe('WARN');
      expect(r.body).toMatch(/ \(ignored\)$/);
      expect(r.attributes['ansible.task.message']).toBe(bySpan(w, r.spanId).attributes['ansible.task.message']);
    }
    const broken = ignored.filter((r) => r.attributes['ansible.task.stderr.tail'] === 'broken');
    expect(broken).toHaveLength(2);
    for (const r of broken) {
      expect(r.body).toMatch(/non-zero return code \(ignored\)$/);
      expect(r.attributes['ansible.task.result']).toBe(2);
      expect(r.attributes['ansible.task.message']).toBe('non-zero return code');
    }
  });

  it('gives a failed loop item an ERROR record on its item span', () => {
    const items = logs.records.filter((r) => r.eventName === EVENT.FAILURE && r.attributes['ansible.task.item.label'] !== undefined);
    expect(items.length).toBe(2);
    for (const r of items) {
      const span = bySpan(w, r.spanId);
      expect(span.attributes['ansible.task.item.label']).toBe(r.attributes['ansible.task.item.label']);
      expect(r.severity).toBe('ERROR');
    }
  });

  it('gives task output INFO records, one per stream, on the host span', () => {
    const out = logs.records.filter((r) => r.eventName === EVENT.OUTPUT);
    const withOutput = frames.filter((f) => (f.t === 'host_result' || f.t === 'item_result') && (f.res?.stdout || f.res?.stderr));
    expect(out.length).toBeGreaterThanOrEqual(withOutput.length);
    for (const r of out) {
      expect(r.severity).toBe('INFO');
      expect(['stdout', 'stderr']).toContain(r.attributes['log.iostream']);
      expect(r.body).not.toBe('');
    }
    const broken = out.filter((r) => r.body === 'broken');
    expect(broken.map((r) => r.attributes['log.iostream'])).toEqual(['stderr', 'stderr']);
  });

  it('ends with the summary as INFO on the root span: result, failed hosts, the recap', () => {
    const summary = logs.records.filter((r) => r.eventName === EVENT.SUMMARY);
    expect(summary).toHaveLength(1);
    const s = summary[0]!;
    const root = bySpan(w, s.spanId);
    expect(root.parent).toBeUndefined();
    expect(s.severity).toBe('INFO');
    expect(s.timeNs).toBe(frames.find((f) => f.t === 'stats')!.ts);
    expect(s.body.split('\n')[0]).toMatch(/^features\.yml: failure \(failed on .*unreachable: /);
    expect(s.body).toMatch(/^h1 : ok=\d+ changed=\d+ unreachable=\d+ failed=\d+ skipped=\d+ rescued=\d+ ignored=\d+$/m);
    expect(s.attributes['cicd.pipeline.result']).toBe('failure');
    expect(s.attributes['cicd.pipeline.run.id']).toBe(frames[0]!.run);
    expect(s.attributes['ansible.stats.failures']).toBe(root.attributes['ansible.stats.failures']);
  });

  it('puts every record in the run trace with the CI/CD pipeline attributes', () => {
    const traceId = w.traceId(w.spans[0]!);
    for (const r of logs.records) {
      expect(r.traceId).toBe(traceId);
      expect(r.attributes['cicd.pipeline.name']).toBe('features.yml');
      expect(r.attributes['cicd.pipeline.run.id']).toBe(frames[0]!.run);
    }
  });

  it('gives every record its own log.record.uid, the same when the run is mapped again (a replay after a crash)', () => {
    const uids = (records: LogRecordOp[]): unknown[] => records.map((r) => r.attributes['log.record.uid']);
    expect(uids(logs.records).every((u) => typeof u === 'string' && /^[0-9a-f]{32}$/.test(u))).toBe(true);
    expect(new Set(uids(logs.records)).size).toBe(logs.records.length);
    expect(uids(logsOf(frames).logs.records)).toEqual(uids(logs.records));
    // Without host spans, the hosts' records share their task's span: still one uid each.
    const shared = logsOf(frames, true, 'none').logs.records;
    expect(shared.length).toBe(logs.records.length);
    expect(new Set(shared.map((r) => r.spanId)).size).toBeLessThan(new Set(logs.records.map((r) => r.spanId)).size);
    expect(new Set(uids(shared)).size).toBe(shared.length);
  });

  it('leaves task output out when told, and nothing else', () => {
    const off = logsOf(frames, false).logs.records;
    expect(off.filter((r) => r.eventName === EVENT.OUTPUT)).toEqual([]);
    expect(off).toEqual(logs.records.filter((r) => r.eventName !== EVENT.OUTPUT));
  });
});

describe('OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs: exceptions as log records, not span events', () => {
  const frames = loadFrames('features');
  const events = logsOf(frames).w;
  const { logs, w } = logsOf(frames, true, 'all', true);
  const exceptionOf = (attributes: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(attributes).filter(([k, v]) => k.startsWith('exception.') && v !== undefined));

  it('records no exception span event', () => {
    expect(w.spans.flatMap((s) => s.events.filter((e) => e.name === 'exception'))).toEqual([]);
  });

  it('gives the failure record of every span that had an exception event that exception, as the event had it', () => {
    const withEvent = events.spans.filter((s) => s.events.some((e) => e.name === 'exception'));
    expect(withEvent.length).toBeGreaterThan(5);
    const failures = logs.records.filter((r) => r.eventName === EVENT.FAILURE && r.attributes['exception.type'] !== undefined);
    expect(failures.map((r) => r.spanId).sort()).toEqual(withEvent.map((s) => events.spanId(s)).sort());
    for (const r of failures) {
      const event = events.spans.find((s) => events.spanId(s) === r.spanId)!.events.find((e) => e.name === 'exception')!;
      expect(exceptionOf(r.attributes)).toEqual(exceptionOf(event.attributes));
    }
  });

  it('puts a run cut short on a record of its own, on the root span, as the cut-off hosts had it', () => {
    const killed = loadFrames('killed');
    const { logs: cut, w: cw } = logsOf(killed, true, 'all', true);
    const records = cut.records.filter((r) => r.eventName === EVENT.INTERRUPTED);
    expect(records).toHaveLength(1);
    const r = records[0]!;
    expect(bySpan(cw, r.spanId).parent).toBeUndefined();
    expect(r.severity).toBe('ERROR');
    expect(r.attributes).toMatchObject({ 'exception.type': 'ansible.interrupted', 'error.type': 'interrupted', 'cicd.pipeline.result': 'error' });
    const hostEvent = logsOf(killed)
      .w.spans.flatMap((s) => s.events)
      .find((e) => e.name === 'exception')!;
    expect(r.attributes['exception.message']).toBe(hostEvent.attributes['exception.message']);
    expect(logsOf(killed).logs.records.filter((x) => x.eventName === EVENT.INTERRUPTED)).toEqual([]);
  });
});

describe('log records of results with warnings, and of secrets', () => {
  const warned = stream([
    { t: 'playbook_start', path: '/p/site.yml' },
    { t: 'play_start', play: 'p1', name: 'Play' },
    { t: 'task_start', task: 't1', name: 'Carry a warning', action: 'warn_me' },
    {
      t: 'host_result',
      task: 't1',
      host: 'h1',
      status: 'ok',
      changed: false,
      res: { warnings: ['one', 'two'], deprecations: [{ msg: 'old', version: '9.99', collection_name: 'ansible.builtin' }], stdout: 'out\n' },
    },
    { t: 'task_start', task: 't2', name: 'Clipped', action: 'warn_me' },
    { t: 'host_result', task: 't2', host: 'h1', status: 'ok', changed: false, res: { warnings: '["a very long warn…[truncated 9 bytes]' } },
    { t: 'stats', hosts: { h1: { ok: 2 } } },
  ]);

  it('makes each warning and deprecation a WARN record on the host span', () => {
    const { logs, w } = logsOf(warned);
    const warns = logs.records.filter((r) => r.severity === 'WARN');
    expect(warns.map((r) => [r.eventName, r.body])).toEqual([
      [EVENT.WARNING, '[h1] Carry a warning: one'],
      [EVENT.WARNING, '[h1] Carry a warning: two'],
      [EVENT.DEPRECATION, '[h1] Carry a warning: old'],
      [EVENT.WARNING, '[h1] Clipped: ["a very long warn…[truncated 9 bytes]'],
    ]);
    expect(warns[2]!.attributes['ansible.deprecation.version']).toBe('9.99');
    const host = w.named('h1')[0]!;
    expect(warns[0]!.spanId).toBe(w.spanId(host));
    expect(warns[0]!.timeNs).toBe(warned[3]!.ts);
  });

  it('sends the warnings of a loop once, on the item spans (the loop result repeats them)', () => {
    const loop = stream([
      { t: 'playbook_start', path: '/p/site.yml' },
      { t: 'play_start', play: 'p1', name: 'Play' },
      { t: 'task_start', task: 't1', name: 'Warn in a loop', action: 'warn_me' },
      { t: 'item_result', task: 't1', host: 'h1', status: 'ok', label: 'a', res: { warnings: ['says a'] } },
      { t: 'item_result', task: 't1', host: 'h1', status: 'ok', label: 'b', res: { warnings: ['says b'] } },
      { t: 'host_result', task: 't1', host: 'h1', status: 'ok', changed: false, res: { warnings: ['says a', 'says b'], results_count: 2 } },
    ]);
    const { logs, w } = logsOf(loop);
    const warns = logs.records.filter((r) => r.eventName === EVENT.WARNING);
    expect(warns.map((r) => r.body)).toEqual(['[h1] Warn in a loop (a): says a', '[h1] Warn in a loop (b): says b']);
    expect(warns.map((r) => w.spanId(w.one(String(r.attributes['ansible.task.item.label']))))).toEqual(warns.map((r) => r.spanId));
  });

  it('carries nothing of a no_log result (secrets.ndjson: the canary is in no record)', () => {
    const { logs } = logsOf(loadFrames('secrets'));
    expect(logs.records.some((r) => r.eventName === EVENT.FAILURE)).toBe(true);
    const text = JSON.stringify(logs.records);
    expect(text).toContain('the output has been hidden');
    expect(text).not.toContain('canary-fixture-secret');
  });

  it('keeps the last lines of stderr', () => {
    const long = Array.from({ length: STDERR_TAIL_LINES + 5 }, (_, i) => `line ${i}`).join('\n');
    expect(tail(`${long}\n`, STDERR_TAIL_LINES).split('\n')).toEqual(Array.from({ length: STDERR_TAIL_LINES }, (_, i) => `line ${i + 5}`));
  });

  it('runs beside other observers without changing what they get', () => {
    const seen: string[] = [];
    const other: RunObserver = { hostResult: (e) => seen.push(e.spanId) };
    const logs = new MemoryLogs();
    const w = new MemoryWriter();
    const model = new RunModel(w, 'run-1', new ObserverFanout([new RunLogs(logs, { taskOutput: true }), other]));
    for (const f of warned) model.apply(f);
    expect(seen).toEqual(w.spans.filter((s) => s.name === 'h1').map((s) => w.spanId(s)));
  });
});
