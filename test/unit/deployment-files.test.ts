// docker-compose.yml (and its OneUptime variant), otel-collector.yaml, Jaeger's configuration, the
// Dockerfile and the sidecar's defaults must agree: components defined, ports and endpoints
// matching, socket paths shared, images pinned. Versions: stack-versions.test.ts.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OTLP_GRPC, DEFAULT_OTLP_HTTP } from '../../src/export/otel-env.js';
import { mergeConfigs, unknownComponents, wiringProblems } from '../helpers/collector-config.js';
import { readYaml as yaml, ROOT } from '../helpers/yaml-file.js';

const collector = yaml('otel-collector.yaml');
const compose = yaml('docker-compose.yml');
const oneuptimeCompose = yaml('docker-compose.oneuptime.yml');
const oneuptimeLayer = yaml('examples/compose/otel-collector.oneuptime.yaml');
const jaeger = yaml('examples/compose/jaeger.yaml');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const services = compose.services as Record<string, any>;

const portOf = (endpoint: string): number => Number(/:(\d+)(\/|$)/.exec(endpoint)?.[1]);
const hostOf = (endpoint: string): string => /^(?:\w+:\/\/)?([^:/]+)/.exec(endpoint)?.[1] ?? '';

describe('otel-collector.yaml', () => {
  it('defines every component its pipelines use and uses every one it defines, memory_limiter first', () => {
    expect(wiringProblems(collector)).toEqual([]);
    expect(unknownComponents(collector)).toEqual([]);
    const pipelines = collector.service.pipelines as Record<string, any>;
    expect(Object.keys(pipelines).sort()).toEqual(['logs', 'metrics', 'traces']);
    for (const p of Object.values(pipelines)) expect(p.processors).toContain('batch');
    expect(pipelines.traces.exporters).toEqual(['otlp_grpc/jaeger', 'debug']);
    expect(pipelines.metrics.exporters).toEqual(['prometheus', 'debug']);
  });

  it('exports nothing to OneUptime unless docker-compose.oneuptime.yml asks for it', () => {
    expect(JSON.stringify(collector)).not.toMatch(/oneuptime/i);
    expect(JSON.stringify(compose)).not.toMatch(/oneuptime/i);
  });

  it('receives OTLP/HTTP on the port the sidecar sends to by default', () => {
    expect(portOf(collector.receivers.otlp.protocols.http.endpoint)).toBe(portOf(DEFAULT_OTLP_HTTP));
  });

  it('receives OTLP/gRPC on the port the sidecar sends to with OTEL_EXPORTER_OTLP_PROTOCOL=grpc', () => {
    expect(portOf(collector.receivers.otlp.protocols.grpc.endpoint)).toBe(portOf(DEFAULT_OTLP_GRPC));
  });
});

describe('docker-compose.yml', () => {
  it('pins every image and builds only Dockerfile targets that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      expect(s.image, name).toMatch(/:[\w.-]+$/);
      expect(s.image, name).not.toMatch(/:latest$/);
      if (s.build) expect(dockerfile, name).toMatch(new RegExp(`^FROM .* AS ${s.build.target}$`, 'm'));
    }
    for (const from of dockerfile.matchAll(/^FROM (\S+)/gm)) if (!/^(build|pkg|scratch)$/.test(from[1]!)) expect(from[1]).toMatch(/:[\w.-]+$/);
  });

  it('mounts files that exist in the repository', () => {
    for (const s of Object.values(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const [src] = v.split(':');
        if (src!.startsWith('./')) expect(existsSync(join(ROOT, src!)), v).toBe(true);
      }
    }
  });

  it("runs the collector with this repository's otel-collector.yaml", () => {
    const c = services['otel-collector'];
    const mount = (c.volumes as string[]).find((v) => v.startsWith('./otel-collector.yaml:'))!;
    expect(c.command).toContain(`--config=${mount.split(':')[1]}`);
    expect(c.ports).toContain(`${portOf(collector.receivers.otlp.protocols.http.endpoint)}:4318`);
  });

  it('points the sidecar at the collector, and the collector at Jaeger', () => {
    const endpoint = services.sidecar.environment.OTEL_EXPORTER_OTLP_ENDPOINT as string;
    expect(services).toHaveProperty([hostOf(endpoint)]);
    expect(hostOf(endpoint)).toBe('otel-collector');
    expect(portOf(endpoint)).toBe(portOf(collector.receivers.otlp.protocols.http.endpoint));
    const target = collector.exporters['otlp_grpc/jaeger'].endpoint as string;
    expect(services).toHaveProperty([hostOf(target)]);
    expect(portOf(target)).toBe(portOf(jaeger.receivers.otlp.protocols.grpc.endpoint));
  });

  it('runs Jaeger v2 with its own configuration: OTLP in, memory storage, the UI on the published port', () => {
    const mount = (services.jaeger.volumes as string[]).find((v) => v.startsWith('./examples/compose/jaeger.yaml:'))!;
    expect(services.jaeger.command).toEqual(['--config', mount.split(':')[1]]);
    expect(wiringProblems(jaeger, { memoryLimiterFirst: false })).toEqual([]);
    const store = jaeger.exporters.jaeger_storage_exporter.trace_storage as string;
    expect(jaeger.extensions.jaeger_storage.backends[store]).toHaveProperty('memory');
    expect(jaeger.extensions.jaeger_query.storage.traces).toBe(store);
    // jaeger_query serves the UI on :16686 unless told otherwise (DefaultQueryOptions, v2.20.0).
    expect(jaeger.extensions.jaeger_query.http).toBeUndefined();
    expect(services.jaeger.ports).toContain('16686:16686');
    expect(services.sidecar.environment.ANSIBLE_OTEL_TRACE_URL).toMatch(/^http:\/\/localhost:16686\//);
  });

  it('sets only variables the sidecar reads (a misspelt one would be ignored silently)', () => {
    const read = (name: string): boolean => name.startsWith('OTEL_') || execFileSync('grep', ['-rlw', name, join(ROOT, 'src')]).length > 0;
    for (const name of Object.keys(services.sidecar.environment)) expect(read(name), name).toBe(true);
    expect(services.sidecar.environment.ANSIBLE_OTEL_WS_PORT).toMatch(/^\d+$/);
  });

  it("lets Prometheus scrape the collector's exporter and load the alert rules", () => {
    const prom = yaml('examples/compose/prometheus.yml');
    const target = prom.scrape_configs[0].static_configs[0].targets[0] as string;
    expect(hostOf(target)).toBe('otel-collector');
    expect(portOf(target)).toBe(portOf(collector.exporters.prometheus.endpoint));
    const mounts = services.prometheus.volumes as string[];
    for (const rule of prom.rule_files as string[]) expect(mounts.some((m) => m.endsWith(`:${rule}:ro`) || m.endsWith(`:${rule}`))).toBe(true);
  });

  it('adds OneUptime only with docker-compose.oneuptime.yml, which refuses to start without the token', () => {
    const c = oneuptimeCompose.services['otel-collector'];
    expect(Object.keys(oneuptimeCompose.services)).toEqual(['otel-collector']);
    expect(c.environment.ONEUPTIME_TOKEN).toMatch(/^\$\{ONEUPTIME_TOKEN:\?.+\}$/);
    const layer = (c.volumes as string[]).find((v) => v.startsWith('./examples/compose/otel-collector.oneuptime.yaml:'))!;
    expect(existsSync(join(ROOT, layer.split(':')[0]!))).toBe(true);
    expect(c.command).toEqual([...services['otel-collector'].command, `--config=${layer.split(':')[1]}`]);
  });

  it('the OneUptime layer keeps every exporter of otel-collector.yaml and adds OneUptime to every pipeline', () => {
    const merged = mergeConfigs(collector, oneuptimeLayer);
    expect(wiringProblems(merged)).toEqual([]);
    expect(unknownComponents(merged)).toEqual([]);
    for (const [name, p] of Object.entries(merged.service.pipelines) as [string, any][]) {
      expect(p.exporters, name).toEqual([...collector.service.pipelines[name].exporters, 'otlp_http/oneuptime']);
      expect(p.receivers, name).toEqual(collector.service.pipelines[name].receivers);
      expect(p.processors, name).toEqual(collector.service.pipelines[name].processors);
    }
    // The token from the environment, never from a file.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the collector's own ${env:…} syntax, verbatim
    expect(merged.exporters['otlp_http/oneuptime'].headers['x-oneuptime-token']).toBe('${env:ONEUPTIME_TOKEN}');
  });

  it('shares one socket between the sidecar and the ansible container', () => {
    const socket = /ANSIBLE_OTEL_SOCKET=(\S+)/.exec(dockerfile)?.[1];
    expect(socket).toBeDefined();
    expect(dockerfile).toContain(`CMD ["serve", "--socket", "${socket}"]`);
    const dir = socket!.slice(0, socket!.lastIndexOf('/'));
    const volume = (name: string): string | undefined => (services[name].volumes as string[]).find((v) => v.endsWith(`:${dir}`));
    expect(volume('sidecar')).toBeDefined();
    expect(volume('ansible')).toBe(volume('sidecar'));
    expect(compose.volumes).toHaveProperty([volume('sidecar')!.split(':')[0]!]);
    expect(services.ansible.depends_on.sidecar.condition).toBe('service_healthy');
  });
});
