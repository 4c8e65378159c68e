import { describe, expect, it } from 'vitest';
import { decodeFrame, FrameError } from '../../src/protocol/decode.js';
import { NdjsonSplitter } from '../../src/ingest/ndjson-splitter.js';

function codeOf(line: string): string | undefined {
  try {
    decodeFrame(line);
    return undefined;
  } catch (err) {
    return (err as FrameError).code;
  }
}

describe('frame decoder', () => {
  it('accepts a valid frame and keeps unknown keys', () => {
    const f = decodeFrame('{"v":1,"t":"host_start","run":"r","seq":3,"ts":1,"task":"u","host":"h","extra":1}');
    expect(f).toMatchObject({ t: 'host_start', task: 'u', host: 'h', extra: 1 });
  });

  it.each([
    ['not json', 'bad_json'],
    ['[1,2]', 'not_object'],
    ['{"v":2,"t":"hello","run":"r","seq":0,"ts":1}', 'bad_version'],
    ['{"v":1,"t":"hello","seq":0,"ts":1}', 'bad_envelope'],
    ['{"v":1,"t":"hello","run":"r","seq":0.5,"ts":1}', 'bad_envelope'],
    ['{"v":1,"t":"launch_missiles","run":"r","seq":0,"ts":1}', 'unknown_type'],
    ['{"v":1,"t":"host_start","run":"r","seq":0,"ts":1,"task":"u"}', 'bad_field'],
    ['{"v":1,"t":"host_result","run":"r","seq":0,"ts":1,"task":"u","host":"h","status":"exploded"}', 'bad_field'],
    ['{"v":1,"t":"toString","run":"r","seq":0,"ts":1}', 'unknown_type'],
  ])('refuses %s with %s', (line, code) => {
    expect(codeOf(line)).toBe(code);
  });
});

describe('NDJSON splitter', () => {
  it('joins lines split across chunks and skips oversized ones without buffering them', () => {
    const lines: string[] = [];
    const oversized: number[] = [];
    const s = new NdjsonSplitter(10, (l) => lines.push(l), (n) => oversized.push(n));
    s.push(Buffer.from('abc\nde'));
    s.push(Buffer.from('f\n0123456789ABCDEF'));
    s.push(Buffer.from('GHIJ\nok\nlast'));
    s.end();
    expect(lines).toEqual(['abc', 'def', 'ok', 'last']);
    expect(oversized).toEqual([20]);
  });
});
