import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../util/environment.js';

/** The shim's directory inside this package (dist/cli → ../../plugin). */
export const PLUGIN_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'plugin');
export const CALLBACK_NAME = 'otel_sidecar';
/** The same shim installed as a collection (collection/): enabled next to ours, every event would go twice. */
const COLLECTION_CALLBACK = 'ansible_otel.sidecar.otel_sidecar';

const DEFAULT_CALLBACK_PATH = [join(homedir(), '.ansible/plugins/callback'), '/usr/share/ansible/plugins/callback'];

/** ansible.cfg as ansible-core finds it: ANSIBLE_CONFIG, ./ansible.cfg, ~/.ansible.cfg, /etc. */
function findAnsibleCfg(env: Env, cwd: string): string | undefined {
  const candidates = [env.ANSIBLE_CONFIG, join(cwd, 'ansible.cfg'), join(homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg'];
  return candidates.find((p): p is string => !!p && existsSync(p));
}

/** `[defaults]` keys of an ansible.cfg (enough of INI for the two keys we must keep). */
function readDefaults(path: string): Map<string, string> {
  const out = new Map<string, string>();
  let section = '';
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) section = (header[1] ?? '').trim();
    else if (section === 'defaults') {
      const kv = /^([^=:]+)[=:](.*)$/.exec(line);
      if (kv) out.set((kv[1] ?? '').trim(), (kv[2] ?? '').trim());
    }
  }
  return out;
}

/**
 * The environment that loads the shim into ansible-playbook while keeping the user's own
 * callback settings (from the environment or, failing that, ansible.cfg). The collection's copy
 * of the shim gives way to this package's, which matches the sidecar: one shim, one trace.
 */
export function shimEnvironment(env: Env, socketPath: string, cwd = process.cwd()): Record<string, string> {
  let cfg = new Map<string, string>();
  const cfgPath = findAnsibleCfg(env, cwd);
  if (cfgPath) {
    try {
      cfg = readDefaults(cfgPath);
    } catch {
      // unreadable ansible.cfg: ansible-playbook will say so itself
    }
  }
  const userPaths = env.ANSIBLE_CALLBACK_PLUGINS ?? cfg.get('callback_plugins');
  const paths = [PLUGIN_DIR, ...(userPaths ? userPaths.split(':').filter(Boolean) : DEFAULT_CALLBACK_PATH)];
  const userEnabled = env.ANSIBLE_CALLBACKS_ENABLED ?? env.ANSIBLE_CALLBACK_WHITELIST ?? cfg.get('callbacks_enabled') ?? cfg.get('callback_whitelist') ?? '';
  const enabled = userEnabled
    .split(',')
    .map((s) => s.trim())
    .filter((name) => name && name !== COLLECTION_CALLBACK);
  if (!enabled.includes(CALLBACK_NAME)) enabled.push(CALLBACK_NAME);
  return {
    ANSIBLE_CALLBACK_PLUGINS: [...new Set(paths)].join(':'),
    ANSIBLE_CALLBACKS_ENABLED: enabled.join(','),
    // ad-hoc `ansible` loads no callback plugin without it (ansible-playbook always does)
    ANSIBLE_LOAD_CALLBACK_PLUGINS: env.ANSIBLE_LOAD_CALLBACK_PLUGINS ?? '1',
    ANSIBLE_OTEL_SOCKET: socketPath,
  };
}
