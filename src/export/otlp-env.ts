// The OTEL_* variables every signal reads the same way (spec: signal-specific first, then the base).

export type Signal = 'traces' | 'metrics' | 'logs';

export function isTrue(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT as is, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/<signal>. */
export function otlpSignalUrl(env: NodeJS.ProcessEnv, signal: Signal): string | undefined {
  const own = env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_ENDPOINT`]?.trim();
  if (own) return own;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (base) return `${base.replace(/\/+$/, '')}/v1/${signal}`;
  return undefined;
}

export function otlpProtocol(env: NodeJS.ProcessEnv, signal: Signal): string {
  return (env[`OTEL_EXPORTER_OTLP_${signal.toUpperCase()}_PROTOCOL`] ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf').trim();
}
