// The environment for processes under measurement: nothing from outside steers ansible or OTel,
// and the shim's spool files (written when no sidecar listens) and the sidecars' state (disk
// queue, span ledger) stay in a directory of this bench process: no other sidecar on the machine
// replays them, and no ledger of an earlier bench says "already delivered" for the bench's fixed
// run id at a receiver that happens to get the same port.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

let cacheHome: string | undefined;

/** XDG_CACHE_HOME and XDG_STATE_HOME of everything the bench starts (spool files, disk queue, span ledger). */
export function benchCacheHome(): string {
  cacheHome ??= mkdtempSync(join(tmpdir(), 'otel-bench-cache-'));
  return cacheHome;
}

export function benchEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(OTEL_|ANSIBLE_|TRACEPARENT|TRACESTATE|NODE_OPTIONS|XDG_CACHE_HOME|XDG_STATE_HOME)/.test(k)) continue;
    env[k] = v;
  }
  return {
    ...env,
    XDG_CACHE_HOME: benchCacheHome(),
    XDG_STATE_HOME: benchCacheHome(),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ...extra,
  };
}
