// `run --report PATH`: the run's events collected as they come, the HTML written once at the end.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Sink } from '../sinks/sink.js';
import { ReportBuilder } from './report-builder.js';
import { renderReportHtml } from './render-html.js';
import { outputName } from '../export/ledger/output-marks.js';
import { byDeadline } from '../util/deadline.js';

/**
 * Marked (output-marks.ts) once the file is written, all of it at once: a run whose report was
 * written is not put into the report of a later `run` that replays its spool; one whose sidecar
 * died before writing it is, whole.
 */
export class ReportSink extends ReportBuilder implements Sink {
  readonly name = 'report';
  readonly mark: string;
  private written: () => void = () => {};
  private readonly whenWritten = new Promise<void>((resolve) => (this.written = resolve));

  constructor(
    readonly path: string,
    private readonly traceUrl: string | undefined,
    private readonly onWritten: (path: string) => void = () => {},
  ) {
    super();
    this.mark = outputName('report', resolve(path));
  }

  /** What it was handed is taken once the file is written (at shutdown); never, if that fails. */
  taken(): Promise<void> {
    return this.whenWritten;
  }

  async shutdown(deadlineMs: number): Promise<void> {
    if (this.playbooks.length === 0) return; // nothing ran: no empty report over an older one
    await byDeadline(this.write(), deadlineMs, `writing ${this.path}`);
  }

  private async write(): Promise<void> {
    const path = resolve(this.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderReportHtml({ playbooks: this.playbooks, traceUrl: this.traceUrl }));
    this.written();
    this.onWritten(path);
  }
}
