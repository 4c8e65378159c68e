// ANSIBLE_OTEL_TRACE_URL, the trace UI's address for a trace, e.g.
// `http://localhost:16686/trace/{trace_id}` or, to point at one span of it,
// `http://localhost:16686/trace/{trace_id}?uiFind={span_id}`.

/** The template with `{trace_id}` and `{span_id}` filled in: the link to a span. */
export function spanUrl(template: string, traceId: string, spanId: string): string {
  return template.replaceAll('{trace_id}', traceId).replaceAll('{span_id}', spanId);
}

/** The link to a playbook's trace: its root span's link (summaries, Slack, the webhook, the job summary). */
export function traceLink(template: string | undefined, t: { traceId: string; rootSpanId: string }): string | undefined {
  return template ? spanUrl(template, t.traceId, t.rootSpanId) : undefined;
}
