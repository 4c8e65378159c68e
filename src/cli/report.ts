import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathSummaryLines } from '../analysis/path-text.js';
import { badLinesWarning, readTracesFile } from '../report/otlp-json-lines.js';
import { ReportBuilder } from '../report/report-builder.js';
import { replaySpans, selectTraces } from '../report/replay-spans.js';
import { renderReportHtml } from '../report/render-html.js';
import { ReportSink } from '../report/report-sink.js';
import type { Sink } from '../sinks/sink.js';
import { Logger } from '../util/log.js';
import { resolveCommandEnv } from '../root/config.js';
import type { Env } from '../util/environment.js';

export interface ReportOptions {
  output: string;
  trace?: string;
  /** The fork counts the what-if estimates. */
  forks?: number[];
}

/** `ansible-otel report TRACES.jsonl -o report.html`: the latest run of the file (or --trace). */
export async function reportCommand(tracesFile: string, o: ReportOptions, env: Env): Promise<number> {
  const log = new Logger();
  const { traceUrl } = resolveCommandEnv(env, log);
  const file = await readTracesFile(tracesFile);
  const skipped = badLinesWarning(file);
  if (skipped) log.warn(skipped);
  const { spans } = file;
  const traces = selectTraces(spans, o.trace);
  const builder = new ReportBuilder();
  replaySpans(spans, traces, builder, o.forks);
  if (builder.playbooks.length === 0) {
    log.error(o.trace ? `${tracesFile}: no playbook of trace ${o.trace}` : `${tracesFile}: no playbook spans in it`);
    return 1;
  }
  const out = resolve(o.output);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, renderReportHtml({ playbooks: builder.playbooks, traceUrl }));
  log.info(`report of ${builder.playbooks.map((p) => p.name).join(', ')} → ${out}`);
  // the same answer `run` and `replay` print for these playbooks
  for (const pb of builder.playbooks) {
    if (!pb.analysis) continue;
    if (o.forks && pb.analysis.recorded) log.warn(`${pb.name}: its host spans were sampled: --forks cannot re-estimate, the trace's own what-if is shown`);
    log.info(`${pb.name}: trace ${pb.traceId}`);
    for (const line of pathSummaryLines(pb.analysis)) log.info(`  ${line}`);
  }
  return 0;
}

/** `run --report PATH`: the sink that writes the report when the run is over. */
export function runReportSinks(path: string | undefined, traceUrl: string | undefined, log: Logger): Sink[] {
  return path ? [new ReportSink(path, traceUrl, (p) => log.info(`report → ${p}`))] : [];
}
