// `run --report PATH`: the run's events collected as they come, the HTML written once at the end.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Sink } from '../sinks/sink.js';
import { ReportBuilder } from './report-builder.js';
import { renderReportHtml } from './render-html.js';

export class ReportSink extends ReportBuilder implements Sink {
  readonly name = 'report';

  constructor(
    readonly path: string,
    private readonly traceUrl: string | undefined,
    private readonly onWritten: (path: string) => void = () => {},
  ) {
    super();
  }

  async shutdown(): Promise<void> {
    if (this.playbooks.length === 0) return; // nothing ran: no empty report over an older one
    const path = resolve(this.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, renderReportHtml({ playbooks: this.playbooks, traceUrl: this.traceUrl }));
    this.onWritten(path);
  }
}
