// Reads an OTLP/JSON lines traces file (the embedded default's, or the Collector file exporter's)
// into slim spans: only what the report needs, so a large file stays cheap to hold. Each line is
// validated at this edge (otlp-json-schema.ts); a bad one is skipped and counted, the rest is used.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FileProblem } from '../ingest/frame-files.js';
import { checkTracesRequest, type AnyValue, type OtlpSpan } from './otlp-json-schema.js';

export type SlimValue = string | number | boolean | string[] | undefined;
export type SlimAttributes = Record<string, SlimValue>;

export interface SlimSpan {
  traceId: string;
  spanId: string;
  /** Empty on a root span. */
  parentSpanId: string;
  name: string;
  startNs: number;
  endNs: number;
  attributes: SlimAttributes;
}

export interface TracesFile {
  spans: SlimSpan[];
  /** Lines skipped: not JSON, or not an OTLP/JSON traces request. */
  badLines: number;
  /** The first of them. */
  firstBad?: FileProblem;
}

/** Numbers read as numbers (an int64 beyond 2^53 loses its last digits), arrays as strings. */
function value(v: AnyValue | undefined): SlimValue {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return Number(v.doubleValue);
  if (v.arrayValue) return (v.arrayValue.values ?? []).map((x) => String(value(x)));
  return undefined;
}

/** Hex ids as they are (lower case); base64 ones (protobuf's canonical JSON) in hex. */
const hexId = (id: string | undefined): string => (!id ? '' : /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex'));

function slim(s: OtlpSpan): SlimSpan {
  const attributes: SlimAttributes = {};
  for (const kv of s.attributes ?? []) attributes[kv.key] = value(kv.value);
  return {
    traceId: hexId(s.traceId),
    spanId: hexId(s.spanId),
    parentSpanId: hexId(s.parentSpanId),
    name: s.name ?? '',
    startNs: Number(s.startTimeUnixNano ?? 0),
    endNs: Number(s.endTimeUnixNano ?? 0),
    attributes,
  };
}

/** Every span of the file's good lines; blank lines are nothing, any other bad line is counted. */
export async function readTracesFile(path: string): Promise<TracesFile> {
  const out: TracesFile = { spans: [], badLines: 0 };
  const bad = (line: number, code: string, message: string): void => {
    out.badLines += 1;
    out.firstBad ??= { file: path, line, code, message };
  };
  const input = createReadStream(path, 'utf8');
  const lines = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n += 1;
      if (!line.trim()) continue;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        bad(n, 'bad_json', `not JSON (${(err as Error).message})`);
        continue;
      }
      const checked = checkTracesRequest(parsed);
      if (!checked.ok) {
        bad(n, 'bad_field', checked.problem);
        continue;
      }
      for (const rs of checked.request.resourceSpans) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) out.spans.push(slim(s));
    }
  } finally {
    input.destroy();
  }
  return out;
}

/** The one warning for a file's bad lines: the first one's place and fault, and how many in all. */
export function badLinesWarning(file: TracesFile): string | undefined {
  const p = file.firstBad;
  if (!p) return undefined;
  const more = file.badLines > 1 ? `; ${file.badLines} bad lines skipped in all` : '';
  return `${p.file}:${p.line}: ${p.message} (line skipped, expected one OTLP/JSON ExportTraceServiceRequest per line${more})`;
}
