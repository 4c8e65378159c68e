import type { Meter } from '@opentelemetry/api';
import type { ExportReport } from './tracing.js';

/** What the sidecar knows about itself at collection time. */
export interface SelfState {
  framesReceived: number;
  framesRejected: number;
  framesMissing: number;
  runsActive: number;
  runsFailed: number;
  /** Runs the shims' spool caps deleted before any sidecar had them, as their shims told (bye). */
  spoolRunsEvicted: number;
  spans: ExportReport;
  metricExportsFailed: number;
}

/**
 * The sidecar's own health as observable instruments: read from the counters the pipeline and
 * the exporters already keep, at collection time, so the hot path does no extra work.
 */
export function observeSelf(meter: Meter, state: () => SelfState): void {
  const framesReceived = meter.createObservableCounter('ansible.sidecar.frames.received', { unit: '{frame}', description: 'Frames received from shims' });
  const framesRejected = meter.createObservableCounter('ansible.sidecar.frames.rejected', {
    unit: '{frame}',
    description: 'Frames refused: invalid, oversized or foreign',
  });
  const framesMissing = meter.createObservableCounter('ansible.sidecar.frames.missing', {
    unit: '{frame}',
    description: 'Frames lost between shim and sidecar (gaps in the per-run sequence numbers)',
  });
  const runsActive = meter.createObservableUpDownCounter('ansible.sidecar.runs.active', { unit: '{run}', description: 'Connections with a run in progress' });
  const runsFailed = meter.createObservableCounter('ansible.sidecar.runs.failed', {
    unit: '{run}',
    description: 'Runs ended early because one of their frames could not be applied',
  });
  const spoolRunsEvicted = meter.createObservableCounter('ansible.sidecar.spool.runs_evicted', {
    unit: '{run}',
    description: "Runs whose spool files a shim deleted to stay within its spool cap before any sidecar had them (told in a later run's bye)",
  });
  const spansExported = meter.createObservableCounter('ansible.sidecar.spans.exported', {
    unit: '{span}',
    description: 'Spans delivered by the trace exporter',
  });
  const spansFailed = meter.createObservableCounter('ansible.sidecar.spans.failed', { unit: '{span}', description: 'Spans an export attempt failed on' });
  // Not monotonic: spans in the export queue count here until they are delivered.
  const spansDropped = meter.createObservableUpDownCounter('ansible.sidecar.spans.dropped', {
    unit: '{span}',
    description: 'Spans ended but neither delivered nor failed: queued while running, lost after shutdown',
  });
  const metricExportsFailed = meter.createObservableCounter('ansible.sidecar.metric_exports.failed', {
    unit: '{export}',
    description: 'Metric exports that failed',
  });
  meter.addBatchObservableCallback(
    (r) => {
      const s = state();
      r.observe(framesReceived, s.framesReceived);
      r.observe(framesRejected, s.framesRejected);
      r.observe(framesMissing, s.framesMissing);
      r.observe(runsActive, s.runsActive);
      r.observe(runsFailed, s.runsFailed);
      r.observe(spoolRunsEvicted, s.spoolRunsEvicted);
      r.observe(spansExported, s.spans.exported);
      r.observe(spansFailed, s.spans.failed);
      r.observe(spansDropped, s.spans.dropped);
      r.observe(metricExportsFailed, s.metricExportsFailed);
    },
    [framesReceived, framesRejected, framesMissing, runsActive, runsFailed, spoolRunsEvicted, spansExported, spansFailed, spansDropped, metricExportsFailed],
  );
}
