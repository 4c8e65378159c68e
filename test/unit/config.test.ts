// The one configuration: flags (with their env twins applied by commander) and the environment
// main read, resolved, validated and frozen once; a bad setting is one clear line and exit 2
// (test/integration/config-cli.test.ts runs that through the built CLI). Every test hands the
// variables over as a plain object: nothing here touches process.env.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, resolveCommandEnv, resolveConfig, type SidecarFlags } from '../../src/root/config.js';
import type { Env } from '../../src/util/environment.js';
import { Logger } from '../../src/util/log.js';

const quiet = new Logger(() => {});
const resolve = (env: Env, flags: Partial<SidecarFlags> = {}) => resolveConfig({ flushTimeout: 5, ...flags }, quiet, env);
/** The config and what it warned about. */
const resolveWarned = (env: Env, flags: Partial<SidecarFlags> = {}) => {
  const lines: string[] = [];
  const config = resolveConfig({ flushTimeout: 5, ...flags }, new Logger((l) => lines.push(l)), env);
  return { config, lines };
};

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
    expect(resolve({ ANSIBLE_OTEL_PROMETHEUS_TOKEN: 'from-env' }, { prometheusToken: 'from-flag' }).metrics.prometheusToken).toBe('from-flag');
    expect(resolve({ ANSIBLE_OTEL_PROMETHEUS_TOKEN: 'from-env' }).metrics.prometheusToken).toBe('from-env');
  });

  it('puts the state directories under XDG_STATE_HOME of the environment given, else the home directory; "off" turns one off', () => {
    expect(resolve({ XDG_STATE_HOME: '/s' })).toMatchObject({
      queueDir: '/s/ansible-otel/queue',
      ledgerDir: '/s/ansible-otel/queue/ledger',
      historyDir: '/s/ansible-otel/history',
    });
    expect(resolve({}).queueDir).toBe(join(homedir(), '.local/state/ansible-otel/queue'));
    expect(resolve({ XDG_STATE_HOME: '/s' }, { queueDir: '/q', ledgerDir: 'off', historyDir: 'off' })).toMatchObject({
      queueDir: '/q',
      ledgerDir: undefined,
      historyDir: undefined,
    });
    expect(resolve({}, { queueDir: 'off', ledgerDir: '/l' })).toMatchObject({ queueDir: undefined, ledgerDir: '/l' });
  });

  it('--ledger-retention: 14 days unless given; not a positive number is refused', () => {
    expect(resolve({}).ledgerRetentionMs).toBe(14 * 86_400_000);
    expect(resolve({}, { ledgerRetention: 0.5 }).ledgerRetentionMs).toBe(43_200_000);
    expect(() => resolve({}, { ledgerRetention: -1 })).toThrow(ConfigError);
    expect(() => resolve({}, { flushTimeout: Number.NaN })).toThrow(ConfigError);
  });

  it('takes a switch that is not a boolean as false, and says so once, naming the variable, its value and the words it takes', () => {
    const { config, lines } = resolveWarned({ ANSIBLE_OTEL_LOG_TASK_OUTPUT: 'maybe' });
    expect(config.taskOutput).toBe(false);
    expect(lines).toEqual([
      'ansible-otel: warning: ANSIBLE_OTEL_LOG_TASK_OUTPUT=maybe: not a boolean (use true, yes, on, 1, y, t or false, no, off, 0, n, f); taken as false\n',
    ]);
  });

  it('reads OTEL_* booleans as the SDK spec does: only true is true, anything else false with a warning', () => {
    expect(resolve({ OTEL_SDK_DISABLED: 'TRUE' }).otel.disabled).toBe(true);
    const { config, lines } = resolveWarned({ OTEL_SDK_DISABLED: 'yes' });
    expect(config.otel.disabled).toBe(false);
    expect(lines).toEqual(['ansible-otel: warning: OTEL_SDK_DISABLED=yes: not a boolean (use true or false); taken as false\n']);
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

  it('resolves OTEL_* from the same environment object (otel-env.ts)', () => {
    const otel = resolve({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: '7',
      OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT: '99',
    }).otel;
    expect(otel.traces.otlp.url).toBe('http://c:4318/v1/traces');
    expect(otel.logRecordLimits).toEqual({ attributeCountLimit: 7, attributeValueLengthLimit: 99 });
    expect(resolve({}).otel.logRecordLimits).toEqual({ attributeCountLimit: 128, attributeValueLengthLimit: Infinity });
  });

  it('Slack and the webhook: the flag first, else the variable; tokens and secrets from the environment only', () => {
    const env = {
      SLACK_WEBHOOK_URL: 'https://hooks.slack.test/x',
      SLACK_CHANNEL: '#ops',
      SLACK_NOTIFY_SUCCESS: 'yes',
      ANSIBLE_OTEL_WEBHOOK_URL: 'https://hook.test/in',
      ANSIBLE_OTEL_WEBHOOK_TOKEN: 'tok',
      ANSIBLE_OTEL_WEBHOOK_SECRET: 'sec',
      ANSIBLE_OTEL_WEBHOOK_EVENTS: 'all',
    };
    expect(resolve(env).notifications).toEqual({
      slack: { url: 'https://hooks.slack.test/x', channel: '#ops', notifySuccess: true, rollupWindowMs: 10_000 },
      webhook: { url: 'https://hook.test/in', token: 'tok', secret: 'sec', events: 'all' },
    });
    const flags = { slackChannel: '#flag', slackNotifySuccess: false, slackRollupWindow: 2, webhookUrl: 'https://flag.test/', webhookEvents: 'run.end' };
    expect(resolve(env, flags).notifications).toMatchObject({
      slack: { channel: '#flag', notifySuccess: false, rollupWindowMs: 2000 },
      webhook: { url: 'https://flag.test/', token: 'tok', events: 'run.end' },
    });
    expect(resolve({}).notifications).toEqual({ slack: undefined, webhook: undefined });
  });

  it('takes the trace link, the spool, the socket, CI and the job summary from the environment given, and nothing from the process', () => {
    const config = resolve({
      ANSIBLE_OTEL_TRACE_URL: 'http://jaeger/trace/{trace_id}',
      ANSIBLE_OTEL_SPOOL_DIR: '/spool',
      XDG_RUNTIME_DIR: '/run/u',
      GITHUB_ACTIONS: 'true',
      GITHUB_RUN_ID: '42',
      GITHUB_STEP_SUMMARY: '/tmp/summary.md',
    });
    expect(config).toMatchObject({
      traceUrl: 'http://jaeger/trace/{trace_id}',
      spoolDir: '/spool',
      defaultSocketPath: '/run/u/ansible-otel/sidecar.sock',
      jobSummaryFile: '/tmp/summary.md',
    });
    expect(config.ci['ansible.ci.pipeline.run.id']).toBe('42');
    expect(resolve({ XDG_CACHE_HOME: '/c' }).spoolDir).toBe('/c/ansible-otel/spool');
    // The test process has PATH and HOME; an empty environment given is what the config holds.
    expect(resolve({}).env).toEqual({});
  });

  it('is frozen, nested parts too', () => {
    const config = resolve({ ANSIBLE_OTEL_TRACE_URL: 'http://x/{trace_id}' });
    for (const part of [config, config.otel, config.otel.traces.otlp, config.metrics, config.env, config.color, config.thresholds.failOn])
      expect(Object.isFrozen(part)).toBe(true);
    expect(() => {
      (config as { traceUrl?: string }).traceUrl = 'http://other/';
    }).toThrow(TypeError);
  });
});

describe('the environment of every command (compare, report, watch, env too)', () => {
  const color = (env: Env) => resolveCommandEnv(env, quiet).color;

  it('NO_COLOR (any non-empty value) and ANSIBLE_NOCOLOR turn colour off; ANSIBLE_FORCE_COLOR on', () => {
    expect(color({})).toEqual({ off: false, forced: false });
    expect(color({ NO_COLOR: '1', ANSIBLE_FORCE_COLOR: 'true' })).toEqual({ off: true, forced: true });
    expect(color({ NO_COLOR: '' })).toEqual({ off: false, forced: false });
    expect(color({ ANSIBLE_NOCOLOR: 'yes' }).off).toBe(true);
    expect(color({ ANSIBLE_NOCOLOR: 'false' }).off).toBe(false);
  });

  it('COLUMNS as a number, else unset', () => {
    expect(resolveCommandEnv({ COLUMNS: '132' }, quiet).columns).toBe(132);
    expect(resolveCommandEnv({ COLUMNS: 'wide' }, quiet).columns).toBeUndefined();
    expect(resolveCommandEnv({}, quiet).columns).toBeUndefined();
  });
});
