import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { IOtlpExportDelegate } from '@opentelemetry/otlp-exporter-base';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import { convertLegacyOtlpGrpcOptions, createOtlpGrpcExportDelegate } from '@opentelemetry/otlp-grpc-exporter-base';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import type { OtlpProtocol, Signal } from '../otel-env.js';

export type SendOutcome = { ok: true } | { ok: false; retryable: boolean; message: string };

/** gRPC status codes the OTLP spec says to retry: CANCELLED, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS. */
const GRPC_RETRYABLE = new Set([1, 4, 8, 10, 11, 14, 15]);

/** The spec's service of each signal: the gRPC method the SDK's own exporters call. */
const GRPC_SERVICE: Record<Signal, [name: string, path: string]> = {
  traces: ['TraceExportService', '/opentelemetry.proto.collector.trace.v1.TraceService/Export'],
  metrics: ['MetricsExportService', '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export'],
  logs: ['LogsExportService', '/opentelemetry.proto.collector.logs.v1.LogsService/Export'],
};

/** The SDK's name of a signal's item (its self-observability metrics; none are recorded here). */
const ITEM = { traces: 'span', metrics: 'metric_data_point', logs: 'log' } as const;

/** The component name the SDK's delegates take (for their self-observability metrics, off here). */
const COMPONENT = 'ansible_otel_durable_exporter';

/**
 * Requests in flight at once, per signal (the library's default limit). More wait here, in order,
 * for one to finish: the library would fail them at once ("Concurrent export limit reached"),
 * which is no fault of the backend's, yet sent them to the disk queue. A batch processor's
 * forceFlush exports all its batches at once, and every run that ends asks for one.
 */
export const MAX_IN_FLIGHT = 30;
/** Above ours, so that the library's own check never fails a request. */
const LIBRARY_LIMIT = 2 * MAX_IN_FLIGHT;

/** Whether a failed request may succeed when sent again, from the transport's status code. */
export function retryable(protocol: OtlpProtocol, code: number | undefined): boolean {
  // No status at all: the backend was not reached (refused, reset): try again later.
  if (typeof code !== 'number') return true;
  if (protocol === 'grpc') return GRPC_RETRYABLE.has(code);
  // HTTP 4xx other than 429: the backend refuses this request for good; re-sending cannot help.
  return !(code >= 400 && code < 500 && code !== 429);
}

/**
 * Sends already-serialized OTLP requests with the OTel library's own transport (HTTP or gRPC),
 * so the OTEL_EXPORTER_OTLP_* settings (headers, compression, timeout, TLS, insecure) apply
 * exactly as for the SDK's exporters; the bytes come from the library's serializers.
 */
export class OtlpByteSender {
  private readonly delegate: IOtlpExportDelegate<Uint8Array>;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    signal: Signal,
    private readonly protocol: OtlpProtocol,
    url: string,
    response: ISerializer<unknown, unknown>,
  ) {
    const passThrough: ISerializer<Uint8Array, unknown> = {
      serializeRequest: (bytes) => bytes,
      deserializeResponse: (data) => response.deserializeResponse(data),
    };
    const id = signal.toUpperCase();
    const helper = { name: ITEM[signal], countItems: () => 0 };
    if (protocol === 'grpc') {
      const [name, path] = GRPC_SERVICE[signal];
      const options = convertLegacyOtlpGrpcOptions({ url, concurrencyLimit: LIBRARY_LIMIT }, id);
      this.delegate = createOtlpGrpcExportDelegate(options, passThrough, COMPONENT, helper, undefined, name, path);
    } else {
      const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
      const options = convertLegacyHttpOptions({ url, concurrencyLimit: LIBRARY_LIMIT }, id, `v1/${signal}`, { 'Content-Type': contentType });
      this.delegate = createOtlpHttpExportDelegate(options, passThrough, COMPONENT, helper, undefined);
    }
  }

  async send(bytes: Uint8Array): Promise<SendOutcome> {
    if (this.inFlight < MAX_IN_FLIGHT) this.inFlight += 1;
    else await new Promise<void>((taken) => this.waiting.push(taken)); // a finishing request hands its slot on
    try {
      return await this.sendNow(bytes);
    } finally {
      this.release();
    }
  }

  /** The next turn: the library forgets a finished request only after its callback returned. */
  private release(): void {
    setImmediate(() => {
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight -= 1;
    });
  }

  private sendNow(bytes: Uint8Array): Promise<SendOutcome> {
    return new Promise((resolve) => {
      this.delegate.export(bytes, (result: ExportResult) => {
        if (result.code === ExportResultCode.SUCCESS) return resolve({ ok: true });
        const code = (result.error as { code?: number } | undefined)?.code;
        resolve({ ok: false, retryable: retryable(this.protocol, code), message: result.error?.message ?? 'export failed' });
      });
    });
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }
}
