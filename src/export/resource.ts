import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import { ciAttributes } from './ci-environment.js';

/**
 * The one resource of traces and metrics, so a backend joins them: the SDK's defaults,
 * `service.name=ansible`, the CI system's pipeline, job and commit (ci-environment.ts), then
 * OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (which win).
 */
export function sidecarResource(env: NodeJS.ProcessEnv = process.env): Resource {
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'ansible', ...ciAttributes(env) }))
    .merge(detectResources({ detectors: [envDetector] }));
}
