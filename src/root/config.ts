// The sidecar's one configuration: command-line flags (commander has already applied the
// `.env()` twins of the flags that have one) and the environment, resolved and validated once,
// before anything is built. Every other module reads this, never process.env, for these settings.
import type { Logger } from '../util/log.js';
import type { WsTlsFiles } from '../ingest/ws-tls.js';
import { spoolDirFrom } from '../ingest/spool.js';
import { queueDirFrom } from '../export/durable/signal-queue.js';
import { LEDGER_RETENTION_DAYS, ledgerDirFrom } from '../export/ledger/ledger-dir.js';
import { resolveOtelEnv, type OtelEnv } from '../export/otel-env.js';
import { HOST_SPAN_MODES, isHostSpanChoice, type HostSpanChoice } from '../model/host-spans.js';
import { historyDirFrom } from '../history/history-store.js';
import { DEFAULT_THRESHOLDS, REGRESSION_KINDS, type CompareThresholds, type RegressionKind } from '../analysis/compare.js';

/** The flags of run, serve, replay and import (each command has the ones it offers). */
export interface SidecarFlags extends WsTlsFiles {
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

/** Everything the composition root builds from, typed and checked. */
export interface SidecarConfig {
  /** OTEL_*: exporters, protocols, batch and export settings, resource detectors (otel-env.ts). */
  otel: OtelEnv;
  /** For the parts that read the standard environment themselves (resource attributes, CI detection, GITHUB_STEP_SUMMARY). */
  env: NodeJS.ProcessEnv;
  tracesFile?: string;
  logsFile?: string;
  taskOutput: boolean;
  flushTimeoutMs: number;
  maxFrameBytes: number;
  recordFrames?: string;
  spoolDir: string;
  spoolScanMs: number;
  queueDir?: string;
  ledgerDir?: string;
  /** Ledger files and run marks not written for this long are removed (default 14 days). */
  ledgerRetentionMs: number;
  traceUrl?: string;
  /** Which host spans a task gets, unless a run's shim chooses (its hello's `host_spans`). */
  hostSpans: HostSpanChoice;
  /** The run history's directory (run and serve append to it); undefined: off. */
  historyDir?: string;
  /** run --baseline: `auto` or what to read the baseline from. */
  baseline?: string;
  thresholds: CompareThresholds;
  metrics: { hostAttribute: boolean; runEntity: boolean; textfile?: string; prometheusPort?: number; prometheusHost?: string; prometheusToken?: string };
  /** serve --ws-port: the WebSocket edge. */
  websocket?: WsTlsFiles & { port: number; host: string; token?: string; insecure: boolean; maxPayload: number; heartbeatMs: number };
}

/** A setting the sidecar cannot start with; its message is the one line the operator reads (exit 2). */
export class ConfigError extends Error {}

const TRUE = new Set(['1', 'true', 'yes', 'on', 'y', 't']);
const FALSE = new Set(['0', 'false', 'no', 'off', 'n', 'f']);

/** An ANSIBLE_OTEL_* switch: unset is `fallback`; anything but a boolean is refused. */
export function envSwitch(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (!raw) return fallback;
  if (TRUE.has(raw)) return true;
  if (FALSE.has(raw)) return false;
  throw new ConfigError(`${name}=${env[name]}: not a boolean (use true or false)`);
}

/** --host-spans, else ANSIBLE_OTEL_HOST_SPANS, else `all` (every host span, as before the option). */
function hostSpansFrom(flag: string | undefined, env: NodeJS.ProcessEnv): HostSpanChoice {
  const [source, raw] = flag !== undefined ? ['--host-spans', flag] : ['ANSIBLE_OTEL_HOST_SPANS=', env.ANSIBLE_OTEL_HOST_SPANS?.trim() || 'all'];
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

export function resolveConfig(flags: SidecarFlags, log: Logger, env: NodeJS.ProcessEnv = process.env): SidecarConfig {
  const queueDir = queueDirFrom(flags.queueDir, env);
  const historyDir = historyDirFrom(flags.historyDir, env);
  if (flags.baseline === 'auto' && !historyDir)
    throw new ConfigError('--baseline auto: the run history is off (--history-dir off); name a baseline file instead');
  const otel = resolveOtelEnv((key, message) => log.once(key, message));
  return {
    otel,
    env,
    tracesFile: flags.tracesFile,
    logsFile: flags.logsFile,
    taskOutput: flags.logTaskOutput !== false && envSwitch(env, 'ANSIBLE_OTEL_LOG_TASK_OUTPUT', true),
    flushTimeoutMs: positiveMs(flags.flushTimeout, '--flush-timeout'),
    maxFrameBytes: flags.maxFrameBytes ?? 1024 * 1024,
    recordFrames: flags.recordFrames,
    spoolDir: spoolDirFrom(env),
    spoolScanMs: flags.spoolScanMs ?? 0,
    queueDir,
    ledgerDir: ledgerDirFrom(flags.ledgerDir, queueDir, env),
    ledgerRetentionMs: positiveMs((flags.ledgerRetention ?? LEDGER_RETENTION_DAYS) * 86_400, '--ledger-retention (days)'),
    traceUrl: env.ANSIBLE_OTEL_TRACE_URL || undefined,
    hostSpans: hostSpansFrom(flags.hostSpans, env),
    historyDir,
    baseline: flags.baseline,
    thresholds: thresholdsFrom(flags),
    metrics: {
      hostAttribute: flags.metricsHostAttribute || envSwitch(env, 'ANSIBLE_OTEL_METRICS_HOST_ATTRIBUTE', false),
      runEntity: flags.metricsRunEntity || envSwitch(env, 'ANSIBLE_OTEL_METRICS_RUN_ENTITY', false),
      textfile: flags.prometheusTextfile,
      prometheusPort: flags.prometheusPort,
      prometheusHost: flags.prometheusHost,
      prometheusToken: flags.prometheusToken,
    },
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
  };
}
