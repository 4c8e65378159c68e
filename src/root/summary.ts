import { pathSummaryLines } from '../analysis/path-text.js';
import type { RunSummary } from '../model/run-model.js';
import type { ExportReport } from '../export/tracing.js';
import type { MetricsReport } from '../export/metrics.js';
import type { LogsReport } from '../export/logs.js';
import type { Logger } from '../util/log.js';
import type { TargetReport } from '../export/target-report.js';
import { traceLink } from '../model/trace-url.js';
import { traceSizeWarning } from './trace-size.js';
import { baselineLines, missingLine } from '../analysis/compare-text.js';

const ORDER = ['ok', 'changed', 'failed', 'ignored', 'rescued', 'skipped', 'unreachable'] as const;

/** A run in a few lines: trace ids, counts by status, and anything that went missing. */
export function printRunSummary(log: Logger, run: RunSummary, traceUrl: string | undefined): void {
  for (const t of run.traces) {
    log.info(`${t.playbook}: ${t.result}, trace ${t.traceId}`);
    const link = traceLink(traceUrl, t);
    if (link) log.info(`  ${link}`);
    if (t.analysis) for (const line of pathSummaryLines(t.analysis)) log.info(`  ${line}`);
    if (t.baseline?.comparison) for (const line of baselineLines(t.baseline.comparison)) log.info(`  ${line}`);
    else if (t.baseline?.missing) log.info(`  ${missingLine(t.baseline.missing)}`);
    const tooLarge = traceSizeWarning(t);
    if (tooLarge) log.warn(tooLarge);
  }
  const counts = ORDER.filter((s) => run.hostResults[s]).map((s) => `${run.hostResults[s]} ${s}`);
  if (counts.length) log.info(`host results: ${counts.join(', ')}`);
  if (run.interrupted) log.warn(`run ${run.runId} ended before its playbook finished: open spans were closed as interrupted`);
  if (run.framesMissing) log.warn(`run ${run.runId}: ${run.framesMissing} frames missing (sequence gaps)`);
  if (run.shimDropped) log.warn(`run ${run.runId}: the shim dropped ${run.shimDropped} frames (queue full or sidecar unreachable)`);
}

export function printExportReport(log: Logger, report: ExportReport, flushSeconds: number): void {
  if (report.targets.length === 0) {
    log.info(`${report.ended} spans, not exported (OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none)`);
    return;
  }
  for (const t of report.perTarget) {
    const earlier = alreadyThere(t);
    if (t.delivered === report.ended) {
      log.info(`${t.delivered} spans → ${t.target}${earlier}`);
      continue;
    }
    const missing = [];
    if (t.queued) missing.push(`${t.queued} wait in the disk queue ${t.queueDir} and go out when the backend answers (this or the next sidecar)`);
    if (t.failed) missing.push(`${t.failed} failed to export${report.lastError ? ` (${report.lastError})` : ''}`);
    if (t.dropped) missing.push(`${t.dropped} not delivered within the ${flushSeconds} s flush deadline (collector down or slow, or export queue full)`);
    log.warn(`${t.delivered} of ${report.ended} spans → ${t.target}${earlier}; ${missing.join('; ')}`);
  }
}

/** Said, so that a backend showing fewer new items than the summary's count is not a mystery. */
function alreadyThere(t: TargetReport): string {
  return t.alreadyDelivered ? ` (${t.alreadyDelivered} of them an earlier sidecar delivered, per the ledger: not sent again)` : '';
}

export function printMetricsReport(log: Logger, report: MetricsReport, flushSeconds: number): void {
  if (report.targets.length === 0) return;
  const where = report.targets.join(', ');
  if (report.failed)
    log.warn(`metrics → ${where}: ${report.failed} export${report.failed > 1 ? 's' : ''} failed${report.lastError ? ` (${report.lastError})` : ''}`);
  else if (!report.flushed) log.warn(`metrics → ${where}: the last values were not delivered within the ${flushSeconds} s flush deadline`);
  else log.info(`metrics → ${where}`);
}

export function printLogsReport(log: Logger, report: LogsReport, flushSeconds: number): void {
  for (const t of report.perTarget) {
    const earlier = alreadyThere(t);
    if (t.delivered === report.emitted) {
      log.info(`${t.delivered} log records → ${t.target}${earlier}`);
      continue;
    }
    const missing = [];
    if (t.failed) missing.push(`${t.failed} failed to export${report.lastError ? ` (${report.lastError})` : ''}`);
    if (t.dropped) missing.push(`${t.dropped} not delivered within the ${flushSeconds} s flush deadline (collector down or slow, or export queue full)`);
    log.warn(`${t.delivered} of ${report.emitted} log records → ${t.target}${earlier}; ${missing.join('; ')}`);
  }
}
