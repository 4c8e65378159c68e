// One version of each image across the repository: the compose file, the collector and Jaeger
// configurations, examples/collector/ and the docs must name the same tag, so nobody copies a
// configuration written for one release next to an image of another.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTRIB_RELEASE } from '../helpers/collector-config.js';
import { ROOT } from '../helpers/yaml-file.js';

const IMAGES = {
  collector: /otel\/opentelemetry-collector-contrib:([\w.-]+)/g,
  jaeger: /jaegertracing\/jaeger:([\w.-]+)/g,
  prometheus: /prom\/prometheus:([\w.-]+)/g,
} as const;

/** Tracked and new (not ignored) text files, without the tests that spell out tags on purpose. */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT }).toString();
  return out
    .split('\n')
    .filter((f) => /\.(ya?ml|md|ts|json|sh|py)$|Dockerfile$/.test(f) && !f.startsWith('test/unit/stack-versions') && f !== 'package-lock.json')
    .filter((f) => {
      try {
        readFileSync(join(ROOT, f));
        return true;
      } catch {
        return false;
      }
    });
}

/** image → tag → the files naming it. */
function tagsInRepository(): Record<keyof typeof IMAGES, Map<string, string[]>> {
  const found = { collector: new Map(), jaeger: new Map(), prometheus: new Map() } as Record<keyof typeof IMAGES, Map<string, string[]>>;
  for (const file of repositoryFiles()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    for (const [image, re] of Object.entries(IMAGES) as [keyof typeof IMAGES, RegExp][]) {
      for (const m of text.matchAll(re)) {
        const files = found[image].get(m[1]!) ?? [];
        if (!files.includes(file)) files.push(file);
        found[image].set(m[1]!, files);
      }
    }
  }
  return found;
}

const found = tagsInRepository();
const only = (image: keyof typeof IMAGES): string => {
  expect(Object.fromEntries(found[image]), `${image}: one tag across the repository`).toSatisfy((o: object) => Object.keys(o).length === 1);
  return [...found[image].keys()][0]!;
};

describe('image versions', () => {
  it('names one collector-contrib tag everywhere: the release the component names are checked against', () => {
    expect(only('collector')).toBe(CONTRIB_RELEASE);
    const files = found.collector.get(CONTRIB_RELEASE)!;
    for (const f of ['docker-compose.yml', 'otel-collector.yaml', 'examples/collector/agent.yaml', 'examples/collector/gateway.yaml', 'docs/scale.md'])
      expect(files, f).toContain(f);
  });

  it('runs Jaeger v2 (the OpenTelemetry Collector based line), one tag everywhere, its configuration among them', () => {
    expect(only('jaeger')).toMatch(/^2\.\d+\.\d+$/);
    expect(found.jaeger.get(only('jaeger'))).toEqual(expect.arrayContaining(['docker-compose.yml', 'examples/compose/jaeger.yaml']));
    const v1 = repositoryFiles().filter((f) => readFileSync(join(ROOT, f), 'utf8').includes('jaegertracing/all-in-one'));
    expect(v1).toEqual([]);
  });

  it('runs Prometheus 3, one tag everywhere', () => {
    expect(only('prometheus')).toMatch(/^v3\.\d+\.\d+$/);
    expect(found.prometheus.get(only('prometheus'))).toContain('docker-compose.yml');
  });

  it('pins every image in the compose files (no floating tag)', () => {
    for (const f of ['docker-compose.yml', 'docker-compose.oneuptime.yml']) {
      for (const m of readFileSync(join(ROOT, f), 'utf8').matchAll(/^\s*image:\s*(\S+)/gm)) expect(m[1], f).toMatch(/:(?!latest$)[\w.-]+$/);
    }
  });
});
