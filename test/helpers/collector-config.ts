// What a collector configuration must satisfy before any collector runs it, for the files of this
// repository that are collector configurations (otel-collector.yaml, examples/collector/*.yaml,
// examples/compose/jaeger.yaml): the release they are written for, the component names that
// release has, and the wiring rules the collector itself enforces at start (plus two of ours).

/** The collector-contrib release every collector file and image here is written for. */
export const CONTRIB_RELEASE = '0.165.0';

/**
 * Component types used here, as named in CONTRIB_RELEASE. Checked against:
 * - open-telemetry/opentelemetry-collector#14396: core renames (`otlp` exporter → `otlp_grpc` in
 *   #14403, `otlphttp` → `otlp_http` in #14397, both 0.144.0); `otlp` receiver, `batch`,
 *   `memory_limiter`, `debug` keep their names.
 * - open-telemetry/opentelemetry-collector-contrib#45339: contrib renames (`loadbalancing` →
 *   `load_balancing` in #48533, `spanmetrics` → `span_metrics` in #47963); `tail_sampling`,
 *   `file_storage`, `prometheus` already follow the convention.
 * - config.schema.yaml of exporter/loadbalancingexporter (routing_key, resolver.dns, protocol.otlp,
 *   sending_queue), processor/tailsamplingprocessor (decision_wait_after_root_received,
 *   decision_cache, status_code / latency / probabilistic policies) and connector/spanmetricsconnector
 *   (exclude_dimensions, dimensions, aggregation_cardinality_limit) on contrib's main branch.
 */
export const CONTRIB_COMPONENTS = {
  receivers: ['otlp'],
  processors: ['memory_limiter', 'batch', 'tail_sampling'],
  exporters: ['otlp_grpc', 'otlp_http', 'load_balancing', 'prometheus', 'debug'],
  connectors: ['span_metrics'],
  extensions: ['file_storage'],
} as const;

/** Old names that still start but log a deprecation warning on every start. */
export const DEPRECATED_NAMES = ['otlphttp', 'loadbalancing', 'spanmetrics'] as const;

export type Kind = keyof typeof CONTRIB_COMPONENTS;
const KINDS = Object.keys(CONTRIB_COMPONENTS) as Kind[];

export const typeOf = (id: string): string => id.split('/')[0]!;

/** The collector's merge of several --config files: maps merge key by key, anything else (lists too) is replaced. */
export function mergeConfigs(base: any, over: any): any {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeConfigs(base[k], v) : v;
  return out;
}

const isMap = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Every wiring fault in `config`, one sentence each (none: []). The collector refuses to start on
 * undefined or unused components and on pipelines without a receiver or an exporter; memory_limiter
 * first (refuse data before memory runs out) and persistent queues on an enabled storage extension
 * are this project's rules.
 */
export function wiringProblems(config: any, o: { memoryLimiterFirst: boolean } = { memoryLimiterFirst: true }): string[] {
  const problems: string[] = [];
  const defined = (kind: Kind): Record<string, unknown> => config[kind] ?? {};
  const pipelines = (config.service?.pipelines ?? {}) as Record<string, Record<string, string[]>>;
  const used = new Set<string>();
  for (const [name, p] of Object.entries(pipelines)) {
    const sources = { receivers: p.receivers ?? [], processors: p.processors ?? [], exporters: p.exporters ?? [] };
    for (const [role, ids] of Object.entries(sources)) {
      for (const id of ids) {
        // A connector is an exporter of one pipeline and a receiver of another.
        const kind: Kind = role !== 'processors' && id in defined('connectors') ? 'connectors' : (role as Kind);
        if (!(id in defined(kind))) problems.push(`pipeline ${name}: ${role.slice(0, -1)} ${id} is not defined`);
        used.add(`${kind}:${id}`);
      }
    }
    if (sources.receivers.length === 0 || sources.exporters.length === 0) problems.push(`pipeline ${name}: needs a receiver and an exporter`);
    if (o.memoryLimiterFirst && sources.processors[0] !== 'memory_limiter') problems.push(`pipeline ${name}: memory_limiter is not its first processor`);
  }
  for (const id of config.service?.extensions ?? []) {
    if (!(id in defined('extensions'))) problems.push(`service: extension ${id} is not defined`);
    used.add(`extensions:${id}`);
  }
  for (const kind of KINDS)
    for (const id of Object.keys(defined(kind))) if (!used.has(`${kind}:${id}`)) problems.push(`${kind.slice(0, -1)} ${id} is defined but never used`);
  for (const [id, e] of Object.entries(defined('exporters')) as [string, any][]) {
    const storage = e?.sending_queue?.storage as string | undefined;
    if (storage !== undefined && !(config.service?.extensions ?? []).includes(storage))
      problems.push(`exporter ${id}: its queue's storage ${storage} is not an enabled extension`);
  }
  return problems;
}

/** Component types in `config` that CONTRIB_RELEASE does not have under that name. */
export function unknownComponents(config: any): string[] {
  const out: string[] = [];
  for (const kind of KINDS)
    for (const id of Object.keys(config[kind] ?? {}))
      if (!(CONTRIB_COMPONENTS[kind] as readonly string[]).includes(typeOf(id))) out.push(`${kind.slice(0, -1)} ${id}`);
  return out;
}
