import { readdirSync, renameSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Env } from '../util/environment.js';

/** The shim's default spool directory (docs/protocol.md, "Spool files"). */
export function defaultSpoolDir(env: Env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ansible-otel', 'spool');
}

/** ANSIBLE_OTEL_SPOOL_DIR (the shim's spool_dir), else the shim's default. */
export function spoolDirFrom(env: Env): string {
  return env.ANSIBLE_OTEL_SPOOL_DIR || defaultSpoolDir(env);
}

function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

const SPOOL = /^[0-9a-f]+-(\d+)\.ndjson$/;
const CLAIMED = /^([0-9a-f]+-\d+\.ndjson)\.replaying-(\d+)$/;

/**
 * Takes the spool files no live process writes or replays any more: the controller that wrote
 * it is gone, or the sidecar that had claimed it died. The rename is the lock: of several
 * sidecars only one gets a file.
 */
export function claimSpoolFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return []; // no spool directory: nothing was ever spooled
  }
  const claimed: string[] = [];
  for (const name of names.sort()) {
    const spool = SPOOL.exec(name);
    const stale = CLAIMED.exec(name);
    const free = spool ? !running(Number(spool[1])) : stale ? Number(stale[2]) !== process.pid && !running(Number(stale[2])) : false;
    if (!free) continue;
    const base = spool ? name : stale![1]!;
    const target = join(dir, `${base}.replaying-${process.pid}`);
    try {
      renameSync(join(dir, name), target);
      claimed.push(target);
    } catch {
      // another sidecar was faster
    }
  }
  return claimed;
}

export function removeSpoolFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
