import { defaultSocketPath } from '../ingest/socket-path.js';
import { shimEnvironment } from './ansible-env.js';

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `ansible-otel env`: the exports that point a plain ansible-playbook at a running `serve`. */
export function envCommand(o: { socket?: string }): string {
  const vars = shimEnvironment(process.env, o.socket ?? defaultSocketPath());
  return Object.entries(vars)
    .map(([k, v]) => `export ${k}=${shellQuote(v)}\n`)
    .join('');
}
