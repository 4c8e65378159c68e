// Property-based fuzzing: hostile input never crashes the decoder, and no sequence of frames
// leaves a span open once its run has ended.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, FrameError } from '../../src/protocol/decode.js';
import { NdjsonSplitter } from '../../src/ingest/ndjson-splitter.js';
import { RunModel } from '../../src/model/run-model.js';
import type { Frame } from '../../src/protocol/frames.js';
import { MemoryWriter } from '../helpers/memory-writer.js';

// Fixed, so a failure in CI reproduces; FUZZ_SEED=<n> explores other inputs locally.
const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261123);

function decodesOrRefuses(line: string): void {
  try {
    decodeFrame(line);
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
  }
}

describe('frame decoder under fuzzing', () => {
  it('answers any string with a frame or a FrameError', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), decodesOrRefuses), { numRuns: 2000, seed: FUZZ_SEED });
  });

  it('answers any JSON value with a frame or a FrameError', () => {
    fc.assert(fc.property(fc.jsonValue(), (v) => decodesOrRefuses(JSON.stringify(v))), { numRuns: 2000, seed: FUZZ_SEED });
  });

  it('answers envelopes with arbitrary fields with a frame or a FrameError', () => {
    const type = fc.constantFrom('hello', 'playbook_start', 'play_start', 'task_start', 'host_start', 'host_result', 'item_result', 'stats', 'bye', 'nope', '__proto__');
    const record = fc.record({ v: fc.constantFrom(1, 2, '1'), t: type, run: fc.string(), seq: fc.oneof(fc.integer(), fc.double()), ts: fc.oneof(fc.integer(), fc.string()) }, { requiredKeys: [] });
    fc.assert(fc.property(record, fc.dictionary(fc.string(), fc.jsonValue()), (env, extra) => decodesOrRefuses(JSON.stringify({ ...extra, ...env }))), { numRuns: 2000, seed: FUZZ_SEED });
  });
});

describe('NDJSON splitter under fuzzing', () => {
  it('gives back exactly the lines it was sent, however the stream is cut', () => {
    const line = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\n'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }), (lines, cuts) => {
        const max = 25;
        const out: string[] = [];
        let oversized = 0;
        const s = new NdjsonSplitter(max, (l) => out.push(l), () => oversized++);
        const bytes = Buffer.from(lines.map((l) => `${l}\n`).join(''));
        for (let i = 0, c = 0; i < bytes.length; c++) {
          const n = cuts[c % cuts.length]!;
          s.push(bytes.subarray(i, i + n));
          i += n;
        }
        s.end();
        const fits = lines.filter((l) => Buffer.byteLength(l) <= max);
        expect(out).toEqual(fits);
        expect(oversized).toBe(lines.length - fits.length);
      }),
      { numRuns: 1000, seed: FUZZ_SEED },
    );
  });
});

// Frames from a small alphabet, so sequences hit the same tasks, hosts and plays often.
const ids = fc.constantFrom('a', 'b', 'c');
const hosts = fc.constantFrom('h1', 'h2');
const frameBody = fc.oneof(
  fc.constant({ t: 'hello' }),
  fc.record({ t: fc.constant('playbook_start'), path: fc.constantFrom('/p/one.yml', '/p/two.yml') }),
  fc.record({ t: fc.constant('play_start'), play: ids, name: ids }),
  fc.record({ t: fc.constant('task_start'), task: ids, name: ids, handler: fc.boolean(), scopes: fc.array(fc.record({ kind: fc.constantFrom('role', 'include'), id: ids, name: ids }), { maxLength: 2 }) }),
  fc.record({ t: fc.constant('host_start'), task: ids, host: hosts }),
  fc.record({ t: fc.constant('host_result'), task: ids, host: hosts, status: fc.constantFrom('ok', 'failed', 'skipped', 'unreachable'), ignored: fc.boolean(), rescued: fc.boolean() }),
  fc.record({ t: fc.constant('item_result'), task: ids, host: hosts, status: fc.constantFrom('ok', 'failed', 'skipped'), label: ids }),
  fc.record({ t: fc.constant('retry'), task: ids, host: hosts, attempt: fc.nat(5) }),
  fc.record({ t: fc.constantFrom('async_poll', 'async_ok', 'async_failed'), task: ids, host: hosts, job: ids }),
  fc.record({ t: fc.constant('notify'), handler: ids, host: hosts }),
  fc.record({ t: fc.constant('include'), task: ids, file: ids }),
  fc.record({ t: fc.constant('file_diff'), task: ids, host: hosts }),
  fc.record({ t: fc.constantFrom('no_hosts_matched', 'no_hosts_remaining') }),
  fc.record({ t: fc.constant('stats'), hosts: fc.dictionary(hosts, fc.record({ failures: fc.nat(2), ok: fc.nat(2) })) }),
  fc.constant({ t: 'bye' }),
);

describe('run model under fuzzing', () => {
  it('leaves no span open and ends none twice, for any sequence of frames and clocks', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(frameBody, fc.integer({ min: 0, max: 1_000_000 })), { maxLength: 60 }), (steps) => {
        const w = new MemoryWriter(); // throws if a span ends twice
        const model = new RunModel(w, 'fuzz');
        steps.forEach(([body, ts], seq) => model.apply({ v: 1, run: 'fuzz', seq, ts, ...body } as Frame));
        model.finish();
        expect(w.open()).toEqual([]);
        for (const s of w.spans) expect(s.endNs!).toBeGreaterThanOrEqual(s.startNs);
      }),
      { numRuns: 3000, seed: FUZZ_SEED },
    );
  });
});
