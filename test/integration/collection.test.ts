// The shim as an Ansible collection, as the release builds it (collection/build.sh) and a user
// installs it (ansible-galaxy collection install <tarball>): documented by ansible-doc, enabled by
// its FQCN next to a `serve`, the example gives the README's summary.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_INVENTORY, EXAMPLE_PLAYBOOK, readmeSummary, summaryOf } from '../helpers/readme-example.js';
import { startServe } from '../helpers/serve-process.js';
import { ROOT, cleanEnv, runPlaybooks, tempDir } from '../helpers/sidecar-run.js';

const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('ansible_otel.sidecar collection', () => {
  it('carries the version of the npm package', () => {
    expect(readFileSync(join(ROOT, 'collection/galaxy.yml'), 'utf8')).toMatch(new RegExp(`^version: ${version.replaceAll('.', '\\.')}$`, 'm'));
    expect(execFileSync('sh', [join(ROOT, 'scripts/release/check-version.sh'), `v${version}`], { encoding: 'utf8' }).trim()).toBe(version);
    const wrong = spawnSync('sh', [join(ROOT, 'scripts/release/check-version.sh'), 'v9.9.9'], { encoding: 'utf8' });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe(`release tag v9.9.9, package.json ${version}, collection/galaxy.yml ${version}: they must agree (tag v${version})\n`);
  });

  it('installs from its tarball, documents itself, and runs the example with the README summary when enabled by its FQCN', async () => {
    const out = tempDir('otel-coll-');
    execFileSync('sh', [join(ROOT, 'collection/build.sh'), out], { stdio: 'pipe' });
    const tarball = readdirSync(out).find((f) => f.endsWith('.tar.gz'))!;
    expect(tarball).toBe(`ansible_otel-sidecar-${version}.tar.gz`);
    const collections = tempDir('otel-collections-');
    execFileSync('ansible-galaxy', ['collection', 'install', '-p', collections, join(out, tarball)], { stdio: 'pipe' });

    const env = cleanEnv({ ANSIBLE_COLLECTIONS_PATH: collections, TMPDIR: tempDir('otel-tmp-') });
    const doc = spawnSync('ansible-doc', ['-t', 'callback', 'ansible_otel.sidecar.otel_sidecar'], { env, encoding: 'utf8' });
    expect(doc.status, doc.stderr).toBe(0);
    expect(doc.stdout).toMatch(/ANSIBLE_OTEL_SOCKET/);

    // A serve in a directory of its own, so its default files have the README's names.
    const cwd = tempDir('otel-coll-run-');
    const socket = join(cwd, 's.sock');
    const serve = await startServe(['--socket', socket], env, cwd);
    const run = spawnSync('ansible-playbook', ['-i', EXAMPLE_INVENTORY, EXAMPLE_PLAYBOOK], {
      env: { ...env, ANSIBLE_CALLBACKS_ENABLED: 'ansible_otel.sidecar.otel_sidecar', ANSIBLE_OTEL_SOCKET: socket },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    await serve.stderr.waitFor('host results:');
    expect(await serve.stop()).toBe(0);
    await serve.stderr.waitFor(/log records → \S+ \(OTLP\/JSON lines\)\n/);
    expect(summaryOf(serve.stderr.text())).toEqual(readmeSummary());

    // Enabled as well under `ansible-otel run`, which loads its own copy: one shim, one trace.
    const both = await runPlaybooks(['small-b.yml'], { ...env, ANSIBLE_CALLBACKS_ENABLED: 'ansible_otel.sidecar.otel_sidecar' }, { cwd: tempDir() });
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr.match(/small-b\.yml: success/g)).toHaveLength(1);
  }, 300_000);
});
