// vitest globalSetup: what the tests' sidecars and shims keep on disk (disk queue, span ledger,
// spool files) lives in a directory of this test run, never in ~/.local/state or ~/.cache. A
// ledger left by an earlier run says "already delivered" for the same span ids at a receiver that
// happens to get the same port; a run spooled by one test would be replayed by another's sidecar.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'otel-test-state-'));
  // The test workers are started after this, with this environment; tests that need their own set their own.
  process.env.XDG_STATE_HOME = dir;
  process.env.ANSIBLE_OTEL_SPOOL_DIR = join(dir, 'spool');
  mkdirSync(process.env.ANSIBLE_OTEL_SPOOL_DIR);
  return () => rmSync(dir, { recursive: true, force: true });
}
