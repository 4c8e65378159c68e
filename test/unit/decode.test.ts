import { describe, expect, it } from 'vitest';
import { decodeFrame, type FrameError } from '../../src/protocol/decode.js';
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
    ['{"v":1,"t":"__proto__","run":"r","seq":0,"ts":1}', 'unknown_type'],
    ['{"v":1,"t":"hello","run":"r","seq":-1,"ts":1}', 'bad_envelope'],
    ['{"v":1,"t":"hello","run":"r","seq":0,"ts":1.5}', 'bad_envelope'],
    ['{"v":1,"t":"hello","run":"r","seq":0,"ts":1e300}', 'bad_envelope'],
    ['{"v":1,"t":"task_start","run":"r","seq":3,"ts":1,"task":"u","name":"n","scopes":[null]}', 'bad_field'],
    ['{"v":1,"t":"task_start","run":"r","seq":3,"ts":1,"task":"u","name":"n","scopes":[{"kind":"block","id":"i","name":"n"}]}', 'bad_field'],
    ['{"v":1,"t":"stats","run":"r","seq":9,"ts":1,"hosts":{"h":null}}', 'bad_field'],
    ['{"v":1,"t":"stats","run":"r","seq":9,"ts":1,"hosts":{"h":{"ok":-1}}}', 'bad_field'],
    ['{"v":1,"t":"file_diff","run":"r","seq":5,"ts":1,"task":"u","host":"h","diffs":"x"}', 'bad_field'],
    ['{"v":1,"t":"play_start","run":"r","seq":2,"ts":1,"play":"p","name":null}', 'bad_field'],
    ['{"v":1,"t":"retry","run":"r","seq":2,"ts":1,"task":"u","host":"h","attempt":"2"}', 'bad_field'],
    ['{"v":1,"t":"bye","run":"r","seq":2,"ts":1,"dropped":1e300}', 'bad_field'],
    ['{"v":1,"t":"hello","run":"r","seq":0,"ts":1,"argv":[1]}', 'bad_field'],
  ])('refuses %s with %s', (line, code) => {
    expect(codeOf(line)).toBe(code);
  });

  it('names the field that is wrong', () => {
    expect(() => decodeFrame('{"v":1,"t":"stats","run":"r","seq":9,"ts":1,"hosts":{"h":null}}')).toThrow('stats /hosts/h: ');
  });

  it('accepts what the shim sends as null, and module output of any type in res', () => {
    const lines = [
      '{"v":1,"t":"hello","run":"r","seq":0,"ts":1,"cwd":null,"user":null,"traceparent":null,"tracestate":null}',
      '{"v":1,"t":"play_start","run":"r","seq":2,"ts":1,"play":"p","name":"","strategy":null,"serial":[2,"30%"],"check":null,"host_count":null}',
      '{"v":1,"t":"task_start","run":"r","seq":3,"ts":1,"task":"u","play":null,"name":"n","path":null,"role":null,"tags":["a",1]}',
      '{"v":1,"t":"item_result","run":"r","seq":4,"ts":1,"task":"u","host":"h","status":"ok","label":null,"res":{"rc":"0","msg":["a"],"changed":"yes"}}',
      '{"v":1,"t":"retry","run":"r","seq":5,"ts":1,"task":"u","host":"h","attempt":null,"retries":null}',
      '{"v":1,"t":"file_diff","run":"r","seq":6,"ts":1,"task":"u","host":"h","diffs":[{"before_header":null,"after_header":"/etc/x"}]}',
      '{"v":1,"t":"no_hosts_matched","run":"r","seq":7,"ts":1,"play":null}',
    ];
    for (const line of lines) expect(codeOf(line), line).toBeUndefined();
  });
});

/** Lines and oversized-line sizes a splitter of `maxLineBytes` makes of these chunks, then the end. */
function split(maxLineBytes: number, chunks: Buffer[]): { lines: string[]; oversized: number[] } {
  const lines: string[] = [];
  const oversized: number[] = [];
  const s = new NdjsonSplitter(
    maxLineBytes,
    (l) => lines.push(l),
    (n) => oversized.push(n),
  );
  for (const chunk of chunks) s.push(chunk);
  s.end();
  return { lines, oversized };
}

describe('NDJSON splitter', () => {
  it('joins lines split across chunks and skips oversized ones without buffering them', () => {
    const { lines, oversized } = split(10, [Buffer.from('abc\nde'), Buffer.from('f\n0123456789ABCDEF'), Buffer.from('GHIJ\nok\nlast')]);
    expect(lines).toEqual(['abc', 'def', 'ok', 'last']);
    expect(oversized).toEqual([20]);
  });

  it('takes lines inside one chunk as they are: empty ones skipped, the limit inclusive, UTF-8 split across chunks intact', () => {
    const e = Buffer.from('é'); // two bytes: the chunk boundary falls between them
    const { lines, oversized } = split(10, [
      Buffer.concat([Buffer.from('\n\n0123456789\n01234567890\nx'), e.subarray(0, 1)]),
      Buffer.concat([e.subarray(1), Buffer.from('y\n\nz\n')]),
    ]);
    expect(lines).toEqual(['0123456789', 'xéy', 'z']);
    expect(oversized).toEqual([11]);
  });
});
