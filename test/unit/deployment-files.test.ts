// docker-compose.yml, otel-collector.yaml, the Dockerfile and the sidecar's defaults must agree:
// components defined, ports and endpoints matching, socket paths shared, images pinned.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_OTLP_GRPC, DEFAULT_OTLP_HTTP } from '../../src/export/otel-env.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** YAML through Debian's python3-yaml (shipped with ansible-core), so no parser of our own. */
function yaml(file: string): any {
  const py = 'import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))';
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', py, join(ROOT, file)]).toString());
}

const collector = yaml('otel-collector.yaml');
const compose = yaml('docker-compose.yml');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const services = compose.services as Record<string, any>;

const portOf = (endpoint: string): number => Number(/:(\d+)(\/|$)/.exec(endpoint)?.[1]);
const hostOf = (endpoint: string): string => (/^(?:\w+:\/\/)?([^:/]+)/.exec(endpoint)?.[1] ?? '');

describe('otel-collector.yaml', () => {
  it('defines every component its pipelines use, memory_limiter first', () => {
    const pipelines = collector.service.pipelines as Record<string, any>;
    expect(Object.keys(pipelines).sort()).toEqual(['metrics', 'traces']);
    for (const [name, p] of Object.entries(pipelines)) {
      for (const r of p.receivers) expect(collector.receivers, `${name}: receiver ${r}`).toHaveProperty([r]);
      for (const x of p.processors) expect(collector.processors, `${name}: processor ${x}`).toHaveProperty([x]);
      for (const e of p.exporters) expect(collector.exporters, `${name}: exporter ${e}`).toHaveProperty([e]);
      expect(p.processors[0]).toBe('memory_limiter');
      expect(p.processors).toContain('batch');
    }
    expect(pipelines.traces.exporters).toEqual(expect.arrayContaining(['otlp/jaeger', 'otlphttp/oneuptime', 'debug']));
    expect(pipelines.metrics.exporters).toEqual(expect.arrayContaining(['prometheus', 'otlphttp/oneuptime']));
  });

  it('takes the OneUptime token from the environment, never from the file', () => {
    expect(collector.exporters['otlphttp/oneuptime'].headers['x-oneuptime-token']).toBe('${env:ONEUPTIME_TOKEN}');
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
    for (const from of dockerfile.matchAll(/^FROM (\S+)/gm)) if (!/^(build|sidecar)$/.test(from[1]!)) expect(from[1]).toMatch(/:[\w.-]+$/);
  });

  it('mounts files that exist in the repository', () => {
    for (const s of Object.values(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const [src] = v.split(':');
        if (src!.startsWith('./')) expect(existsSync(join(ROOT, src!)), v).toBe(true);
      }
    }
  });

  it('runs the collector with this repository\'s otel-collector.yaml', () => {
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
    const jaeger = collector.exporters['otlp/jaeger'].endpoint as string;
    expect(services).toHaveProperty([hostOf(jaeger)]);
    expect(portOf(jaeger)).toBe(4317);
    expect(services.jaeger.environment.COLLECTOR_OTLP_ENABLED).toBe('true');
  });

  it('sets only variables the sidecar reads (a misspelt one would be ignored silently)', () => {
    const read = (name: string): boolean => name.startsWith('OTEL_') || execFileSync('grep', ['-rlw', name, join(ROOT, 'src')]).length > 0;
    for (const name of Object.keys(services.sidecar.environment)) expect(read(name), name).toBe(true);
    expect(services.sidecar.environment.ANSIBLE_OTEL_WS_PORT).toMatch(/^\d+$/);
  });

  it('lets Prometheus scrape the collector\'s exporter and load the alert rules', () => {
    const prom = yaml('examples/compose/prometheus.yml');
    const target = prom.scrape_configs[0].static_configs[0].targets[0] as string;
    expect(hostOf(target)).toBe('otel-collector');
    expect(portOf(target)).toBe(portOf(collector.exporters.prometheus.endpoint));
    const mounts = services.prometheus.volumes as string[];
    for (const rule of prom.rule_files as string[]) expect(mounts.some((m) => m.endsWith(`:${rule}:ro`) || m.endsWith(`:${rule}`))).toBe(true);
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
