import { homedir } from 'node:os';
import { join } from 'node:path';

/** $XDG_STATE_HOME/ansible-otel/<name>, else ~/.local/state/ansible-otel/<name>: where the sidecar keeps its state. */
export function defaultStateDir(name: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'ansible-otel', name);
}

/** A state directory from its option, else its variable, else the default; "off" (either) turns it off. */
export function stateDirFrom(option: string | undefined, variable: string, name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = option ?? env[variable];
  if (value === 'off') return undefined;
  return value || defaultStateDir(name, env);
}
