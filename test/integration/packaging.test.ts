// The npm package works on its own: packed, installed into an empty project, run with npx.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INVENTORY, PLAYBOOKS, ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';

describe('npm pack', () => {
  it('gives a package whose `npx ansible-otel run` traces a playbook from an unrelated directory', () => {
    const dir = tempDir('otel-pack-');
    const quiet = { stdio: 'pipe' as const, env: { ...process.env, npm_config_loglevel: 'error', npm_config_update_notifier: 'false' } };
    // --ignore-scripts: dist/ is built already (npm test builds first); rebuilding it here would race the
    // other test files that run the CLI meanwhile.
    execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: ROOT, ...quiet });
    const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    execFileSync('npm', ['init', '-y'], { cwd: app, ...quiet });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', join(dir, tgz)], { cwd: app, ...quiet });
    expect(existsSync(join(app, 'node_modules/ansible-otel-sidecar/plugin/otel_sidecar.py'))).toBe(true);

    const r = spawnSync('npx', ['--no-install', 'ansible-otel', 'run', '--', 'ansible-playbook', '-i', INVENTORY, join(PLAYBOOKS, 'small-b.yml')], {
      cwd: app,
      env: cleanEnv({ npm_config_loglevel: 'error' }),
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`4 spans → ${join(app, 'ansible-otel-traces.jsonl')}`);
  }, 300_000);
});
