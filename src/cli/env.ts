import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { shimEnvironment } from './ansible-env.js';
import { resolveCommandEnv } from '../root/config.js';
import type { Env } from '../util/environment.js';
import type { Logger } from '../util/log.js';

export interface EnvOptions {
  socket?: string;
  /** wss:// only: the files the shim verifies the sidecar with and presents to it. */
  ca?: string;
  clientCert?: string;
  clientKey?: string;
}

/** The shim's TLS options (plugin DOCUMENTATION) by the env flag that sets them. */
const SHIM_TLS_ENV = [
  ['--ca', 'ca', 'ANSIBLE_OTEL_TLS_CA_FILE'],
  ['--client-cert', 'clientCert', 'ANSIBLE_OTEL_TLS_CLIENT_CERT'],
  ['--client-key', 'clientKey', 'ANSIBLE_OTEL_TLS_CLIENT_KEY'],
] as const;

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Absolute paths, so the exports work from any directory; only for a wss:// sidecar. */
function shimTlsEnvironment(o: EnvOptions, endpoint: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [flag, key, name] of SHIM_TLS_ENV) {
    const file = o[key];
    if (file === undefined) continue;
    if (!endpoint.startsWith('wss://')) throw new Error(`${flag} is for a wss:// sidecar, not ${endpoint}`);
    if (!existsSync(file)) throw new Error(`${flag} ${file}: no such file`);
    vars[name] = resolve(file);
  }
  return vars;
}

/** `ansible-otel env`: the exports that point a plain ansible-playbook at a running `serve`. */
export function envCommand(o: EnvOptions, vars: Env, log: Logger): string {
  const config = resolveCommandEnv(vars, log);
  const endpoint = o.socket ?? config.defaultSocketPath;
  const exports = { ...shimEnvironment(config.env, endpoint), ...shimTlsEnvironment(o, endpoint) };
  return Object.entries(exports)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
    .join('');
}
