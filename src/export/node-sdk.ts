// The OTel SDK's providers come from @opentelemetry/sdk-node's NodeSDK, as in any Node service:
// it turns our parts (the batch span processors over our counting / ledger / durable exporters,
// the metric readers, the log record processors, the keyed id generator and the one resource)
// into the tracer, meter and logger providers, with the sampler and limits it reads from OTEL_*.
// NodeSDK registers them as the process's globals; the sidecar is one composition root per
// process, takes its providers back from there and removes them again at shutdown.
import { context, trace, metrics, type ProxyTracerProvider } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import type { Resource } from '@opentelemetry/resources';
import { LoggerProvider, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, type IMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BasicTracerProvider, NoopSpanProcessor, type IdGenerator, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface SdkParts {
  /** OTEL_SDK_DISABLED, as otel-env.ts resolved it. */
  disabled: boolean;
  resource: Resource;
  /** The metrics' resource: `resource` itself unless the CI run entity is left out (resource.ts). */
  metricsResource: Resource;
  idGenerator: IdGenerator;
  spanProcessors: SpanProcessor[];
  metricReaders: IMetricReader[];
  logRecordProcessors: LogRecordProcessor[];
  /** OTEL_LOGRECORD_* limits, as the sidecar resolved them (the log writer clips with the same value). */
  logRecordLimits: { attributeValueLengthLimit: number; attributeCountLimit: number };
}

export interface SdkProviders {
  tracerProvider: Pick<BasicTracerProvider, 'getTracer' | 'forceFlush' | 'shutdown'>;
  /** None when no metric reader is configured. */
  meterProvider: MeterProvider | undefined;
  loggerProvider: LoggerProvider;
  /** Takes the providers out of the process's globals (after they were shut down). */
  unregister(): void;
}

function unregister(): void {
  context.disable(); // the AsyncLocalStorage context manager NodeSDK installs
  trace.disable();
  metrics.disable();
  logs.disable();
}

/**
 * Starts NodeSDK with our parts and hands back the providers it built. Under OTEL_SDK_DISABLED
 * NodeSDK builds nothing, but the outputs the user asked for by option (--traces-file, the
 * Prometheus endpoint and textfile, --logs-file) must still work: the same parts then go into
 * providers built here, unregistered — the only case the sidecar builds a provider itself.
 */
export function startSdk(p: SdkParts): SdkProviders {
  // A provider always exists, even without an exporter: span ids correlate the log records.
  const spanProcessors = p.spanProcessors.length ? p.spanProcessors : [new NoopSpanProcessor()];
  if (p.disabled) {
    return {
      tracerProvider: new BasicTracerProvider({ resource: p.resource, idGenerator: p.idGenerator, spanProcessors }),
      meterProvider: p.metricReaders.length ? new MeterProvider({ resource: p.metricsResource, readers: p.metricReaders }) : undefined,
      loggerProvider: new LoggerProvider({ resource: p.resource, logRecordLimits: p.logRecordLimits, processors: p.logRecordProcessors }),
      unregister: () => {},
    };
  }
  unregister(); // one root per process: what a previous one left must not shadow ours
  // NodeSDK gives every signal its one resource. When the metrics' must differ (the CI run entity
  // is opt-in for metrics), their provider is built here beside it, from the same readers.
  const ownMeter = p.metricsResource !== p.resource && p.metricReaders.length > 0;
  new NodeSDK({
    resource: p.resource,
    // The resource is complete (resource.ts ran the OTEL_NODE_RESOURCE_DETECTORS detectors, the
    // process detector without the command line): NodeSDK must not detect again over it.
    autoDetectResources: false,
    idGenerator: p.idGenerator,
    spanProcessors,
    metricReaders: ownMeter ? [] : p.metricReaders,
    logRecordProcessors: p.logRecordProcessors,
    // The sidecar reads no context from a carrier and instruments no library.
    textMapPropagator: null,
    instrumentations: [],
  }).start();
  return {
    tracerProvider: (trace.getTracerProvider() as ProxyTracerProvider).getDelegate() as BasicTracerProvider,
    meterProvider: ownMeter
      ? new MeterProvider({ resource: p.metricsResource, readers: p.metricReaders })
      : p.metricReaders.length
        ? (metrics.getMeterProvider() as MeterProvider)
        : undefined,
    loggerProvider: logs.getLoggerProvider() as LoggerProvider,
    unregister,
  };
}
