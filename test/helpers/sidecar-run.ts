// Runs the built CLI around a real ansible-playbook, with a clean environment.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ANSIBLE_BIN, pathWith } from './ansible-version.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'dist', 'cli', 'main.cjs');
export const PLAYBOOKS = join(ROOT, 'test', 'playbooks');
export const INVENTORY = join(PLAYBOOKS, 'inventory.ini');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** process.env without anything that would steer ansible or OTel from outside the test; OTEL_TEST_ANSIBLE_BIN's ansible first on PATH (an `extra` PATH wins). */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(OTEL_|ANSIBLE_|TRACEPARENT|TRACESTATE)/.test(k)) continue;
    env[k] = v;
  }
  // A disk queue of the test's own: a real one under ~/.local/state would outlive the test.
  // OTEL_TEST_TMP: where test playbooks keep their counters and markers (one dir per env).
  return {
    ...env,
    PATH: pathWith(ANSIBLE_BIN),
    OTEL_TEST_TMP: tempDir('otel-run-'),
    ANSIBLE_OTEL_QUEUE_DIR: tempDir('otel-queue-'),
    ANSIBLE_OTEL_SPOOL_DIR: tempDir('otel-spool-'),
    ANSIBLE_HOST_KEY_CHECKING: 'False',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: 'False',
    ANSIBLE_LOCALHOST_WARNING: 'False',
    ...extra,
  };
}

export function tempDir(prefix = 'otel-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function runCli(args: string[], env: NodeJS.ProcessEnv, onSpawn?: (child: ChildProcess) => void, cwd = ROOT): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run "npm run build" first`);
  return runProcess(process.execPath, [CLI, ...args], env, onSpawn, cwd);
}

/** Any command to its end, with its output collected. */
export function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, onSpawn?: (child: ChildProcess) => void, cwd = ROOT): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    onSpawn?.(child);
  });
}

/** ansible-playbook on its own, its shim enabled (as `ansible-otel env` does) and sending to `endpoint`: a socket path or ws:// URL. */
export function runShimmed(playbook: string, endpoint: string, env: NodeJS.ProcessEnv, inventory = INVENTORY): Promise<CliResult> {
  const shim = { ANSIBLE_CALLBACK_PLUGINS: join(ROOT, 'plugin'), ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar', ANSIBLE_OTEL_SOCKET: endpoint };
  return runProcess('ansible-playbook', ['-i', inventory, join(PLAYBOOKS, playbook)], { ...env, ...shim });
}

/** `ansible-otel run [sidecarArgs] -- ansible-playbook -i inventory playbooks…` */
export function runPlaybooks(
  playbooks: string[],
  env: NodeJS.ProcessEnv,
  o: { sidecarArgs?: string[]; ansibleArgs?: string[]; onSpawn?: ((c: ChildProcess) => void) | undefined; cwd?: string } = {},
): Promise<CliResult> {
  const files = playbooks.map((p) => join(PLAYBOOKS, p));
  return runCli(['run', ...(o.sidecarArgs ?? []), '--', 'ansible-playbook', '-i', INVENTORY, ...(o.ansibleArgs ?? []), ...files], env, o.onSpawn, o.cwd);
}

/**
 * Whether a `--record-frames` file holds a `host_start` of the task named `task`: the sidecar has
 * every frame up to it. A test that SIGKILLs the controller waits for this, because a killed
 * controller loses what its shim had not written yet (up to 0.2 s of frames, docs/reliability.md).
 */
export function hostStartRecorded(framesFile: string, task: string): boolean {
  if (!existsSync(framesFile)) return false;
  const uuids = new Set<string>();
  for (const line of readFileSync(framesFile, 'utf8').split('\n')) {
    if (!line.includes('"t":"task_start"') && !line.includes('"t":"host_start"')) continue;
    let f: { t?: unknown; name?: unknown; task?: unknown };
    try {
      f = JSON.parse(line);
    } catch {
      continue; // the last line, half written
    }
    if (f.t === 'task_start' && f.name === task && typeof f.task === 'string') uuids.add(f.task);
    else if (f.t === 'host_start' && typeof f.task === 'string' && uuids.has(f.task)) return true;
  }
  return false;
}
