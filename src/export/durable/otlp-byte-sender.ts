import { ExportResultCode } from '@opentelemetry/core';
import { convertLegacyHttpOptions, createOtlpHttpExportDelegate } from '@opentelemetry/otlp-exporter-base/node-http';
import type { ISerializer } from '@opentelemetry/otlp-transformer';

export type SendOutcome = { ok: true } | { ok: false; retryable: boolean; message: string };

/**
 * Posts already-serialized OTLP requests with the OTel library's own HTTP transport, so the
 * OTEL_EXPORTER_OTLP_* settings (endpoint, headers, compression, timeout, retries) apply exactly
 * as for the SDK's exporters; the bytes come from the library's serializers.
 */
export class OtlpByteSender {
  private readonly delegate;

  constructor(signal: 'TRACES' | 'METRICS', path: string, contentType: string, response: ISerializer<unknown, unknown>) {
    const passThrough: ISerializer<Uint8Array, unknown> = {
      serializeRequest: (bytes) => bytes,
      deserializeResponse: (data) => response.deserializeResponse(data),
    };
    this.delegate = createOtlpHttpExportDelegate(
      convertLegacyHttpOptions({}, signal, path, { 'Content-Type': contentType }),
      passThrough,
      'ansible_otel_durable_exporter',
      { name: signal === 'TRACES' ? 'span' : 'metric_data_point', countItems: () => 0 },
      undefined,
    );
  }

  send(bytes: Uint8Array): Promise<SendOutcome> {
    return new Promise((resolve) => {
      this.delegate.export(bytes, (result) => {
        if (result.code === ExportResultCode.SUCCESS) return resolve({ ok: true });
        const code = (result.error as { code?: number } | undefined)?.code;
        // 4xx other than 429: the backend refuses this request for good; re-sending cannot help.
        const permanent = typeof code === 'number' && code >= 400 && code < 500 && code !== 429;
        resolve({ ok: false, retryable: !permanent, message: result.error?.message ?? 'export failed' });
      });
    });
  }

  shutdown(): Promise<void> {
    return this.delegate.shutdown();
  }
}
