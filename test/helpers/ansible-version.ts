// Which ansible-core the tests drive. OTEL_TEST_ANSIBLE_BIN names a directory holding
// ansible-playbook and its siblings (e.g. the wrappers of scripts/ansible-core-2.19.sh); unset,
// the tests run whatever ansible-playbook the system has. Read once, here, because cleanEnv()
// strips OTEL_* from the environment of every child.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

export const ANSIBLE_BIN: string | undefined = process.env.OTEL_TEST_ANSIBLE_BIN || undefined;
const SYSTEM_PATH = process.env.PATH ?? '';

/** PATH with `bin` first (unset: the PATH the tests were started with). */
export function pathWith(bin: string | undefined): string {
  return bin ? `${bin}${delimiter}${SYSTEM_PATH}` : SYSTEM_PATH;
}

/** `ansible-playbook --version`'s first line under `bin`, e.g. "ansible-playbook [core 2.19.11]". */
export function ansibleVersion(bin: string | undefined): string {
  const r = spawnSync('ansible-playbook', ['--version'], { env: { ...process.env, PATH: pathWith(bin) }, encoding: 'utf8' });
  const line = (r.stdout ?? '').split('\n')[0] ?? '';
  if (r.status !== 0 || !/core \d+\.\d+/.test(line))
    throw new Error(`ansible-playbook --version under ${bin ?? 'the system PATH'} failed: ${r.stderr || r.error?.message}`);
  return line;
}

/** Whether the ansible-core under `bin` is `major.minor` or later (from `ansibleVersion`, run once per bin). */
export function coreAtLeast(bin: string | undefined, major: number, minor: number): boolean {
  const key = bin ?? '';
  let core = cores.get(key);
  if (!core) {
    const m = /core (\d+)\.(\d+)/.exec(ansibleVersion(bin))!;
    core = [Number(m[1]), Number(m[2])];
    cores.set(key, core);
  }
  return core[0] > major || (core[0] === major && core[1] >= minor);
}
const cores = new Map<string, [number, number]>();

/** The bin dir of scripts/ansible-core-2.19.sh (the same default place), or undefined if it was never fetched. */
export function ansible219Bin(): string | undefined {
  const dir = process.env.ANSIBLE_CORE_219_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'ansible-otel', 'ansible-core-2.19');
  return existsSync(join(dir, 'bin', 'ansible-playbook')) ? join(dir, 'bin') : undefined;
}
