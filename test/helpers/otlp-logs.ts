// Normalizes OTLP logs requests (JSON or protobuf) into flat log records the tests assert on.
import { createRequire } from 'node:module';
import { attrs, hex, ns, ofJsonLines, value, type AttrValue } from './otlp-spans.js';

const require = createRequire(import.meta.url);
// Test-only decoder: the generated protobuf root of an older otlp-transformer release.
const root = require('otlp-proto-decoder/build/src/generated/root.js');
const ExportLogsServiceRequest = root.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;

export const SEVERITY = { INFO: 9, WARN: 13, ERROR: 17 } as const;

export interface OtlpLogRecord {
  traceId: string;
  spanId: string;
  timeNs: bigint;
  severityNumber: number;
  severityText: string;
  body: AttrValue;
  /** Only where the encoding has it (OTLP/JSON here; the test's older protobuf root predates it). */
  eventName?: string;
  attributes: Record<string, AttrValue>;
  resource: Record<string, AttrValue>;
  schemaUrl?: string | undefined;
}

/** A decoded ExportLogsServiceRequest (as a JSON object) into flat records. */
export function recordsOfRequest(req: any): OtlpLogRecord[] {
  const out: OtlpLogRecord[] = [];
  for (const rl of req.resourceLogs ?? []) {
    const resource = attrs(rl.resource?.attributes);
    for (const sl of rl.scopeLogs ?? []) {
      for (const r of sl.logRecords ?? []) {
        out.push({
          traceId: hex(r.traceId),
          spanId: hex(r.spanId),
          timeNs: ns(r.timeUnixNano),
          severityNumber: r.severityNumber ?? 0,
          severityText: r.severityText ?? '',
          body: value(r.body),
          eventName: r.eventName || undefined,
          attributes: attrs(r.attributes),
          resource,
          schemaUrl: sl.schemaUrl || undefined,
        });
      }
    }
  }
  return out;
}

export function decodeProtobufLogs(body: Buffer): any {
  return ExportLogsServiceRequest.toObject(ExportLogsServiceRequest.decode(body), { longs: String, bytes: String, defaults: false });
}

/** Log records of an OTLP/JSON lines file (ansible-otel-logs.jsonl). */
export function recordsOfJsonLines(text: string): OtlpLogRecord[] {
  return ofJsonLines(text, recordsOfRequest);
}

/** Log records as a reader sees them, sorted, without ids or times: each one's host and body. */
export function logShape(records: OtlpLogRecord[]): string[] {
  return records.map((r) => `${r.attributes['ansible.task.host.name'] ?? '-'}: ${r.body}`).sort();
}
