import type { Resource } from '@opentelemetry/resources';
import type { Logger } from '../util/log.js';
import { resolveOtelEnv, type OtelEnv } from './otel-env.js';
import { resourceDetectors, sidecarResource } from './resource.js';

/** What every command that exports builds first: the OTEL_* configuration, read once, and the one resource every signal shares. */
export function otelSetup(log: Logger, env: NodeJS.ProcessEnv = process.env): { otel: OtelEnv; resource: Resource } {
  const otel = resolveOtelEnv((key, message) => log.once(key, message));
  return { otel, resource: sidecarResource(resourceDetectors(otel.resourceDetectors, log), env) };
}
