import { defaultResource, detectResources, envDetector, resourceFromAttributes, type Resource } from '@opentelemetry/resources';

/**
 * The one resource of traces and metrics, so a backend joins them: the SDK's defaults,
 * `service.name=ansible`, then OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (which win).
 */
export function sidecarResource(): Resource {
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'ansible' }))
    .merge(detectResources({ detectors: [envDetector] }));
}
