import type { ExportResult } from '@opentelemetry/core';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { ExportTally } from './export-tally.js';

/** Counts the log records an exporter really delivered, so the summary can say what went where. */
export class CountingLogRecordExporter extends ExportTally implements LogRecordExporter {
  constructor(
    readonly inner: LogRecordExporter,
    target: string,
    onFirstFailure: (target: string, message: string) => void,
  ) {
    super(target, onFirstFailure);
  }

  export(records: ReadableLogRecord[], done: (result: ExportResult) => void): void {
    const n = records.length; // not the records: they can go once taken (batch-handoff.ts)
    this.inner.export(records, (result) => {
      this.tally(result, n);
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
