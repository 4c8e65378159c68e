import { ValueType, type Meter } from '@opentelemetry/api';
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
 * the exporters already keep, at collection time, so the hot path does no extra work. Named as
 * semconv's naming.md asks (and as its own otel.sdk.* metrics are): a singular namespace, no
 * plural UpDownCounter; whole things counted as integers.
 */
export function observeSelf(meter: Meter, state: () => SelfState): void {
  const counter = (name: string, unit: string, description: string) => meter.createObservableCounter(name, { unit, description, valueType: ValueType.INT });
  const upDown = (name: string, unit: string, description: string) =>
    meter.createObservableUpDownCounter(name, { unit, description, valueType: ValueType.INT });
  const framesReceived = counter('ansible.sidecar.frame.received', '{frame}', 'Frames received from shims');
  const framesRejected = counter('ansible.sidecar.frame.rejected', '{frame}', 'Frames refused: invalid, oversized or foreign');
  const framesMissing = counter('ansible.sidecar.frame.missing', '{frame}', 'Frames lost between shim and sidecar (gaps in the per-run sequence numbers)');
  const runsActive = upDown('ansible.sidecar.run.active', '{run}', 'Connections with a run in progress');
  const runsFailed = counter('ansible.sidecar.run.failed', '{run}', 'Runs ended early because one of their frames could not be applied');
  const spoolRunsEvicted = counter(
    'ansible.sidecar.run.evicted',
    '{run}',
    "Runs whose spool files a shim deleted to stay within its spool cap before any sidecar had them (told in a later run's bye)",
  );
  const spansExported = counter('ansible.sidecar.span.exported', '{span}', 'Spans delivered by the trace exporter');
  const spansFailed = counter('ansible.sidecar.span.failed', '{span}', 'Spans an export attempt failed on');
  // Not monotonic: spans in the export queue count here until they are delivered.
  const spansDropped = upDown(
    'ansible.sidecar.span.dropped',
    '{span}',
    'Spans ended but neither delivered nor failed: queued while running, lost after shutdown',
  );
  const metricExportsFailed = counter('ansible.sidecar.metric_export.failed', '{export}', 'Metric exports that failed');
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
