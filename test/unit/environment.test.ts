// The environment is read once, by the entry point, and every variable through one reader with one
// boolean parser: the SDK spec's words for OTEL_*, ansible's for the rest; a value that is neither
// is false, with a warning that names the variable, its value and the words it takes.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EnvReader, parseBoolean } from '../../src/util/environment.js';
import { ROOT } from '../helpers/sidecar-run.js';

describe('parseBoolean, the one boolean parser', () => {
  it('OTEL_*: true and false in any case, blanks around them ignored; unset or empty is the default (false)', () => {
    for (const raw of ['true', 'TRUE', ' True ']) expect(parseBoolean('OTEL_SDK_DISABLED', raw)).toEqual({ value: true });
    for (const raw of ['false', 'FALSE', '', '  ', undefined]) expect(parseBoolean('OTEL_SDK_DISABLED', raw)).toEqual({ value: false });
  });

  it('OTEL_*: any other value is false, with a problem to warn about (spec: MUST be false, SHOULD warn)', () => {
    for (const raw of ['1', 'yes', 'on', 'enabled'])
      expect(parseBoolean('OTEL_EXPORTER_OTLP_INSECURE', raw)).toEqual({
        value: false,
        problem: `OTEL_EXPORTER_OTLP_INSECURE=${raw}: not a boolean (use true or false); taken as false`,
      });
  });

  it("every other variable: ansible-core's words, in any case", () => {
    for (const raw of ['true', 'yes', 'on', '1', 'y', 't', 'YES', ' On '])
      expect(parseBoolean('ANSIBLE_OTEL_LOG_TASK_OUTPUT', raw, false)).toEqual({ value: true });
    for (const raw of ['false', 'no', 'off', '0', 'n', 'f', 'No']) expect(parseBoolean('ANSIBLE_OTEL_LOG_TASK_OUTPUT', raw, true)).toEqual({ value: false });
    expect(parseBoolean('SLACK_NOTIFY_SUCCESS', undefined, true)).toEqual({ value: true });
    expect(parseBoolean('SLACK_NOTIFY_SUCCESS', '', false)).toEqual({ value: false });
  });

  it('every other variable: anything else is false whatever the default, with the words it takes', () => {
    expect(parseBoolean('ANSIBLE_OTEL_LOG_TASK_OUTPUT', 'maybe', true)).toEqual({
      value: false,
      problem: 'ANSIBLE_OTEL_LOG_TASK_OUTPUT=maybe: not a boolean (use true, yes, on, 1, y, t or false, no, off, 0, n, f); taken as false',
    });
  });
});

describe('EnvReader', () => {
  const read = (env: Record<string, string>) => {
    const warned: string[] = [];
    return { env: new EnvReader(env, (key, message) => warned.push(`${key}: ${message}`)), warned };
  };

  it('strings: blank is unset, anything else as given', () => {
    const { env } = read({ A: ' x ', B: '  ', C: '' });
    expect([env.string('A'), env.string('B'), env.string('C'), env.string('D')]).toEqual([' x ', undefined, undefined, undefined]);
  });

  it('numbers: one that does not parse is unset, and warned about', () => {
    const { env, warned } = read({ N: '42', F: '1.5', BAD: 'ten' });
    expect([env.number('N'), env.number('F'), env.number('BAD'), env.number('NONE')]).toEqual([42, 1.5, undefined, undefined]);
    expect(warned).toEqual(['number:BAD: BAD=ten: not a number; using the default']);
  });

  it('lists: comma-separated, trimmed, empty entries dropped', () => {
    const { env } = read({ L: ' otlp, ,console ,', E: ' , ' });
    expect(env.list('L')).toEqual(['otlp', 'console']);
    expect(env.list('E')).toEqual([]);
    expect(env.list('NONE')).toBeUndefined();
  });

  it('booleans: parseBoolean, its problem warned about under a key of its own', () => {
    const { env, warned } = read({ ANSIBLE_OTEL_X: 'perhaps', OTEL_Y: 'true' });
    expect([env.boolean('ANSIBLE_OTEL_X', true), env.boolean('OTEL_Y')]).toEqual([false, true]);
    expect(warned).toEqual([
      'boolean:ANSIBLE_OTEL_X: ANSIBLE_OTEL_X=perhaps: not a boolean (use true, yes, on, 1, y, t or false, no, off, 0, n, f); taken as false',
    ]);
  });
});

/** Ways a module could read the process environment itself, bypassing the config. */
const ENV_READS = [
  /\bprocess\s*\.\s*env\b/,
  /\bprocess\s*\[\s*['"`]env['"`]\s*\]/,
  /\{\s*env\s*\}\s*=\s*process\b/,
  /\bget(?:String|Number|Boolean|StringList)FromEnv\b/, // @opentelemetry/core's readers of process.env
];
const readsEnv = (source: string): boolean => ENV_READS.some((r) => r.test(source));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : /\.c?ts$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

describe('who reads the process environment', () => {
  const ENTRY = 'src/cli/main.cts';

  it('only the entry point, which hands it to every command', () => {
    const files = sources(join(ROOT, 'src')).map((f) => relative(ROOT, f));
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain(ENTRY);
    expect(files.filter((f) => readsEnv(readFileSync(join(ROOT, f), 'utf8')))).toEqual([ENTRY]);
  });

  it('would notice a module that did', () => {
    expect(readsEnv('const dir = process.env.XDG_STATE_HOME;')).toBe(true);
    expect(readsEnv("const e = process['env'];")).toBe(true);
    expect(readsEnv('const { env } = process;')).toBe(true);
    expect(readsEnv("import { getNumberFromEnv } from '@opentelemetry/core';")).toBe(true);
    expect(readsEnv('const dir = config.env.XDG_STATE_HOME;')).toBe(false);
  });
});
