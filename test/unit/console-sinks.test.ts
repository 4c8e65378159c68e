// The console formats and the events file, fed with the run model's events for a frame stream
// recorded from a real ansible-playbook run (test/fixtures/features.ndjson).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunModel } from '../../src/model/run-model.js';
import { ObserverFanout, type HostResultEvent } from '../../src/model/run-observer.js';
import { colorEnabled as colorOn, fit, pad, painter, stripAnsi, visibleWidth, type ConsoleOut } from '../../src/sinks/ansi.js';
import { ConsoleSummarySink } from '../../src/sinks/console-summary.js';
import { ConsoleTableSink, RESULT_COLUMNS } from '../../src/sinks/console-table.js';
import { consoleJsonSink } from '../../src/sinks/console-json.js';
import { eventRecord, isoFromNs, sanitizeResult } from '../../src/sinks/event-json.js';
import { eventsFileSink } from '../../src/sinks/events-file.js';
import type { Sink } from '../../src/sinks/sink.js';
import { resolveCommandEnv } from '../../src/root/config.js';
import type { Env } from '../../src/util/environment.js';
import { Logger } from '../../src/util/log.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { loadFrames } from '../helpers/recorded-run.js';

/** What the config makes of the environment's colour variables. */
const colorOf = (env: Env) => resolveCommandEnv(env, new Logger(() => {})).color;

class Buffer implements ConsoleOut {
  text = '';
  constructor(readonly isTTY = false) {}
  write(s: string): boolean {
    this.text += s;
    return true;
  }
}

/** The features fixture through a RunModel whose observer is `sink`. */
function feed(sink: Sink, fixture = 'features'): MemoryWriter {
  const frames = loadFrames(fixture);
  const w = new MemoryWriter();
  const errors: unknown[] = [];
  const model = new RunModel(w, frames[0]!.run, new ObserverFanout([sink], (_m, e) => errors.push(e)));
  for (const f of frames) model.apply(f);
  model.finish();
  expect(errors).toEqual([]);
  return w;
}

const ESC = '\u001b[';

describe('visible width', () => {
  it('ignores colour codes and counts wide characters twice', () => {
    const red = painter(true)('red', 'FAILED');
    expect(red).toContain(ESC);
    expect(visibleWidth(red)).toBe(6);
    expect(visibleWidth('日本')).toBe(4);
    expect(visibleWidth('e\u0301')).toBe(1);
    expect(stripAnsi(pad(red, 11))).toBe('FAILED     ');
    expect(visibleWidth(pad(red, 11))).toBe(11);
    expect(pad('7', 4, 'right')).toBe('   7');
    // biome-ignore lint/suspicious/noFocusedTests: fit() is the column fitter under test, not a focused test
    expect(fit('a-very-long-host-name', 10)).toBe('a-very-lo…');
  });

  it('colours only on a terminal, unless forced; NO_COLOR and ANSIBLE_NOCOLOR win', () => {
    const colorEnabled = (env: Env, tty: boolean | undefined): boolean => colorOn(colorOf(env), tty);
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({}, undefined)).toBe(false);
    expect(colorEnabled({ ANSIBLE_FORCE_COLOR: '1' }, false)).toBe(true);
    expect(colorEnabled({ ANSIBLE_FORCE_COLOR: 'true', NO_COLOR: '1' }, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: '1' }, true)).toBe(false);
    expect(colorEnabled({ ANSIBLE_NOCOLOR: 'yes' }, true)).toBe(false);
    expect(colorEnabled({ ANSIBLE_NOCOLOR: 'false' }, true)).toBe(true);
    expect(colorEnabled({ NO_COLOR: '' }, true)).toBe(true);
  });
});

describe('table format', () => {
  function table(env: Env, tty = false): string {
    const out = new Buffer(tty);
    feed(new ConsoleTableSink({ out, color: colorOf(env) }));
    return out.text;
  }

  it('prints one row per host result with host, status, changed and task, columns aligned through colour codes', () => {
    const text = table({ ANSIBLE_FORCE_COLOR: '1' });
    expect(text).toContain(ESC);
    const lines = text.split('\n').map(stripAnsi);
    const statusAt = RESULT_COLUMNS.host + 2;
    const changedAt = statusAt + RESULT_COLUMNS.status + 2;
    const taskAt = changedAt + RESULT_COLUMNS.changed + 2;
    const headers = lines.filter((l) => l.startsWith('HOST ') && l.includes('TASK'));
    expect(headers.length).toBe(4); // 2 serial batches + 2 plays
    for (const h of headers) expect([h.indexOf('STATUS'), h.indexOf('CHANGED'), h.indexOf('TASK')]).toEqual([statusAt, changedAt, taskAt]);
    const rows = lines
      .slice(
        0,
        lines.findIndex((l) => l.startsWith('PLAY RECAP')),
      )
      .filter((l) => /^(h1|h2|gone) /.test(l));
    expect(rows.length).toBe(36); // one per host result of the fixture
    for (const r of rows) {
      expect(r[statusAt - 1]).toBe(' ');
      expect(r.slice(statusAt)).toMatch(/^(OK|CHANGED|FAILED|UNREACHABLE|SKIPPED|IGNORED|RESCUED) +(yes|no) +\S/);
      expect(r.slice(changedAt)).toMatch(/^(yes|no) +\S/);
      expect(r[taskAt]).not.toBe(' ');
    }
    expect(rows).toContain(
      `${pad('h2', RESULT_COLUMNS.host)}  ${pad('FAILED', RESULT_COLUMNS.status)}  ${pad('no', RESULT_COLUMNS.changed)}  Fail for real on h2`,
    );
    expect(lines[lines.indexOf(rows.find((r) => r.includes('Fail for real on h2') && r.startsWith('h2'))!) + 1]).toContain('└ h2 is broken');
    expect(rows.some((r) => r.startsWith('h2') && r.includes('greeter : Greet'))).toBe(true);
    expect(rows.some((r) => r.includes('handler: greeter : Greeted'))).toBe(true);
  });

  it('gives the PLAY RECAP as a table whose numbers line up under their headers', () => {
    const lines = table({ ANSIBLE_FORCE_COLOR: '1' }).split('\n');
    const at = lines.findIndex((l) => stripAnsi(l).startsWith('PLAY RECAP: features.yml'));
    expect(stripAnsi(lines[at]!)).toMatch(/failure/);
    const header = lines[at + 2]!;
    expect(header).toMatch(/^HOST +OK +CHANGED +FAILED +UNREACHABLE +SKIPPED +RESCUED +IGNORED$/);
    const rows = lines.slice(at + 4, at + 7);
    expect(rows.some((r) => r.includes(ESC))).toBe(true);
    const plain = rows.map(stripAnsi);
    expect(plain.map((r) => r.split(/ +/)[0])).toEqual(['gone', 'h1', 'h2']);
    // every number ends where its column title ends
    const ends = [...header.matchAll(/\S+/g)].slice(1).map((m) => m.index + m[0].length);
    for (const r of plain) {
      expect(r.length).toBe(header.length);
      for (const end of ends) expect(r[end - 1]).toMatch(/\d/);
    }
    expect(plain[2]!.split(/ +/).slice(1)).toEqual(['13', '6', '1', '0', '1', '1', '2']);
  });

  it('has no colour when not a terminal, colour on one, none with NO_COLOR', () => {
    expect(table({})).not.toContain('\u001b');
    expect(table({}, true)).toContain(ESC);
    expect(table({ NO_COLOR: '1', ANSIBLE_FORCE_COLOR: '1' }, true)).not.toContain('\u001b');
  });
});

describe('json format', () => {
  it('writes one JSON object per event, each with the trace and span id of its span', () => {
    const out = new Buffer();
    const w = feed(consoleJsonSink(out));
    const events = out.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, any>);
    const types = new Set(events.map((e) => e.event));
    expect([...types].sort()).toEqual(['host_result', 'item_result', 'play_start', 'playbook_end', 'playbook_start', 'retry', 'task_start']);
    expect(events[0]!.event).toBe('playbook_start');
    expect(events.at(-1)!.event).toBe('playbook_end');
    const root = w.spans.find((s) => s.name === 'RUN features.yml')!;
    for (const e of events) {
      expect(e.trace_id).toBe(w.traceId(root));
      expect(e.span_id).toMatch(/^span-\d+$/);
      expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    }
    const failed = events.find((e) => e.event === 'host_result' && e.status === 'failed')!;
    const span = w.spans.find((s) => `span-${s.id}` === failed.span_id)!;
    expect(span.name).toBe('h2');
    expect(span.parent!.name).toBe('Fail for real on h2');
    expect(failed).toMatchObject({ host: 'h2', task: 'Fail for real on h2', message: 'h2 is broken', result: { msg: 'h2 is broken' } });
    const task = events.find((e) => e.event === 'task_start' && e.task === 'Fail for real on h2')!;
    expect(task.span_id).toBe(`span-${span.parent!.id}`);
    const end = events.at(-1)!;
    expect(end).toMatchObject({ result: 'failure', failed_hosts: ['h2'], unreachable_hosts: ['gone'], span_id: `span-${root.id}` });
  });

  it("leaves out the seed's bulky and internal result keys", () => {
    expect(
      sanitizeResult({
        msg: 'm',
        rc: 0,
        invocation: { module_args: {} },
        diff: [],
        stdout_lines: ['a'],
        stderr_lines: [],
        _ansible_no_log: false,
        changed: true,
      }),
    ).toEqual({ msg: 'm', rc: 0, changed: true });
    const e = {
      runId: 'r',
      pipelineRunId: 'r',
      playbook: 'p.yml',
      playbookPath: '/p.yml',
      traceId: 't',
      rootSpanId: 'root',
      spanId: 's',
      play: 'P',
      task: 'T',
      taskUuid: 'u',
      taskRunId: 'u',
      handler: false,
      host: 'h',
      status: 'ok',
      startNs: 1.7e18,
      endNs: 1.7e18 + 2.5e6,
      items: 0,
      retries: 0,
      changed: false,
      result: { msg: 'x', stdout_lines: ['x'], _ansible_verbose_always: true },
    } as HostResultEvent;
    expect(eventRecord.hostResult(e)).toMatchObject({ event: 'host_result', duration_ms: 2.5, result: { msg: 'x' } });
    expect(eventRecord.hostResult(e).result).toEqual({ msg: 'x' });
  });

  it('gives timestamps to the microsecond', () => {
    expect(isoFromNs(1_763_928_286_105_069_000)).toMatch(/^2025-11-23T\d\d:\d\d:\d\d\.105069Z$/);
  });
});

describe('events file', () => {
  it('holds exactly the lines of the json format', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'events-'));
    const path = join(dir, 'sub', 'events.jsonl');
    const sink = eventsFileSink(path);
    feed(sink);
    await sink.shutdown!(1000);
    const out = new Buffer();
    feed(consoleJsonSink(out));
    expect(readFileSync(path, 'utf8')).toBe(out.text);
  });

  it('says which file it cannot open', () => {
    const notADir = join(mkdtempSync(join(tmpdir(), 'events-')), 'file');
    writeFileSync(notADir, '');
    expect(() => eventsFileSink(join(notADir, 'events.jsonl'))).toThrow(`events file ${join(notADir, 'events.jsonl')}: EEXIST`);
  });
});

describe('summary format', () => {
  function summary(fixture = 'features'): string {
    const out = new Buffer();
    feed(new ConsoleSummarySink({ out, traceUrl: 'http://jaeger/trace/{trace_id}?uiFind={span_id}' }), fixture);
    return out.text;
  }

  it('has a banner per play, the duration, tasks executed and every failed task with host and message', () => {
    const text = summary();
    expect(text).toMatch(/^PLAYBOOK START: features\.yml \*+$/m);
    for (const play of ['Serial rollout', 'Everything else', 'Unreachable']) expect(text).toMatch(new RegExp(`^PLAY \\[${play}\\] \\*+$`, 'm'));
    expect(text).toMatch(/^PLAYBOOK COMPLETE: features\.yml FAILED \*+$/m);
    expect(text).toMatch(/^Duration: (\d+m )?\d+(\.\d+)?s$/m);
    expect(text).toMatch(/^Tasks executed: 20 \(host results: 17 ok, 8 changed, 1 failed, 1 unreachable, 4 ignored, 2 rescued, 3 skipped\)$/m);
    expect(text).toContain('Failed tasks: 2\n  Fail for real on h2 [h2]: h2 is broken\n  Ping the dead host [gone] unreachable: Failed to connect');
    expect(text).toContain('  FAILED: [h2] Fail for real on h2 — h2 is broken');
    // the trace link names the root span where the template asks for a span
    expect(text).toMatch(/^Trace: trace-1 {2}http:\/\/jaeger\/trace\/trace-1\?uiFind=span-1$/m);
  });

  it('ranks the slowest tasks and hosts by their frame-timed durations', () => {
    const lines = summary().split('\n');
    const tasks = lines.slice(lines.indexOf('Slowest tasks:') + 1, lines.indexOf('Slowest hosts:'));
    expect(tasks.length).toBe(10);
    for (const t of tasks) expect(t).toMatch(/^ +[\d.]+(ms|s) {2}\S.* {2}\((Serial rollout|Everything else|Unreachable)\)$/);
    const seconds = tasks.map((t) => {
      const m = /^ +([\d.]+)(ms|s) /.exec(t)!;
      return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
    });
    expect([...seconds].sort((a, b) => b - a)).toEqual(seconds);
    const hosts = lines.slice(
      lines.indexOf('Slowest hosts:') + 1,
      lines.findIndex((l) => l.startsWith('Trace:')),
    );
    expect(hosts.map((h) => h.trim().split(/ {2}/)[1])).toEqual(['h1', 'h2', 'gone']);
  });

  it('says an interrupted playbook was interrupted', () => {
    expect(summary('killed')).toMatch(/^PLAYBOOK COMPLETE: killed\.yml INTERRUPTED \*+$/m);
  });
});
