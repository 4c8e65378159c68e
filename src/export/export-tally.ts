import { ExportResultCode, type ExportResult } from '@opentelemetry/core';

/** What one exporter really delivered and failed on; the first failure is said once, the rest counted. */
export class ExportTally {
  exported = 0;
  failed = 0;
  lastError: string | undefined;

  constructor(
    readonly target: string,
    private readonly onFirstFailure: (target: string, message: string) => void,
  ) {}

  /** Counts `n` items (spans, or one metrics export) under the result; true when it succeeded. */
  protected tally(result: ExportResult, n: number): boolean {
    if (result.code === ExportResultCode.SUCCESS) {
      this.exported += n;
      return true;
    }
    if (this.failed === 0) this.onFirstFailure(this.target, result.error?.message ?? 'export failed');
    this.failed += n;
    this.lastError = result.error?.message;
    return false;
  }
}
