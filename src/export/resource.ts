import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
  type ResourceDetector,
} from '@opentelemetry/resources';
import type { Logger } from '../util/log.js';
import { ciAttributes } from './ci-environment.js';

/** Attributes of the process detector that carry the command line, `ansible-otel run -- ansible-playbook -e …`: -e values must not reach a backend. */
const COMMAND_LINE = new Set(['process.command', 'process.command_args', 'process.command_line']);

const processWithoutCommandLine: ResourceDetector = {
  detect: (config) => {
    const { attributes = {}, ...rest } = processDetector.detect(config);
    return { ...rest, attributes: Object.fromEntries(Object.entries(attributes).filter(([k]) => !COMMAND_LINE.has(k))) };
  },
};

/** OTEL_NODE_RESOURCE_DETECTORS names as @opentelemetry/sdk-node spells them; env last, so OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win. */
const DETECTORS = new Map<string, ResourceDetector>([
  ['host', hostDetector],
  ['os', osDetector],
  ['serviceinstance', serviceInstanceIdDetector],
  ['process', processWithoutCommandLine],
  ['env', envDetector],
]);

/** As sdk-node: unset or `all` → every detector, `none` → none, else the named ones (unknown names warned about once). */
export function resourceDetectors(names: string[] | undefined, log: Logger): ResourceDetector[] {
  const list = names ?? ['all'];
  if (list.includes('all')) return [...DETECTORS.values()];
  if (list.includes('none')) return [];
  const known = [...DETECTORS.keys()].join(', ');
  for (const name of list) if (!DETECTORS.has(name)) log.once(`detector:${name}`, `OTEL_NODE_RESOURCE_DETECTORS value "${name}" is not one of ${known}, all, none; ignored`);
  return [...DETECTORS].filter(([name]) => list.includes(name)).map(([, detector]) => detector);
}

/**
 * The one resource of traces, metrics and logs, so a backend joins them: the SDK's defaults,
 * `service.name=ansible`, the CI system's pipeline, job and commit (ci-environment.ts), then
 * what the detectors find. Some attributes (host.id) settle later: await
 * `waitForAsyncAttributes()` before the first export.
 */
export function sidecarResource(detectors: ResourceDetector[], env: NodeJS.ProcessEnv = process.env): Resource {
  return defaultResource()
    .merge(resourceFromAttributes({ 'service.name': 'ansible', ...ciAttributes(env) }))
    .merge(detectResources({ detectors }));
}
