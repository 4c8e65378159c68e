// The sidecar's one configuration: command-line flags (commander has already applied the
// `.env()` twins of the flags that have one) and the environment main read (main.cts, once),
// resolved, validated and frozen before anything is built. Nothing else reads the environment:
// every module gets what it needs from here, and a test configures it with a plain object.
import type { Logger } from '../util/log.js';
import { deepFreeze, type Env, EnvReader } from '../util/environment.js';
import type { ColorEnv } from '../sinks/ansi.js';
import { defaultSocketPath } from '../ingest/socket-path.js';
import { ciAttributes } from '../export/ci-environment.js';
import type { WsTlsFiles } from '../ingest/ws-tls.js';
import { spoolDirFrom } from '../ingest/spool.js';
import { queueDirFrom } from '../export/durable/signal-queue.js';
import { LEDGER_RETENTION_DAYS, ledgerDirFrom } from '../export/ledger/ledger-dir.js';
import { resolveOtelEnv, type OtelEnv } from '../export/otel-env.js';
import { HOST_SPAN_MODES, isHostSpanChoice, type HostSpanChoice } from '../model/host-spans.js';
import { historyDirFrom } from '../history/history-store.js';
import { DEFAULT_THRESHOLDS, REGRESSION_KINDS, type CompareThresholds, type RegressionKind } from '../analysis/compare.js';

/** run and serve: Slack and webhook notifications (cli/notification-sinks.ts declares the flags). */
export interface NotificationFlags {
  slackWebhookUrl?: string;
  slackChannel?: string;
  slackNotifySuccess?: boolean;
  slackRollupWindow?: number;
  webhookUrl?: string;
  webhookEvents?: string;
}

/** The flags of run, serve, replay and import (each command has the ones it offers). */
export interface SidecarFlags extends WsTlsFiles, NotificationFlags {
  /** --traces-file (env ANSIBLE_OTEL_TRACES_FILE): OTLP/JSON lines here too. */
  tracesFile?: string;
  /** --logs-file (env ANSIBLE_OTEL_LOGS_FILE): log records as OTLP/JSON lines here too. */
  logsFile?: string;
  /** false with --no-log-task-output (else ANSIBLE_OTEL_LOG_TASK_OUTPUT): no task output records. */
  logTaskOutput?: boolean;
  /** Seconds. */
  flushTimeout: number;
  maxFrameBytes?: number;
  /** --record-frames: keep the raw frame stream in this file. */
  recordFrames?: string;
  /** How often to look for spooled runs after the one look at start; 0: at start only. */
  spoolScanMs?: number;
  /** --queue-dir (env ANSIBLE_OTEL_QUEUE_DIR, else the default; "off": no disk queue). */
  queueDir?: string;
  /** --ledger-dir (env ANSIBLE_OTEL_LEDGER_DIR, else `ledger` in the queue root; "off": none). */
  ledgerDir?: string;
  /** --ledger-retention (env ANSIBLE_OTEL_LEDGER_RETENTION): days ledger files and run marks are kept after their last write. */
  ledgerRetention?: number;
  /** --host-spans (else ANSIBLE_OTEL_HOST_SPANS): which host spans a task gets. */
  hostSpans?: string;
  /** --history-dir (env ANSIBLE_OTEL_HISTORY_DIR, else the default; "off": no run history). */
  historyDir?: string;
  /** run --baseline: `auto`, or a traces file, frames recording or history ref. */
  baseline?: string;
  /** --slower-ratio, --slower-by (seconds): what counts as slower against a baseline. */
  slowerRatio?: number;
  slowerBy?: number;
  /** --metrics-host-attribute (else ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE): host name on per-host metrics. */
  metricsHostAttribute?: boolean;
  /** --metrics-run-entity (else ANSIBLE_OTEL_METRICS_RUN_ENTITY): the CI run id and URL on the metrics' resource. */
  metricsRunEntity?: boolean;
  prometheusPort?: number;
  prometheusHost?: string;
  prometheusToken?: string;
  /** --prometheus-textfile (env ANSIBLE_OTEL_PROMETHEUS_TEXTFILE): node_exporter textfile, rewritten per run. */
  prometheusTextfile?: string;
  wsPort?: number;
  wsHost?: string;
  wsToken?: string;
  wsInsecure?: boolean;
  wsMaxPayload?: number;
  wsHeartbeat?: number;
}

export const DEFAULT_TRACES_FILE = 'ansible-otel-traces.jsonl';
export const DEFAULT_METRICS_FILE = 'ansible-otel-metrics.jsonl';
export const DEFAULT_LOGS_FILE = 'ansible-otel-logs.jsonl';

/** What every command takes from the environment, sidecar or not (compare, report, watch, env too). */
export interface CommandEnv {
  /** The environment main read, frozen: `run` starts its command with it, and `env` reads ansible's own variables in it. */
  env: Env;
  /** ANSIBLE_OTEL_TRACE_URL: the trace UI's address, `{trace_id}` (and `{span_id}`) in it. */
  traceUrl?: string | undefined;
  /** NO_COLOR, ANSIBLE_NOCOLOR, ANSIBLE_FORCE_COLOR. */
  color: ColorEnv;
  /** COLUMNS: the terminal's width when the stream does not say. */
  columns?: number | undefined;
  /** serve's and env's socket when --socket is not given ($XDG_RUNTIME_DIR, else ~/.cache). */
  defaultSocketPath: string;
}

/** What the CI system's variables say of this run (ci-environment.ts), and GitHub's job summary file. */
export interface CiConfig {
  /** The resource's cicd.* and vcs.* attributes. */
  ci: Record<string, string>;
  /** GITHUB_STEP_SUMMARY: a live run's result goes into the job summary. */
  jobSummaryFile?: string | undefined;
}

/** Slack and webhook notifications, flags first, then their variables (secrets are env-only). */
export interface NotificationConfig {
  slack?: { url: string; channel?: string | undefined; notifySuccess: boolean; rollupWindowMs: number } | undefined;
  webhook?: { url: string; token?: string | undefined; events?: string | undefined; secret?: string | undefined } | undefined;
}

/** Everything the composition root builds from, typed, checked and frozen. */
export interface SidecarConfig extends CommandEnv, CiConfig {
  /** OTEL_*: exporters, protocols, batch and export settings, resource detectors (otel-env.ts). */
  otel: OtelEnv;
  tracesFile?: string | undefined;
  logsFile?: string | undefined;
  taskOutput: boolean;
  flushTimeoutMs: number;
  maxFrameBytes: number;
  recordFrames?: string | undefined;
  spoolDir: string;
  spoolScanMs: number;
  queueDir?: string | undefined;
  ledgerDir?: string | undefined;
  /** Ledger files and run marks not written for this long are removed (default 14 days). */
  ledgerRetentionMs: number;
  /** Which host spans a task gets, unless a run's shim chooses (its hello's `host_spans`). */
  hostSpans: HostSpanChoice;
  /** The run history's directory (run and serve append to it); undefined: off. */
  historyDir?: string | undefined;
  /** run --baseline: `auto` or what to read the baseline from. */
  baseline?: string | undefined;
  thresholds: CompareThresholds;
  /** --prometheus-token, else ANSIBLE_OTEL_PROMETHEUS_TOKEN. */
  metrics: {
    hostAttribute: boolean;
    runEntity: boolean;
    textfile?: string | undefined;
    prometheusPort?: number | undefined;
    prometheusHost?: string | undefined;
    prometheusToken?: string | undefined;
  };
  notifications: NotificationConfig;
  /** serve --ws-port: the WebSocket edge. */
  websocket?: (WsTlsFiles & { port: number; host: string; token?: string | undefined; insecure: boolean; maxPayload: number; heartbeatMs: number }) | undefined;
}

/** A setting the sidecar cannot start with; its message is the one line the operator reads (exit 2). */
export class ConfigError extends Error {}

/** --host-spans, else ANSIBLE_OTEL_HOST_SPANS, else `all` (every host span, as before the option). */
function hostSpansFrom(flag: string | undefined, env: EnvReader): HostSpanChoice {
  const [source, raw] = flag !== undefined ? ['--host-spans', flag] : ['ANSIBLE_OTEL_HOST_SPANS=', env.string('ANSIBLE_OTEL_HOST_SPANS')?.trim() || 'all'];
  if (isHostSpanChoice(raw)) return raw;
  throw new ConfigError(`${source}${source.endsWith('=') ? '' : ' '}${raw}: not a host span mode (use ${HOST_SPAN_MODES.join(', ')} or auto:N)`);
}

function positiveMs(seconds: number, what: string): number {
  if (!Number.isFinite(seconds) || seconds <= 0) throw new ConfigError(`${what} ${seconds}: must be a positive number of seconds`);
  return seconds * 1000;
}

/** --slower-ratio, --slower-by and --fail-on, checked. */
export function thresholdsFrom(flags: { slowerRatio?: number; slowerBy?: number; failOn?: string }): CompareThresholds {
  const ratio = flags.slowerRatio ?? DEFAULT_THRESHOLDS.slowerRatio;
  if (!(ratio >= 1)) throw new ConfigError(`--slower-ratio ${ratio}: must be 1 or more`);
  const by = flags.slowerBy ?? DEFAULT_THRESHOLDS.slowerByNs / 1e9;
  if (!(by >= 0)) throw new ConfigError(`--slower-by ${by}: must be 0 or more seconds`);
  const failOn =
    flags.failOn === undefined
      ? DEFAULT_THRESHOLDS.failOn
      : flags.failOn
          .split(',')
          .map((k) => k.trim())
          .filter(Boolean);
  const unknown = failOn.filter((k) => !(REGRESSION_KINDS as readonly string[]).includes(k));
  if (unknown.length) throw new ConfigError(`--fail-on ${unknown.join(',')}: not a kind of regression (use ${REGRESSION_KINDS.join(', ')})`);
  return { slowerRatio: ratio, slowerByNs: by * 1e9, failOn: failOn as RegressionKind[] };
}

const warnOnce =
  (log: Logger) =>
  (key: string, message: string): void =>
    log.once(key, message);

/** The environment every command reads, resolved once from what main read; frozen. */
export function resolveCommandEnv(vars: Env, log: Logger): CommandEnv {
  const env = new EnvReader(vars, warnOnce(log));
  return deepFreeze({
    env: { ...vars },
    traceUrl: env.string('ANSIBLE_OTEL_TRACE_URL'),
    color: {
      // no-color.org: any value but the empty string
      off: Boolean(vars.NO_COLOR) || env.boolean('ANSIBLE_NOCOLOR'),
      forced: env.boolean('ANSIBLE_FORCE_COLOR'),
    },
    columns: env.number('COLUMNS'),
    defaultSocketPath: defaultSocketPath(vars),
  });
}

/** --slack-* and --webhook-*, else their variables; tokens and secrets come only from the environment. */
function notificationsFrom(flags: NotificationFlags, env: EnvReader): NotificationConfig {
  const slackUrl = flags.slackWebhookUrl ?? env.string('SLACK_WEBHOOK_URL');
  const webhookUrl = flags.webhookUrl ?? env.string('ANSIBLE_OTEL_WEBHOOK_URL');
  return {
    slack: slackUrl
      ? {
          url: slackUrl,
          channel: flags.slackChannel ?? env.string('SLACK_CHANNEL'),
          notifySuccess: flags.slackNotifySuccess ?? env.boolean('SLACK_NOTIFY_SUCCESS'),
          rollupWindowMs: (flags.slackRollupWindow ?? 10) * 1000,
        }
      : undefined,
    webhook: webhookUrl
      ? {
          url: webhookUrl,
          token: env.string('ANSIBLE_OTEL_WEBHOOK_TOKEN'),
          events: flags.webhookEvents ?? env.string('ANSIBLE_OTEL_WEBHOOK_EVENTS'),
          secret: env.string('ANSIBLE_OTEL_WEBHOOK_SECRET'),
        }
      : undefined,
  };
}

/** Flags and the environment main read, into the one config the root builds from; frozen. */
export function resolveConfig(flags: SidecarFlags, log: Logger, vars: Env): SidecarConfig {
  const env = new EnvReader(vars, warnOnce(log));
  const queueDir = queueDirFrom(flags.queueDir, vars);
  const historyDir = historyDirFrom(flags.historyDir, vars);
  if (flags.baseline === 'auto' && !historyDir)
    throw new ConfigError('--baseline auto: the run history is off (--history-dir off); name a baseline file instead');
  return deepFreeze({
    ...resolveCommandEnv(vars, log),
    otel: resolveOtelEnv(vars, warnOnce(log)),
    ci: ciAttributes(vars),
    jobSummaryFile: env.string('GITHUB_STEP_SUMMARY'),
    tracesFile: flags.tracesFile,
    logsFile: flags.logsFile,
    taskOutput: flags.logTaskOutput !== false && env.boolean('ANSIBLE_OTEL_LOG_TASK_OUTPUT', true),
    flushTimeoutMs: positiveMs(flags.flushTimeout, '--flush-timeout'),
    maxFrameBytes: flags.maxFrameBytes ?? 1024 * 1024,
    recordFrames: flags.recordFrames,
    spoolDir: spoolDirFrom(vars),
    spoolScanMs: flags.spoolScanMs ?? 0,
    queueDir,
    ledgerDir: ledgerDirFrom(flags.ledgerDir, queueDir, vars),
    ledgerRetentionMs: positiveMs((flags.ledgerRetention ?? LEDGER_RETENTION_DAYS) * 86_400, '--ledger-retention (days)'),
    hostSpans: hostSpansFrom(flags.hostSpans, env),
    historyDir,
    baseline: flags.baseline,
    thresholds: thresholdsFrom(flags),
    metrics: {
      hostAttribute: flags.metricsHostAttribute || env.boolean('ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE'),
      runEntity: flags.metricsRunEntity || env.boolean('ANSIBLE_OTEL_METRICS_RUN_ENTITY'),
      textfile: flags.prometheusTextfile,
      prometheusPort: flags.prometheusPort,
      prometheusHost: flags.prometheusHost,
      prometheusToken: flags.prometheusToken ?? env.string('ANSIBLE_OTEL_PROMETHEUS_TOKEN'),
    },
    notifications: notificationsFrom(flags, env),
    websocket:
      flags.wsPort === undefined
        ? undefined
        : {
            port: flags.wsPort,
            host: flags.wsHost ?? '127.0.0.1',
            token: flags.wsToken,
            insecure: flags.wsInsecure ?? false,
            maxPayload: flags.wsMaxPayload ?? 1 << 20,
            heartbeatMs: positiveMs(flags.wsHeartbeat ?? 30, '--ws-heartbeat'),
            wsTlsCert: flags.wsTlsCert,
            wsTlsKey: flags.wsTlsKey,
            wsTlsClientCa: flags.wsTlsClientCa,
          },
  });
}
