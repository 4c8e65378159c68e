import { ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import type { LogRecordOp, LogWriter, Severity } from '../model/log-writer.js';
import { clean, hrTime } from './otel-trace-writer.js';

const SEVERITY: Record<Severity, SeverityNumber> = { INFO: SeverityNumber.INFO, WARN: SeverityNumber.WARN, ERROR: SeverityNumber.ERROR };

/** The run model's LogWriter over an OTel Logger: each record in the context of its span. */
export class OtelLogWriter implements LogWriter {
  emitted = 0;

  constructor(
    private readonly logger: Logger,
    /** The attribute value length limit, applied to the body too: output is clipped as span attributes are. */
    private readonly bodyLimit: number,
  ) {}

  emit(r: LogRecordOp): void {
    const time = hrTime(r.timeNs);
    this.logger.emit({
      eventName: r.eventName,
      timestamp: time,
      observedTimestamp: time,
      severityNumber: SEVERITY[r.severity],
      severityText: r.severity,
      body: r.body.length > this.bodyLimit ? r.body.slice(0, this.bodyLimit) : r.body,
      attributes: clean(r.attributes),
      context: trace.setSpanContext(ROOT_CONTEXT, { traceId: r.traceId, spanId: r.spanId, traceFlags: TraceFlags.SAMPLED, isRemote: false }),
    });
    this.emitted += 1;
  }
}
