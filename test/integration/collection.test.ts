// The shim as an Ansible collection: built with ansible-galaxy, installed, enabled by FQCN.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVENTORY, PLAYBOOKS, ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { startServe } from '../helpers/serve-process.js';
import { spansOfJsonLines } from '../helpers/otlp-spans.js';

describe('ansible_otel.sidecar collection', () => {
  it('builds, installs, documents itself and traces a playbook when enabled by its FQCN', async () => {
    const out = tempDir('otel-coll-');
    execFileSync('sh', [join(ROOT, 'collection/build.sh'), out], { stdio: 'pipe' });
    const tarball = readdirSync(out).find((f) => f.endsWith('.tar.gz'))!;
    expect(tarball).toBe('ansible_otel-sidecar-0.1.0.tar.gz');
    const collections = tempDir('otel-collections-');
    execFileSync('ansible-galaxy', ['collection', 'install', '-p', collections, join(out, tarball)], { stdio: 'pipe' });

    const env = cleanEnv({ ANSIBLE_COLLECTIONS_PATH: collections });
    const doc = spawnSync('ansible-doc', ['-t', 'callback', 'ansible_otel.sidecar.otel_sidecar'], { env, encoding: 'utf8' });
    expect(doc.status, doc.stderr).toBe(0);
    expect(doc.stdout).toMatch(/ANSIBLE_OTEL_SOCKET/);

    const socket = join(tempDir(), 's.sock');
    const traces = join(tempDir(), 'traces.jsonl');
    const serve = await startServe(['--socket', socket, '--traces-file', traces], env);
    const run = spawnSync('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, 'small-b.yml')], {
      env: { ...env, ANSIBLE_CALLBACKS_ENABLED: 'ansible_otel.sidecar.otel_sidecar', ANSIBLE_OTEL_SOCKET: socket },
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    await serve.stderr.waitFor('small-b.yml: success');
    expect(await serve.stop()).toBe(0);
    expect(
      spansOfJsonLines(readFileSync(traces, 'utf8'))
        .map((s) => s.name)
        .sort(),
    ).toEqual(['RUN small-b.yml', 'Say b', 'Second playbook', 'h1']);
  }, 300_000);
});
