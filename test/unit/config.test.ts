// The one configuration: flags (with their env twins applied by commander) and the environment,
// resolved and validated once; a bad setting is one clear line and exit 2, before anything starts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../src/root/config.js';
import { Logger } from '../../src/util/log.js';
import { FIXTURES } from '../helpers/recorded-run.js';
import { cleanEnv, runCli, tempDir } from '../helpers/sidecar-run.js';

const quiet = new Logger(() => {});
const resolve = (env: NodeJS.ProcessEnv, flags = {}) => resolveConfig({ flushTimeout: 5, ...flags }, quiet, env);

describe('configuration', () => {
  it('takes ANSIBLE_OTEL_* switches from the environment when no flag says otherwise', () => {
    expect(resolve({ ANSIBLE_OTEL_LOG_TASK_OUTPUT: 'false', ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE: 'yes' })).toMatchObject({
      taskOutput: false,
      metrics: { hostAttribute: true },
    });
    expect(resolve({})).toMatchObject({ taskOutput: true, metrics: { hostAttribute: false }, flushTimeoutMs: 5000 });
  });

  it('lets a flag win over its environment variable', () => {
    expect(resolve({ ANSIBLE_OTEL_LOG_TASK_OUTPUT: 'true' }, { logTaskOutput: false }).taskOutput).toBe(false);
    expect(resolve({ ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE: 'false' }, { metricsHostAttribute: true }).metrics.hostAttribute).toBe(true);
    expect(resolve({ ANSIBLE_OTEL_LEDGER_DIR: '/env/ledger' }, { ledgerDir: '/flag/ledger' }).ledgerDir).toBe('/flag/ledger');
    expect(resolve({ ANSIBLE_OTEL_QUEUE_DIR: '/env/queue' }, { queueDir: 'off' }).queueDir).toBeUndefined();
  });

  it('--ledger-retention: 14 days unless given; not a positive number is refused', () => {
    expect(resolve({}).ledgerRetentionMs).toBe(14 * 86_400_000);
    expect(resolve({}, { ledgerRetention: 0.5 }).ledgerRetentionMs).toBe(43_200_000);
    expect(() => resolve({}, { ledgerRetention: -1 })).toThrow(ConfigError);
  });

  it('refuses a switch that is not a boolean, naming the variable and its value', () => {
    expect(() => resolve({ ANSIBLE_OTEL_LOG_TASK_OUTPUT: 'maybe' })).toThrow(
      new ConfigError('ANSIBLE_OTEL_LOG_TASK_OUTPUT=maybe: not a boolean (use true or false)'),
    );
    expect(() => resolve({}, { flushTimeout: Number.NaN })).toThrow(ConfigError);
  });

  it('--host-spans: all by default, ANSIBLE_OTEL_HOST_SPANS when no flag, the flag first; anything else refused', () => {
    expect(resolve({}).hostSpans).toBe('all');
    expect(resolve({ ANSIBLE_OTEL_HOST_SPANS: ' problems ' }).hostSpans).toBe('problems');
    expect(resolve({ ANSIBLE_OTEL_HOST_SPANS: 'problems' }, { hostSpans: 'none' }).hostSpans).toBe('none');
    expect(resolve({}, { hostSpans: 'auto:500' }).hostSpans).toBe('auto:500');
    expect(() => resolve({ ANSIBLE_OTEL_HOST_SPANS: 'some' })).toThrow(
      new ConfigError('ANSIBLE_OTEL_HOST_SPANS=some: not a host span mode (use all, problems, none or auto:N)'),
    );
    expect(() => resolve({}, { hostSpans: 'Problems' })).toThrow(
      new ConfigError('--host-spans Problems: not a host span mode (use all, problems, none or auto:N)'),
    );
    for (const bad of ['auto:0', 'auto:', 'auto:-3', 'auto:1e3']) expect(() => resolve({}, { hostSpans: bad })).toThrow(ConfigError);
  });
});

describe('configuration from the command line', () => {
  const frames = join(FIXTURES, 'features.ndjson');

  it('--traces-file wins over ANSIBLE_OTEL_TRACES_FILE, which counts when the flag is absent', async () => {
    const dir = tempDir();
    const [flag, fromEnv] = [join(dir, 'flag.jsonl'), join(dir, 'env.jsonl')];
    const env = cleanEnv({ OTEL_TRACES_EXPORTER: 'none', OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', ANSIBLE_OTEL_TRACES_FILE: fromEnv });
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
    const bad = await runCli(['replay', '--traces-file', traces, frames], cleanEnv({ ANSIBLE_OTEL_LOG_TASK_OUTPUT: 'maybe' }), undefined, dir);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('ansible-otel: error: ANSIBLE_OTEL_LOG_TASK_OUTPUT=maybe: not a boolean (use true or false)\n');
    expect(existsSync(traces)).toBe(false);
  });
});
