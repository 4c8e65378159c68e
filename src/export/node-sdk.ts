// The OTel SDK's providers come from @opentelemetry/sdk-node's NodeSDK, as in any Node service:
// it turns our parts (the batch span processors over our counting / ledger / durable exporters,
// the metric readers, the log record processors, the keyed id generator and the one resource)
// into the tracer, meter and logger providers, with the sampler and limits it reads from OTEL_*.
// The root keeps the NodeSDK and shuts it down (which shuts its providers down); NodeSDK
// registers them as the process's globals, and the root removes them again at shutdown.
import { context, diag, DiagLogLevel, trace, metrics, type MeterProvider, type TracerProvider } from '@opentelemetry/api';
import { logs, type LoggerProvider } from '@opentelemetry/api-logs';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider as SdkLoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider as SdkMeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BasicTracerProvider, NoopSpanProcessor, type IdGenerator, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Component } from '../util/lifecycle.js';
import { withinDeadline } from '../util/deadline.js';
import type { Logger } from '../util/log.js';

export interface SdkParts {
  /** OTEL_SDK_DISABLED, as otel-env.ts resolved it. */
  disabled: boolean;
  resource: Resource;
  /** The metrics' resource: `resource` itself unless the CI run entity is left out (resource.ts). */
  metricsResource: Resource;
  idGenerator: IdGenerator;
  spanProcessors: readonly SpanProcessor[];
  metricReaders: readonly IMetricReader[];
  logRecordProcessors: readonly LogRecordProcessor[];
  /** OTEL_LOGRECORD_* limits, as the sidecar resolved them (the log writer clips with the same value). */
  logRecordLimits: { attributeValueLengthLimit: number; attributeCountLimit: number };
}

/** The SDK's warnings and errors as the sidecar's, each kind said once ("Dropped 12 spans…" and "Dropped 40 spans…" are one problem). */
export function sdkDiagnostics(log: Logger): void {
  const once = (m: string): void => log.once(`diag:${m.replace(/\d+/g, 'N')}`, `OpenTelemetry: ${m}`);
  diag.setLogger(
    { error: once, warn: once, info: () => {}, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
  );
}

function unregister(): void {
  context.disable(); // the AsyncLocalStorage context manager NodeSDK installs
  trace.disable();
  metrics.disable();
  logs.disable();
}

/**
 * The SDK as one Component. It is started when it is built: the run model's writers are built on
 * its providers in the root's constructor, and NodeSDK builds them only in its (synchronous)
 * start, which opens nothing (exporters connect on their first export), so `start()` has
 * nothing left to do. `shutdown` is NodeSDK's, which flushes and shuts down every provider.
 *
 * The providers are the API's interfaces, taken from the globals NodeSDK registered, without a
 * cast: NodeSDK keeps its own private, and the writers need no more than getTracer / getMeter /
 * getLogger (the signals flush and watch their own processors and readers).
 *
 * Under OTEL_SDK_DISABLED NodeSDK builds nothing, but the outputs the user asked for by option
 * (--traces-file, the Prometheus endpoint and textfile, --logs-file) must still work: the same
 * parts then go into providers built here, unregistered — the only case the sidecar builds a
 * provider itself, with the metrics' provider when their resource differs (below).
 */
export class OtelSdk implements Component {
  readonly name = 'OpenTelemetry SDK';
  readonly tracerProvider: TracerProvider;
  /** None when no metric reader is configured. */
  readonly meterProvider: MeterProvider | undefined;
  readonly loggerProvider: LoggerProvider;
  private readonly stop: () => Promise<unknown>;
  private stopping: Promise<unknown> | undefined;
  private readonly registered: boolean;

  constructor(p: SdkParts) {
    // A provider always exists, even without an exporter: span ids correlate the log records.
    const spanProcessors = p.spanProcessors.length ? [...p.spanProcessors] : [new NoopSpanProcessor()];
    const metricReaders = [...p.metricReaders];
    const logRecordProcessors = [...p.logRecordProcessors];
    this.registered = !p.disabled;
    if (p.disabled) {
      const tracerProvider = new BasicTracerProvider({ resource: p.resource, idGenerator: p.idGenerator, spanProcessors });
      const meterProvider = metricReaders.length ? new SdkMeterProvider({ resource: p.metricsResource, readers: metricReaders }) : undefined;
      const loggerProvider = new SdkLoggerProvider({ resource: p.resource, logRecordLimits: p.logRecordLimits, processors: logRecordProcessors });
      this.tracerProvider = tracerProvider;
      this.meterProvider = meterProvider;
      this.loggerProvider = loggerProvider;
      this.stop = () => Promise.all([tracerProvider.shutdown(), meterProvider?.shutdown(), loggerProvider.shutdown()]);
      return;
    }
    unregister(); // one root per process: what a previous one left must not shadow ours
    // NodeSDK gives every signal its one resource. When the metrics' must differ (the CI run entity
    // is opt-in for metrics), their provider is built here beside it, from the same readers.
    const ownMeter =
      p.metricsResource !== p.resource && metricReaders.length > 0 ? new SdkMeterProvider({ resource: p.metricsResource, readers: metricReaders }) : undefined;
    const sdk = new NodeSDK({
      resource: p.resource,
      // The resource is complete (resource.ts ran the OTEL_NODE_RESOURCE_DETECTORS detectors, the
      // process detector without the command line): NodeSDK must not detect again over it.
      autoDetectResources: false,
      idGenerator: p.idGenerator,
      spanProcessors,
      metricReaders: ownMeter ? [] : metricReaders,
      logRecordProcessors,
      // The sidecar reads no context from a carrier and instruments no library.
      textMapPropagator: null,
      instrumentations: [],
    });
    sdk.start();
    this.tracerProvider = trace.getTracerProvider();
    this.meterProvider = ownMeter ?? (metricReaders.length ? metrics.getMeterProvider() : undefined);
    this.loggerProvider = logs.getLoggerProvider();
    this.stop = () => Promise.all([sdk.shutdown(), ownMeter?.shutdown()]);
  }

  async start(): Promise<void> {}

  /**
   * Every provider flushes and shuts down within the deadline; the signals wait for their own
   * share of it and report what did not make it, so nothing more is said here. Then the globals go.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    this.stopping ??= this.stop();
    await withinDeadline(this.stopping, deadlineMs);
    if (this.registered) unregister();
  }
}
