// `ansible-otel compare BASE NEW`: what changed from one run to another (src/analysis/compare.ts).
// Exit 0 when nothing regressed, 3 when something did (what counts: --fail-on and the
// thresholds), 2 when a run cannot be read. A CI job can gate on it (docs/baseline.md).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { compareRuns, type Comparison, type CompareThresholds } from '../analysis/compare.js';
import { comparisonJson, comparisonTable } from '../analysis/compare-text.js';
import type { RunDigest } from '../analysis/run-digest.js';
import { HistoryStore, historyDirFrom } from '../history/history-store.js';
import { isHistoryRef, loadRun, SourceError, type LoadedRun } from '../history/run-source.js';
import { digestEvents } from '../report/digest-events.js';
import { readTracesFile } from '../report/otlp-json-lines.js';
import { renderReportHtml } from '../report/render-html.js';
import { ReportBuilder } from '../report/report-builder.js';
import { replaySpans } from '../report/replay-spans.js';
import { ConfigError, resolveCommandEnv, thresholdsFrom } from '../root/config.js';
import type { Env } from '../util/environment.js';
import { Logger } from '../util/log.js';

export interface CompareOptions {
  /** `default` and `table`: a table. */
  format?: (typeof COMPARE_FORMATS)[number];
  report?: string;
  historyDir?: string;
  slowerRatio?: number;
  slowerBy?: number;
  failOn?: string;
}

export const COMPARE_FORMATS = ['default', 'table', 'json'] as const;

/** Exit code of a comparison that found a regression. */
export const REGRESSED = 3;

export async function compareCommand(baseArg: string, nextArg: string, o: CompareOptions, env: Env): Promise<number> {
  const log = new Logger();
  const { traceUrl } = resolveCommandEnv(env, log);
  let thresholds: CompareThresholds;
  try {
    thresholds = thresholdsFrom(o);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    log.error(err.message);
    return 2;
  }
  const dir = historyDirFrom(o.historyDir, env);
  const store = dir ? new HistoryStore(dir, (key, message) => log.once(key, message)) : undefined;
  let base: LoadedRun;
  let next: LoadedRun;
  const warn = (message: string): void => log.warn(message);
  try {
    // a file first: a history ref (`last`) is then the run before it with the same key
    if (isHistoryRef(nextArg) && !isHistoryRef(baseArg)) {
      base = await loadRun(baseArg, store, undefined, warn);
      next = await loadRun(nextArg, store, base.runs, warn);
    } else {
      next = await loadRun(nextArg, store, undefined, warn);
      base = await loadRun(baseArg, store, next.runs, warn);
    }
  } catch (err) {
    if (!(err instanceof SourceError)) throw err;
    log.error(err.message);
    return 2;
  }
  const comparisons = next.runs.map((n, i) => {
    const b = base.runs.find((x) => x.playbookPath === n.playbookPath) ?? base.runs.find((x) => x.playbook === n.playbook) ?? base.runs[i] ?? base.runs[0];
    return compareRuns(b as RunDigest, n, earlierRuns(store, n), thresholds);
  });
  if (o.format === 'json')
    process.stdout.write(`${JSON.stringify(comparisons.length === 1 ? comparisonJson(comparisons[0]!) : comparisons.map(comparisonJson), null, 2)}\n`);
  else for (const c of comparisons) process.stdout.write(`${c.next.playbook}: ${base.what} → ${next.what}\n${comparisonTable(c)}\n`);
  if (o.report) await writeReport(o.report, nextArg, next, comparisons, traceUrl, log);
  return comparisons.some((c) => c.regressed) ? REGRESSED : 0;
}

/** The history's runs before `next` with its key, when the history holds `next` (its trace id). */
function earlierRuns(store: HistoryStore | undefined, next: RunDigest): RunDigest[] {
  const known = store?.all().find((r) => r.traceId === next.traceId);
  return store && known?.keyId ? store.runs(known.keyId).filter((r) => r.startNs < known.startNs) : [];
}

/** The HTML report of the new run, with the baseline column: from its trace when it is a traces file, else from its digest. */
async function writeReport(
  path: string,
  nextArg: string,
  next: LoadedRun,
  comparisons: Comparison[],
  traceUrl: string | undefined,
  log: Logger,
): Promise<void> {
  const builder = new ReportBuilder();
  const traces = new Set(next.runs.map((d) => d.traceId));
  // read once more, for its spans: loadRun said what its bad lines were
  const spans = isHistoryRef(nextArg)
    ? []
    : await readTracesFile(nextArg).then(
        (f) => f.spans,
        () => [],
      );
  if (spans.some((s) => traces.has(s.traceId))) replaySpans(spans, traces, builder);
  else for (const d of next.runs) digestEvents(d, builder);
  for (const pb of builder.playbooks) pb.baseline = comparisons.find((c) => c.next.traceId === pb.traceId);
  const out = resolve(path);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, renderReportHtml({ playbooks: builder.playbooks, traceUrl }));
  log.info(`report with the baseline column → ${out}`);
}
