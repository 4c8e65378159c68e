// The run model's third port, beside TraceWriter and RunObserver: log records, each tied to the
// span it belongs to. Plain data, timestamps from the frames; the OTel side lives in src/export/.
import type { Attributes } from './trace-writer.js';

/** OTel severity, by the short names of the logs data model (SeverityNumber 9, 13, 17). */
export type Severity = 'INFO' | 'WARN' | 'ERROR';

export interface LogRecordOp {
  /** ns since the epoch, from the frame the record comes from. */
  timeNs: number;
  severity: Severity;
  /** What a user reads: the message, the output, the summary. */
  body: string;
  /** The record's kind (OTel `EventName`), e.g. `ansible.host.failure`. */
  eventName: string;
  /** Trace and span the record belongs to (a host span, an item span, or the root span). */
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface LogWriter {
  emit(record: LogRecordOp): void;
}
