// The report's data model: one run (one or more playbooks) as playbook → play → task → host
// results. Built only by ReportBuilder, from RunObserver events — live during `run --report`, or
// replayed from an OTLP/JSON lines traces file by `ansible-otel report`. Like the events it is built
// from, an optional field may hold `undefined`; the page (page-data.ts) leaves such keys out.
import type { PlaybookAnalysis } from '../analysis/playbook-analysis.js';
import type { CicdResult, HostSpanStatus } from '../model/attributes.js';
import type { Comparison } from '../analysis/compare.js';

export interface ReportHostResult {
  host: string;
  status: HostSpanStatus;
  startNs: number;
  endNs: number;
  message?: string | undefined;
}

export interface ReportTask {
  name: string;
  uuid: string;
  action?: string | undefined;
  role?: string | undefined;
  handler: boolean;
  startNs: number;
  /** Its last host result (or its start, if none came). */
  endNs: number;
  results: ReportHostResult[];
  /** The task span (what the critical path's steps name). */
  spanId?: string;
}

export interface ReportPlay {
  name: string;
  startNs: number;
  endNs: number;
  tasks: ReportTask[];
}

export interface ReportPlaybook {
  name: string;
  path: string;
  traceId: string;
  /** The root span: ANSIBLE_OTEL_TRACE_URL's `{span_id}` in the trace link. */
  rootSpanId: string;
  runId: string;
  startNs: number;
  endNs: number;
  /** Undefined while the playbook has not ended. */
  result?: CicdResult;
  interrupted: boolean;
  plays: ReportPlay[];
  /** Where the time went, once the playbook ended. */
  analysis?: PlaybookAnalysis | undefined;
  /** What changed since the baseline (run --baseline, compare --report): the baseline column. */
  baseline?: Comparison | undefined;
}

export interface ReportRun {
  playbooks: ReportPlaybook[];
  /** ANSIBLE_OTEL_TRACE_URL, `{trace_id}` still in it. */
  traceUrl?: string | undefined;
}
