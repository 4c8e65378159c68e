// Run events → log records: the failures, warnings, task output and end-of-run summary a CI user
// reads, each on the span it belongs to (trace-to-logs in Grafana, Elastic, OneUptime). Pure, like
// the model: timestamps from the frames, no I/O; the records go to a LogWriter.
import { createHash } from 'node:crypto';
import type { ResultSubset } from '../protocol/frames.js';
import { ATTR, IOSTREAM, type HostSpanStatus } from './attributes.js';
import { isErrorStatus } from './host-span.js';
import type { LogWriter, Severity } from './log-writer.js';
import { asText, exceptionAttributes } from './result-text.js';
import type { HostResultEvent, ItemResultEvent, PlaybookEndEvent, RunObserver } from './run-observer.js';
import type { Attributes } from './trace-writer.js';

export interface RunLogsOptions {
  /** Task stdout/stderr as INFO records (--no-log-task-output turns it off). */
  taskOutput: boolean;
  /**
   * Exceptions as log records (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN `logs` or `logs/dup`): failure
   * records carry `exception.*`, and a run cut short gets a record of its own. Otherwise the
   * exceptions are the spans' `exception` events only: one exception is recorded once.
   */
  exceptions?: boolean;
}

/** Lines of stderr an ERROR record keeps: the end, where the error usually is. */
export const STDERR_TAIL_LINES = 20;

export const EVENT = {
  FAILURE: 'ansible.host.failure',
  WARNING: 'ansible.warning',
  DEPRECATION: 'ansible.deprecation',
  OUTPUT: 'ansible.task.output',
  SUMMARY: 'ansible.run.summary',
  /** A run cut short, as an exception record (exception logs only). */
  INTERRUPTED: 'ansible.run.interrupted',
} as const;

const STATS = ['ok', 'changed', 'unreachable', 'failures', 'skipped', 'rescued', 'ignored'] as const;
/** ansible's PLAY RECAP says `failed=`, its stats say `failures`. */
const RECAP_NAME: Record<string, string> = { failures: 'failed' };

/** Text of a module value, or undefined when there is nothing to read. */
function text(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (Array.isArray(value) && value.length === 0) return undefined;
  return asText(value);
}

export function tail(value: string, lines: number): string {
  const all = value.replace(/\n+$/, '').split('\n');
  return all.length <= lines ? all.join('\n') : all.slice(-lines).join('\n');
}

/** `warnings` / `deprecations` of a result: a list, or (clipped by the shim) one JSON text. */
function entries(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return text(value) === undefined ? [] : [value];
}

type ResultEvent = (HostResultEvent | ItemResultEvent) & { label?: string };

export class RunLogs implements RunObserver {
  constructor(
    private readonly writer: LogWriter,
    private readonly o: RunLogsOptions,
  ) {}

  hostResult(e: HostResultEvent): void {
    // A loop's result repeats its items' warnings, which went out on the item spans already.
    this.resultRecords(e, e.status, e.items === 0);
  }

  itemResult(e: ItemResultEvent): void {
    this.resultRecords(e, e.status, true);
  }

  playbookEnd(e: PlaybookEndEvent): void {
    const totals: Record<string, number> = {};
    const recap: string[] = [];
    for (const [host, s] of Object.entries(e.stats)) {
      recap.push(`${host} : ${STATS.map((k) => `${RECAP_NAME[k] ?? k}=${Number(s[k] ?? 0)}`).join(' ')}`);
      for (const k of STATS) totals[k] = (totals[k] ?? 0) + Number(s[k] ?? 0);
    }
    const why = [];
    if (e.interrupted) why.push('interrupted before its end');
    if (e.failedHosts.length) why.push(`failed on ${e.failedHosts.join(', ')}`);
    if (e.unreachableHosts.length) why.push(`unreachable: ${e.unreachableHosts.join(', ')}`);
    const a: Attributes = {
      [ATTR.CICD_PIPELINE_NAME]: e.playbook,
      [ATTR.CICD_PIPELINE_RUN_ID]: e.pipelineRunId,
      [ATTR.CICD_PIPELINE_RESULT]: e.result,
      [ATTR.PLAYBOOK_NAME]: e.playbook,
      [ATTR.PLAYBOOK_PATH]: e.playbookPath,
      [ATTR.RUN_INTERRUPTED]: e.interrupted || undefined,
      [ATTR.FAILED_HOSTS]: e.failedHosts,
      [ATTR.UNREACHABLE_HOSTS]: e.unreachableHosts,
    };
    for (const k of STATS) a[ATTR.STATS_PREFIX + k] = totals[k] ?? 0;
    const head = `${e.playbook}: ${e.result}${why.length ? ` (${why.join('; ')})` : ''}`;
    this.emit(e, 'summary', e.endNs, 'INFO', EVENT.SUMMARY, [head, ...recap].join('\n'), a);
    if (e.interrupted && this.o.exceptions) {
      // The exception the spans' `exception` events would have held, once for the run, on its root.
      const message = e.message ?? 'interrupted';
      this.emit(e, 'interrupted', e.endNs, 'ERROR', EVENT.INTERRUPTED, `${e.playbook}: ${message}`, {
        [ATTR.CICD_PIPELINE_NAME]: e.playbook,
        [ATTR.CICD_PIPELINE_RUN_ID]: e.pipelineRunId,
        [ATTR.CICD_PIPELINE_RESULT]: e.result,
        [ATTR.ERROR_TYPE]: e.errorType,
        [ATTR.RUN_INTERRUPTED]: true,
        ...exceptionAttributes('ansible.interrupted', undefined, message),
      });
    }
  }

  private resultRecords(e: ResultEvent, status: HostSpanStatus | ItemResultEvent['status'], withWarnings: boolean): void {
    const res = e.result;
    const error = isErrorStatus(status as HostSpanStatus);
    const failure = error || status === 'ignored';
    const warned = withWarnings && (res?.warnings !== undefined || res?.deprecations !== undefined);
    const stdout = this.o.taskOutput ? text(res?.stdout) : undefined;
    const stderr = this.o.taskOutput ? text(res?.stderr) : undefined;
    // Most results say nothing to the logs: then nothing is built for them (one a frame).
    if (!failure && !warned && stdout === undefined && stderr === undefined) return;
    const base = this.taskAttributes(e, status);
    const where = `[${e.host}] ${e.task}${e.label === undefined ? '' : ` (${e.label})`}`;
    if (failure) this.failure(e, status, error, base, where);
    if (warned) this.warnings(e, res, base, where);
    if (stdout !== undefined) this.emit(e, IOSTREAM.STDOUT, e.endNs, 'INFO', EVENT.OUTPUT, stdout, { ...base, [ATTR.LOG_IOSTREAM]: IOSTREAM.STDOUT });
    if (stderr !== undefined) this.emit(e, IOSTREAM.STDERR, e.endNs, 'INFO', EVENT.OUTPUT, stderr, { ...base, [ATTR.LOG_IOSTREAM]: IOSTREAM.STDERR });
  }

  /** A failed, unreachable, rescued or ignored result's record (handled failures as warnings). */
  private failure(e: ResultEvent, status: HostSpanStatus | ItemResultEvent['status'], error: boolean, base: Attributes, where: string): void {
    const res = e.result;
    // As on the span: error.type is the host (or item) status, failed, unreachable or rescued.
    const a: Attributes = { ...base, [ATTR.ERROR_TYPE]: error ? status : undefined };
    const stderr = text(res?.stderr);
    if (stderr !== undefined) a[ATTR.TASK_STDERR_TAIL] = tail(stderr, STDERR_TAIL_LINES);
    // The exception the span's `exception` event holds (failures only, not the ignored ones).
    if (error && this.o.exceptions)
      Object.assign(a, exceptionAttributes(`ansible.${status === 'unreachable' ? 'unreachable' : 'failed'}`, res, e.message ?? status));
    // Handled failures (ignored, rescued) are warnings: the exceptions logs severity for an exception the code handles.
    const handled = status === 'ignored' || status === 'rescued';
    this.emit(e, 'failure', e.endNs, handled ? 'WARN' : 'ERROR', EVENT.FAILURE, `${where}: ${e.message ?? status}${handled ? ` (${status})` : ''}`, a);
  }

  private warnings(e: ResultEvent, res: ResultSubset | undefined, base: Attributes, where: string): void {
    for (const [i, w] of entries(res?.warnings).entries()) this.emit(e, `warning ${i}`, e.endNs, 'WARN', EVENT.WARNING, `${where}: ${asText(w)}`, { ...base });
    for (const [i, d] of entries(res?.deprecations).entries()) {
      const o = typeof d === 'object' && d !== null ? (d as Record<string, unknown>) : { msg: d };
      this.emit(e, `deprecation ${i}`, e.endNs, 'WARN', EVENT.DEPRECATION, `${where}: ${asText(o.msg ?? d)}`, {
        ...base,
        [ATTR.DEPRECATION_VERSION]: text(o.version),
        [ATTR.DEPRECATION_DATE]: text(o.date),
        [ATTR.DEPRECATION_COLLECTION]: text(o.collection_name),
      });
    }
  }

  /**
   * What every record of a result carries: the pipeline run and task run it belongs to (the same
   * values as on their spans), then the host's part. No cicd.pipeline.task.run.result: that is the
   * whole task run's, on its span; the host's is ansible.task.host.status.
   */
  private taskAttributes(e: ResultEvent, status: string): Attributes {
    const rc = e.result?.rc;
    return {
      [ATTR.CICD_PIPELINE_NAME]: e.playbook,
      [ATTR.CICD_PIPELINE_RUN_ID]: e.pipelineRunId,
      [ATTR.CICD_PIPELINE_TASK_NAME]: e.task,
      [ATTR.CICD_PIPELINE_TASK_RUN_ID]: e.taskRunId,
      [ATTR.PLAY_NAME]: e.play,
      [ATTR.TASK_NAME]: e.task,
      [ATTR.TASK_ACTION]: e.module,
      [ATTR.TASK_ROLE]: 'role' in e ? e.role : undefined,
      [ATTR.TASK_HOST_NAME]: e.host,
      [ATTR.TASK_HOST_STATUS]: status,
      [ATTR.TASK_ITEM_LABEL]: e.label,
      [ATTR.TASK_MESSAGE]: e.message,
      [ATTR.TASK_RESULT]: typeof rc === 'number' ? rc : undefined,
    };
  }

  /**
   * `slot`: which record of its event this is. With the span, host, item label and time it makes
   * the record's `log.record.uid`, the same each time the run's frames are mapped (a replay after
   * a crash): the log ledger sends a record once, and a backend may drop a second copy.
   * `attributes` is the record's own object (the uid is set on it), never one shared.
   */
  private emit(
    e: { traceId: string; spanId: string; host?: string; label?: string },
    slot: string,
    timeNs: number,
    severity: Severity,
    eventName: string,
    body: string,
    attributes: Attributes,
  ): void {
    attributes[ATTR.LOG_RECORD_UID] = recordUid([e.traceId, e.spanId, e.host ?? '', e.label ?? '', String(timeNs), slot]);
    this.writer.emit({ timeNs, severity, body, eventName, traceId: e.traceId, spanId: e.spanId, attributes });
  }
}

/** 32 hex digits of what identifies a record within its run (the trace id makes it unique beyond). */
export function recordUid(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
