// The environment `run` and `env` give ansible-playbook: the shim of this package enabled once,
// next to the user's own callbacks.
import { describe, expect, it } from 'vitest';
import { PLUGIN_DIR, shimEnvironment } from '../../src/cli/ansible-env.js';
import { tempDir } from '../helpers/sidecar-run.js';

describe('shimEnvironment', () => {
  const cwd = tempDir(); // no ansible.cfg here
  const shim = (env: NodeJS.ProcessEnv) => shimEnvironment({ ANSIBLE_CONFIG: '/nonexistent', ...env }, '/s.sock', cwd);

  it("keeps the user's callbacks and plugin paths, this package's shim first", () => {
    const e = shim({ ANSIBLE_CALLBACKS_ENABLED: 'profile_tasks, timer', ANSIBLE_CALLBACK_PLUGINS: '/mine' });
    expect(e).toEqual({
      ANSIBLE_CALLBACK_PLUGINS: `${PLUGIN_DIR}:/mine`,
      ANSIBLE_CALLBACKS_ENABLED: 'profile_tasks,timer,otel_sidecar',
      ANSIBLE_LOAD_CALLBACK_PLUGINS: '1',
      ANSIBLE_OTEL_SOCKET: '/s.sock',
    });
    expect(shim({ ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar' }).ANSIBLE_CALLBACKS_ENABLED).toBe('otel_sidecar');
  });

  it("lets the collection's copy of the shim give way to its own: one shim, one trace", () => {
    const e = shim({ ANSIBLE_CALLBACKS_ENABLED: 'ansible_otel.sidecar.otel_sidecar,timer' });
    expect(e.ANSIBLE_CALLBACKS_ENABLED).toBe('timer,otel_sidecar');
  });
});
