// Whether a trace is larger than backends take: the figures of docs/scale.md §2–3.
import type { TraceSummary } from '../model/run-model.js';
import { thousands } from '../util/thousands.js';

/** OTLP protobuf bytes per span of ours, rounded up from the measured 549–617 (docs/scale.md §2). */
const BYTES_PER_SPAN = 600;
/** Tempo's default `max_bytes_per_trace`: beyond it the rest of the trace is refused. */
const TEMPO_TRACE_BYTES = 5_000_000;
/** Where Jaeger's UI stops being usable (jaeger-ui#630: a trace over 20,000 spans breaks the browser). */
const JAEGER_UI_SPANS = 20_000;

const NEXT_MODE: Record<string, string | undefined> = {
  all: "--host-spans problems (only the failed, changed and slowest hosts get spans; every task span keeps all hosts' facts)",
  problems: "--host-spans none (task spans only, each with all its hosts' facts)",
};

/** One line when `t` is over what Tempo or Jaeger's UI take by default, with the mode that cuts it; else undefined. */
export function traceSizeWarning(t: TraceSummary): string | undefined {
  const bytes = t.spans * BYTES_PER_SPAN;
  const over = [
    bytes > TEMPO_TRACE_BYTES ? "Tempo's default max_bytes_per_trace (5 MB)" : '',
    t.spans > JAEGER_UI_SPANS ? "what Jaeger's UI can show (≈ 20,000 spans)" : '',
  ].filter(Boolean);
  if (!over.length) return undefined;
  const next = NEXT_MODE[t.hostSpans.startsWith('auto:') ? 'problems' : t.hostSpans];
  const size = `≈ ${(bytes / 1e6).toFixed(1)} MB of OTLP protobuf`;
  return `${t.playbook}: ${thousands(t.spans)} spans in one trace (${size}), more than ${over.join(' and ')}${next ? `; ${next} would cut it (docs/scale.md)` : ''}`;
}
