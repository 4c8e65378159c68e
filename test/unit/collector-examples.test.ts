// examples/collector/: the agent beside each controller and the gateway tier (docs/scale.md). No
// collector runs here, so the files are checked as the collector would check them at start, plus
// the properties the fleet design rests on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OTLP_GRPC, DEFAULT_OTLP_HTTP } from '../../src/export/otel-env.js';
import { ATTR } from '../../src/model/attributes.js';
import { DEPRECATED_NAMES, typeOf, unknownComponents, wiringProblems } from '../helpers/collector-config.js';
import { readYaml, ROOT } from '../helpers/yaml-file.js';

const agent = readYaml('examples/collector/agent.yaml');
const gateway = readYaml('examples/collector/gateway.yaml');
const portOf = (endpoint: string): number => Number(/:(\d+)$/.exec(endpoint)?.[1]);
const pipelinesWith = (config: any, id: string): string[] =>
  Object.entries(config.service.pipelines as Record<string, any>)
    .filter(([, p]) => [...p.receivers, ...p.processors, ...p.exporters].includes(id))
    .map(([name]) => name);

describe('the wiring check', () => {
  it('finds an undefined, an unused and an unqueued component, and memory_limiter out of place', () => {
    const broken = {
      receivers: { otlp: {} },
      processors: { batch: {}, memory_limiter: {} },
      exporters: { debug: {}, 'otlp_grpc/x': { sending_queue: { storage: 'file_storage' } } },
      service: { pipelines: { traces: { receivers: ['otlp'], processors: ['batch'], exporters: ['debug', 'otlp_http/missing'] } } },
    };
    expect(wiringProblems(broken)).toEqual([
      'pipeline traces: exporter otlp_http/missing is not defined',
      'pipeline traces: memory_limiter is not its first processor',
      'processor memory_limiter is defined but never used',
      'exporter otlp_grpc/x is defined but never used',
      "exporter otlp_grpc/x: its queue's storage file_storage is not an enabled extension",
    ]);
  });
});

describe.each([
  ['agent.yaml', agent],
  ['gateway.yaml', gateway],
])('examples/collector/%s', (file, config) => {
  it('is wired: every component defined and used, memory_limiter first, queues on an enabled storage', () => {
    expect(wiringProblems(config)).toEqual([]);
  });

  it('uses only component names of the pinned collector-contrib release, none deprecated', () => {
    expect(unknownComponents(config)).toEqual([]);
    const text = readFileSync(join(ROOT, 'examples/collector', file), 'utf8');
    for (const old of DEPRECATED_NAMES) expect(text).not.toMatch(new RegExp(`^\\s*${old}(/\\S+)?:`, 'm'));
  });

  it('queues every exporter on disk (file_storage), so a restart or an outage loses nothing accepted', () => {
    for (const [id, e] of Object.entries(config.exporters) as [string, any][]) {
      expect(e.sending_queue?.enabled, id).toBe(true);
      expect(typeOf(e.sending_queue.storage), id).toBe('file_storage');
    }
  });
});

describe('agent.yaml', () => {
  it('listens on loopback where the sidecar sends by default, and forwards every signal to the gateway', () => {
    for (const [protocol, url] of [
      ['http', DEFAULT_OTLP_HTTP],
      ['grpc', DEFAULT_OTLP_GRPC],
    ] as const) {
      expect(new URL(url).hostname).toBe('localhost');
      expect(agent.receivers.otlp.protocols[protocol].endpoint).toBe(`127.0.0.1:${new URL(url).port}`);
    }
    expect(Object.keys(agent.service.pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const p of Object.values(agent.service.pipelines) as any[]) expect(p.exporters).toEqual(['otlp_grpc/gateway']);
  });

  it('sends to the port the gateway receives OTLP/gRPC on', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the collector's own ${env:…} syntax, verbatim
    expect(agent.exporters['otlp_grpc/gateway'].endpoint).toBe('${env:OTEL_GATEWAY_ENDPOINT}');
    expect(portOf(gateway.receivers.otlp.protocols.grpc.endpoint)).toBe(4317);
  });
});

describe('gateway.yaml', () => {
  const lb = gateway.exporters.load_balancing;
  const sampling = gateway.processors.tail_sampling;

  it('routes spans by trace id to the replica receiver of its peers', () => {
    expect(lb.routing_key).toBe('traceID');
    expect(lb.resolver.dns.port).toBe(String(portOf(gateway.receivers['otlp/routed'].protocols.grpc.endpoint)));
    expect(pipelinesWith(gateway, 'load_balancing')).toEqual(['traces/route']);
  });

  it('samples only after routing, so each trace is decided whole on one replica', () => {
    expect(pipelinesWith(gateway, 'tail_sampling')).toEqual(['traces/sample']);
    expect(gateway.service.pipelines['traces/sample'].receivers).toEqual(['otlp/routed']);
    expect(pipelinesWith(gateway, 'otlp/routed')).toEqual(['traces/sample']);
  });

  it('keeps every trace with an error or longer than the threshold, and samples the rest', () => {
    const byType = Object.fromEntries((sampling.policies as any[]).map((p) => [p.type, p]));
    expect(Object.keys(byType).sort()).toEqual(['latency', 'probabilistic', 'status_code']);
    expect(byType.status_code.status_code.status_codes).toEqual(['ERROR']);
    expect(byType.latency.latency.threshold_ms).toBeGreaterThan(0);
    expect(byType.probabilistic.probabilistic.sampling_percentage).toBeGreaterThan(0);
    expect(byType.probabilistic.probabilistic.sampling_percentage).toBeLessThan(100);
    // The playbook span (the root) arrives when the run ends: decide soon after it, not before.
    expect(sampling.decision_wait_after_root_received).toBeDefined();
    expect(sampling.decision_cache.sampled_cache_size).toBeGreaterThan(sampling.num_traces);
  });

  it('counts every span in span_metrics before sampling, by attributes the sidecar writes, not by span name', () => {
    expect(pipelinesWith(gateway, 'span_metrics').sort()).toEqual(['metrics', 'traces/route']);
    expect(gateway.service.pipelines['traces/route'].exporters).toContain('span_metrics');
    expect(gateway.service.pipelines.metrics.receivers).toContain('span_metrics');
    const connector = gateway.connectors.span_metrics;
    expect(connector.exclude_dimensions).toContain('span.name');
    const written = new Set<string>(Object.values(ATTR));
    for (const d of connector.dimensions as { name: string }[]) expect(written.has(d.name), d.name).toBe(true);
  });
});
