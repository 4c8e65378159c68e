import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from './environment.js';

/** $XDG_STATE_HOME/ansible-otel/<name>, else ~/.local/state/ansible-otel/<name>: where the sidecar keeps its state. */
export function defaultStateDir(name: string, env: Env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'ansible-otel', name);
}

/**
 * A state directory from its option (commander has applied the option's variable), else the
 * default; "off" turns it off.
 */
export function stateDirFrom(option: string | undefined, name: string, env: Env): string | undefined {
  if (option === 'off') return undefined;
  return option || defaultStateDir(name, env);
}
