// Traces files read back (report, compare, run --baseline FILE): validated at the edge, line by
// line, like frames. The files are our embedded default's output of recorded real runs
// (test/fixtures/README.md, "Traces files"); the bad lines are made from their real lines.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTR } from '../../src/model/attributes.js';
import type { PlaybookEndEvent, PlaybookStartEvent } from '../../src/model/run-observer.js';
import { badLinesWarning, readTracesFile, type TracesFile } from '../../src/report/otlp-json-lines.js';
import { checkTracesRequest } from '../../src/report/otlp-json-schema.js';
import { ReportBuilder } from '../../src/report/report-builder.js';
import { replaySpans, selectTraces } from '../../src/report/replay-spans.js';
import { FIXTURES } from '../helpers/recorded-run.js';
import { tempDir } from '../helpers/sidecar-run.js';

const FEATURES = join(FIXTURES, 'features.traces.jsonl');
const SMALL = join(FIXTURES, 'small-a-b-check.traces.jsonl');
const dir = tempDir('otlp-json-lines-');
let files = 0;
const write = (lines: string[]): string => {
  const path = join(dir, `t${++files}.jsonl`);
  writeFileSync(path, lines.join('\n'));
  return path;
};

type Json = any;
/** The fixture's one request, parsed: each test mutates its own copy. */
const request = (path = FEATURES): Json => JSON.parse(readFileSync(path, 'utf8'));
const rawSpans = (req: Json): Json[] => req.resourceSpans.flatMap((rs: Json) => rs.scopeSpans.flatMap((ss: Json) => ss.spans));
/** One request per span, resource and scope kept: a file of many lines, as a long-running writer leaves it. */
const perSpan = (req: Json): string[] =>
  req.resourceSpans.flatMap((rs: Json) =>
    rs.scopeSpans.flatMap((ss: Json) => ss.spans.map((s: Json) => JSON.stringify({ resourceSpans: [{ ...rs, scopeSpans: [{ ...ss, spans: [s] }] }] }))),
  );
const attr = (s: Json, key: string): Json => s.attributes.find((a: Json) => a.key === key)?.value;

describe('a traces file of the embedded default', () => {
  it('reads every span as the file has it, with no bad line', async () => {
    const req = request();
    const file = await readTracesFile(FEATURES);
    expect(file.badLines).toBe(0);
    expect(badLinesWarning(file)).toBeUndefined();
    // the oracle: the file's own JSON, walked here without the reader
    const raw = rawSpans(req);
    expect(raw.length).toBeGreaterThan(50);
    expect(file.spans.map((s) => [s.traceId, s.spanId, s.parentSpanId, s.name, s.startNs, s.endNs])).toEqual(
      raw.map((s) => [s.traceId, s.spanId, s.parentSpanId ?? '', s.name, Number(s.startTimeUnixNano), Number(s.endTimeUnixNano)]),
    );
    expect(file.spans.map((s) => Object.keys(s.attributes))).toEqual(raw.map((s) => s.attributes.map((a: Json) => a.key)));
    const root = file.spans.find((s) => s.attributes[ATTR.PLAYBOOK_PATH] !== undefined)!;
    expect(root.attributes[ATTR.PLAYBOOK_PATH]).toBe('/repo/test/playbooks/features.yml');
    expect(typeof root.attributes[ATTR.CICD_PIPELINE_RESULT]).toBe('string');
    expect(file.spans.some((s) => Array.isArray(s.attributes[ATTR.PLAY_HOSTS]))).toBe(true);
  });

  it("replays into the report every host result the file holds, with the file's statuses", async () => {
    const raw = rawSpans(request());
    const { spans } = await readTracesFile(FEATURES);
    const builder = new ReportBuilder();
    replaySpans(spans, selectTraces(spans), builder);
    expect(builder.playbooks.map((p) => [p.name, p.result])).toEqual([['features.yml', 'failure']]);
    const hostSpans = raw.filter((s) => attr(s, ATTR.TASK_HOST_NAME) && attr(s, ATTR.TASK_UUID) && !attr(s, ATTR.TASK_ITEM_LABEL));
    const statuses = (list: string[]): string[] => list.sort();
    expect(statuses(builder.playbooks[0]!.plays.flatMap((p) => p.tasks.flatMap((t) => t.results.map((r) => r.status))))).toEqual(
      statuses(hostSpans.map((s) => attr(s, ATTR.TASK_HOST_STATUS)?.stringValue ?? 'ok')),
    );
  });

  it('takes two playbooks under a W3C parent: each root keeps its remote parent id, each playbook its spans', async () => {
    const { spans, badLines } = await readTracesFile(SMALL);
    expect(badLines).toBe(0);
    const roots = spans.filter((s) => s.attributes[ATTR.PLAYBOOK_PATH] !== undefined);
    expect(roots.map((r) => [r.name, r.traceId, r.parentSpanId])).toEqual([
      ['RUN small-a.yml', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'],
      ['RUN small-b.yml', '4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7'],
    ]);
    // one trace, two playbooks: the report has both, each with its own tasks
    const builder = new ReportBuilder();
    replaySpans(spans, selectTraces(spans), builder);
    expect(builder.playbooks.map((p) => [p.name, p.plays.flatMap((play) => play.tasks.map((t) => t.name))])).toEqual([
      ['small-a.yml', ['Change a file']],
      ['small-b.yml', ['Say b']],
    ]);
  });

  it("reads the Collector file exporter's form alike: 64-bit integers as strings, defaults left out, ids in upper case or base64", async () => {
    const req = request();
    const want = (await readTracesFile(FEATURES)).spans;
    const collector = JSON.parse(JSON.stringify(req), (key, v) => (key === 'intValue' ? String(v) : v));
    for (const s of rawSpans(collector)) {
      if (s.status?.code === 0) delete s.status;
      if (s.kind === 0) delete s.kind;
      for (const e of s.events ?? []) e.timeUnixNano = String(e.timeUnixNano);
    }
    expect((await readTracesFile(write(perSpan(collector)))).spans).toEqual(want);
    const b64 = (hex: string): string => Buffer.from(hex, 'hex').toString('base64');
    for (const s of rawSpans(collector)) {
      s.traceId = b64(s.traceId);
      s.spanId = s.spanId.toUpperCase();
      if (s.parentSpanId) s.parentSpanId = b64(s.parentSpanId);
    }
    const read = await readTracesFile(write(perSpan(collector)));
    expect(read.badLines).toBe(0);
    expect(read.spans).toEqual(want);
  });
});

/** The first span's path in a request of the fixture: where the mutations below are made. */
const P = '/resourceSpans/0/scopeSpans/0/spans/0';

/**
 * [what, the bad line (or a change to a real line's request, its first span), the message: the
 * path first, then what it expected and got].
 */
const BAD: [string, (req: Json, span: Json) => unknown, RegExp][] = [
  ['not JSON', () => 'hello', /^not JSON \(Unexpected token/],
  ['a torn line', (req) => JSON.stringify(req).slice(0, 300), /^not JSON \(/],
  ['JSON, not an object', () => '[1,2]', /^not a JSON object but an array$/],
  ['null', () => 'null', /^not a JSON object but null$/],
  ['a logs request', () => '{"resourceLogs":[]}', /^\/resourceSpans: expected an array of resource spans \(this is a traces request\), got nothing$/],
  ['resourceSpans of a wrong type', () => '{"resourceSpans":{}}', /^\/resourceSpans: expected an array of resource spans .*, got an object$/],
  [
    'a name of a wrong type',
    (_, s) => {
      s.name = 5;
    },
    new RegExp(`^${P}/name: expected string, got 5$`),
  ],
  [
    'a missing span id',
    (_, s) => {
      delete s.spanId;
    },
    new RegExp(`^${P}/spanId: expected a span id: 16 hex digits \\(or base64\\), got nothing$`),
  ],
  [
    'a missing trace id',
    (_, s) => {
      delete s.traceId;
    },
    new RegExp(`^${P}/traceId: expected a trace id: 32 hex digits`),
  ],
  [
    'a trace id too short',
    (_, s) => {
      s.traceId = 'abc';
    },
    new RegExp(`^${P}/traceId: expected a trace id: .*, got "abc"$`),
  ],
  [
    'a span id of a wrong type',
    (_, s) => {
      s.spanId = 12;
    },
    new RegExp(`^${P}/spanId: .*, got 12$`),
  ],
  [
    'a time in exponent form',
    (_, s) => {
      s.startTimeUnixNano = '1.7e18';
    },
    new RegExp(`^${P}/startTimeUnixNano: expected nanoseconds`),
  ],
  [
    'a time past 2^64',
    (_, s) => {
      s.endTimeUnixNano = '123456789012345678901';
    },
    new RegExp(`^${P}/endTimeUnixNano: expected nanoseconds`),
  ],
  [
    'a huge number (no double holds it)',
    (req, s) => {
      s.startTimeUnixNano = 7;
      return JSON.stringify(req).replace('"startTimeUnixNano":7', '"startTimeUnixNano":1e400');
    },
    new RegExp(`^${P}/startTimeUnixNano: expected nanoseconds: .*, got Infinity$`),
  ],
  [
    'a negative time',
    (_, s) => {
      s.startTimeUnixNano = -1;
    },
    new RegExp(`^${P}/startTimeUnixNano: .*, got -1$`),
  ],
  [
    'an int attribute beyond 64 bits',
    (_, s) => {
      s.attributes.push({ key: 'x', value: { intValue: '99999999999999999999999' } });
    },
    new RegExp(`^${P}/attributes/\\d+/value/intValue: expected a 64-bit integer`),
  ],
  [
    'a wrong type deep in an array attribute',
    (_, s) => {
      s.attributes.push({ key: 'x', value: { arrayValue: { values: [{ stringValue: 'a' }, { boolValue: 'yes' }] } } });
    },
    new RegExp(`^${P}/attributes/\\d+/value/arrayValue/values/1/boolValue: expected boolean, got "yes"$`),
  ],
  [
    'an attribute without a key',
    (_, s) => {
      s.attributes.push({ value: { stringValue: 'v' } });
    },
    new RegExp(`^${P}/attributes/\\d+/key: `),
  ],
  [
    'a status code by name',
    (_, s) => {
      s.status = { code: 'STATUS_CODE_ERROR' };
    },
    new RegExp(`^${P}/status/code: expected an enum`),
  ],
  [
    'an event time of a wrong type',
    (_, s) => {
      s.events = [{ name: 'e', timeUnixNano: true }];
    },
    new RegExp(`^${P}/events/0/timeUnixNano: `),
  ],
  [
    'a link without its span id',
    (_, s) => {
      s.links = [{ traceId: s.traceId }];
    },
    new RegExp(`^${P}/links/0/spanId: expected a span id`),
  ],
];

describe('a bad line', () => {
  it.each(BAD)('%s: is named by its first failing path', async (_, make, message) => {
    const req = request();
    const made = make(req, rawSpans(req)[0]);
    const line = typeof made === 'string' ? made : JSON.stringify(req);
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined || line === 'null') {
      const checked = checkTracesRequest(parsed);
      expect(checked.ok).toBe(false);
      if (!checked.ok) expect(checked.problem).toMatch(message);
    }
    // in a file: skipped with its line number, the lines around it used
    const good = perSpan(request());
    const clean = await readTracesFile(write(good));
    const file = await readTracesFile(write([...good.slice(0, 3), line, ...good.slice(3)]));
    expect(file.spans).toEqual(clean.spans);
    expect(file.badLines).toBe(1);
    expect(file.firstBad?.line).toBe(4);
    expect(file.firstBad?.message).toMatch(message);
  });

  it('each is skipped and counted; the one warning names the first (file, line, path) and the count', async () => {
    const good = perSpan(request());
    const torn = good.at(-1)!.slice(0, 120);
    const path = write(['', good[0]!, '{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"x"}]}]}]}', ...good.slice(1), '   ', 'garbage', torn]);
    const file: TracesFile = await readTracesFile(path);
    expect(file.spans).toHaveLength(good.length); // blank lines are no bad lines, and lose nothing
    expect(file.badLines).toBe(3);
    expect(badLinesWarning(file)).toBe(
      `${path}:3: /resourceSpans/0/scopeSpans/0/spans/0/traceId: expected a trace id: 32 hex digits (or base64), got nothing ` +
        '(line skipped, expected one OTLP/JSON ExportTraceServiceRequest per line; 3 bad lines skipped in all)',
    );
  });

  it('a file of nothing but bad lines gives no span, and never throws', async () => {
    const path = write(['\u0000\u0001', '{', '{"resourceSpans":null}', 'x'.repeat(100_000)]);
    const file = await readTracesFile(path);
    expect(file).toMatchObject({ spans: [], badLines: 4, firstBad: { file: path, line: 1, code: 'bad_json' } });
  });
});

describe('attributes behind the edge', () => {
  it('read by type: a value of another type than its key has is absent, never passed on as the wrong type', async () => {
    const req = request(SMALL);
    const roots = rawSpans(req).filter((s: Json) => attr(s, ATTR.PLAYBOOK_PATH));
    const set = (s: Json, key: string, value: Json): void => {
      s.attributes = s.attributes.filter((a: Json) => a.key !== key).concat([{ key, value }]);
    };
    set(roots[0], ATTR.CICD_PIPELINE_RESULT, { stringValue: 'exploded' });
    set(roots[0], ATTR.RUN_FORKS, { stringValue: 'five' });
    set(roots[0], ATTR.CHECK_MODE, { intValue: 1 });
    set(roots[0], ATTR.FAILED_HOSTS, { stringValue: 'h1' });
    // the same keys with the types they have: passed on
    set(roots[1], ATTR.RUN_FORKS, { intValue: '5' });
    set(roots[1], ATTR.FAILED_HOSTS, { arrayValue: { values: [{ stringValue: 'h1' }] } });
    const { spans } = await readTracesFile(write([JSON.stringify(req)]));
    const starts: PlaybookStartEvent[] = [];
    const ends: PlaybookEndEvent[] = [];
    replaySpans(spans, selectTraces(spans), { playbookStart: (e) => starts.push(e), playbookEnd: (e) => ends.push(e) });
    expect(starts.map((e) => [e.playbook, e.forks, e.check])).toEqual([
      ['small-a.yml', undefined, undefined],
      ['small-b.yml', 5, true],
    ]);
    expect(ends.map((e) => [e.result, e.failedHosts])).toEqual([
      ['error', []],
      ['success', ['h1']],
    ]);
  });
});
