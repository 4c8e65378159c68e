// The configuration through the built command line: commander applies a flag's env twin, and a
// bad setting is one line on stderr and exit 2, before anything is read or exported.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/recorded-run.js';
import { cleanEnv, runCli, tempDir } from '../helpers/sidecar-run.js';

describe('configuration from the command line', () => {
  const frames = join(FIXTURES, 'features.ndjson');
  const offline = { OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none' };

  it('--traces-file wins over ANSIBLE_OTEL_TRACES_FILE, which counts when the flag is absent', async () => {
    const dir = tempDir();
    const [flag, fromEnv] = [join(dir, 'flag.jsonl'), join(dir, 'env.jsonl')];
    const env = cleanEnv({ ...offline, ANSIBLE_OTEL_TRACES_FILE: fromEnv });
    const withFlag = await runCli(['replay', '--traces-file', flag, frames], env, undefined, dir);
    expect(withFlag.code, withFlag.stderr).toBe(0);
    expect(readFileSync(flag, 'utf8')).toContain('resourceSpans');
    expect(existsSync(fromEnv)).toBe(false);
    const withoutFlag = await runCli(['replay', frames], env, undefined, dir);
    expect(withoutFlag.code, withoutFlag.stderr).toBe(0);
    expect(readFileSync(fromEnv, 'utf8')).toContain('resourceSpans');
  });

  it('a bad setting is one line on stderr and exit 2, with nothing exported', async () => {
    const dir = tempDir();
    const traces = join(dir, 'traces.jsonl');
    const bad = await runCli(['replay', '--traces-file', traces, frames], cleanEnv({ ANSIBLE_OTEL_HOST_SPANS: 'some' }), undefined, dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('ansible-otel: error: ANSIBLE_OTEL_HOST_SPANS=some: not a host span mode (use all, problems, none or auto:N)\n');
    expect(existsSync(traces)).toBe(false);
  });

  it('a switch that is not a boolean is warned about once and taken as false: the run goes on', async () => {
    const dir = tempDir();
    const [traces, logs] = [join(dir, 'traces.jsonl'), join(dir, 'logs.jsonl')];
    const env = cleanEnv({ ...offline, ANSIBLE_OTEL_LOG_TASK_OUTPUT: 'maybe' });
    const result = await runCli(['replay', '--traces-file', traces, '--logs-file', logs, frames], env, undefined, dir);
    expect(result.code, result.stderr).toBe(0);
    expect(
      result.stderr.match(/ANSIBLE_OTEL_LOG_TASK_OUTPUT=maybe: not a boolean \(use true, yes, on, 1, y, t or false, no, off, 0, n, f\); taken as false/g),
    ).toHaveLength(1);
    expect(readFileSync(traces, 'utf8')).toContain('resourceSpans');
  });
});
