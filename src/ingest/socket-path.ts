import { mkdirSync, statSync, chmodSync, unlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Env } from '../util/environment.js';

/** Same default as the shim's `socket` option, so `serve` and a plain ansible-playbook meet. */
export function defaultSocketPath(env: Env): string {
  const base = env.XDG_RUNTIME_DIR ? env.XDG_RUNTIME_DIR : join(homedir(), '.cache');
  return join(base, 'ansible-otel', 'sidecar.sock');
}

export class SocketPathError extends Error {}

/**
 * Makes the socket's directory private (0700, ours) and clears a stale socket. Refuses a
 * directory owned by someone else or writable by others, and a socket another sidecar serves.
 */
export async function prepareSocketPath(path: string): Promise<void> {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = statSync(dir);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw new SocketPathError(`socket directory ${dir} belongs to uid ${st.uid}, not to us (uid ${uid})`);
  if (st.mode & 0o022) {
    if (st.mode & 0o002) throw new SocketPathError(`socket directory ${dir} is world-writable; use a private directory`);
    chmodSync(dir, st.mode & 0o755);
  }
  let exists = false;
  try {
    exists = statSync(path).isSocket();
  } catch {
    return;
  }
  if (!exists) throw new SocketPathError(`${path} exists and is not a socket`);
  const alive = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
  if (alive) throw new SocketPathError(`${path}: another sidecar is already listening there`);
  unlinkSync(path);
}
