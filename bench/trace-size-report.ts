// Section 6 of BENCHMARKS.md: bytes per span and the size of a fleet trace (bench/trace-size.ts).
import { fmt } from './stats.js';
import { BATCH_SPANS, type SpanKind, type TraceSizeResult } from './trace-size.js';

/** Grafana Tempo's default overrides.global.max_bytes_per_trace (docs/scale.md cites it). */
export const TEMPO_MAX_BYTES_PER_TRACE = 5_000_000;

const MB = 1_000_000;
const KIND_LABEL: Record<SpanKind, string> = { host: 'host span (one host, one task)', task: 'task span', other: 'playbook, play, include, role spans' };

export function traceSizeSection(t: TraceSizeResult): string[] {
  const f = t.fleet;
  const rows = t.sources.flatMap((s) => [
    `| ${s.name}: all spans, whole requests | ${fmt(s.spans)} | ${fmt(s.protobufPerSpan)} | ${fmt(s.gzipPerSpan)} |`,
    ...(Object.entries(s.kinds) as [SpanKind, TraceSizeResult['sources'][number]['kinds'][SpanKind]][])
      .filter(([, k]) => k.spans > 0)
      .map(([kind, k]) => `| ${s.name}: ${KIND_LABEL[kind]} | ${fmt(k.spans)} | ${fmt(k.protobufPerSpan)} | ${fmt(k.gzipPerSpan)} |`),
  ]);
  return [
    '## 6. Trace size (bytes per span of the OTLP output)',
    '',
    `Each stream is replayed twice by \`${t.command}\` into a loopback receiver that keeps the request bodies. Whole requests: body bytes ÷ spans (gzip: the compressed bodies as sent). By kind: each span's bytes as encoded in the requests; gzip by kind compresses that kind's spans ${BATCH_SPANS} at a time (the export batch). Streams: ${t.sources.map((s) => `${s.name} = ${s.stream}`).join('; ')}.`,
    '',
    '| spans | count | protobuf bytes / span | gzip bytes / span |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
    `A run of ${fmt(f.size.hosts)} hosts × ${fmt(f.size.tasks)} tasks with a host span for every host and task is one trace of ${fmt(f.spans)} spans: about **${fmt(f.protobufBytes / MB)} MB** of protobuf (${fmt(f.gzipBytes / MB)} MB gzip-compressed on the wire), computed from the generated run's bytes by kind of span. Tempo's default \`max_bytes_per_trace\` is ${fmt(TEMPO_MAX_BYTES_PER_TRACE / MB)} MB: ${fmt(f.protobufBytes / TEMPO_MAX_BYTES_PER_TRACE, 0)}× over (docs/scale.md).`,
    '',
  ];
}
