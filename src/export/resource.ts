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
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { ATTR_PROCESS_COMMAND, ATTR_PROCESS_COMMAND_ARGS, ATTR_PROCESS_COMMAND_LINE } from '@opentelemetry/semantic-conventions/incubating';
import { ATTR } from '../model/attributes.js';
import type { Logger } from '../util/log.js';

/** Attributes of the process detector that carry the command line, `ansible-otel run -- ansible-playbook -e …`: -e values must not reach a backend. */
const COMMAND_LINE = new Set<string>([ATTR_PROCESS_COMMAND, ATTR_PROCESS_COMMAND_ARGS, ATTR_PROCESS_COMMAND_LINE]);

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
  for (const name of list)
    if (!DETECTORS.has(name)) log.once(`detector:${name}`, `OTEL_NODE_RESOURCE_DETECTORS value "${name}" is not one of ${known}, all, none; ignored`);
  return [...DETECTORS].filter(([name]) => list.includes(name)).map(([, detector]) => detector);
}

/**
 * The CI's run and job: one value per CI run. As semconv v1.44 asks for the cicd.pipeline.run
 * entity (resource/cicd.md: associating it with metrics MUST be opt-in), they are left off the
 * metrics' resource unless asked for: every run would otherwise start new series.
 */
const RUN_ENTITY = new Set<string>([ATTR.CI_PIPELINE_RUN_ID, ATTR.CI_PIPELINE_RUN_URL_FULL, ATTR.CI_JOB_ID, ATTR.CI_JOB_URL_FULL]);

export interface SidecarResources {
  /** Traces and logs: everything below. */
  resource: Resource;
  /** Metrics: the same, less the CI's run entity unless opted in (the same object when nothing is left out). */
  metricsResource: Resource;
}

/**
 * The resource of traces, metrics and logs, so a backend joins them: the SDK's defaults,
 * `service.name=ansible`, the CI system's pipeline, job and commit (`ci`: ciAttributes, from the
 * config), then
 * what the detectors find (OTEL_RESOURCE_ATTRIBUTES last: what a user sets there stays, on every
 * signal). Some attributes (host.id) settle later: await `waitForAsyncAttributes()` before the
 * first export.
 */
export function sidecarResources(detectors: ResourceDetector[], ci: Record<string, string>, metricsRunEntity = false): SidecarResources {
  const detected = detectResources({ detectors });
  const build = (attrs: Record<string, string>): Resource =>
    defaultResource()
      .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'ansible', ...attrs }))
      .merge(detected);
  const resource = build(ci);
  const withoutRun = Object.fromEntries(Object.entries(ci).filter(([k]) => !RUN_ENTITY.has(k)));
  const leftOut = Object.keys(withoutRun).length < Object.keys(ci).length;
  return { resource, metricsResource: leftOut && !metricsRunEntity ? build(withoutRun) : resource };
}
