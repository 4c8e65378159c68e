// What the numbers were measured on.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface Machine {
  nproc: number;
  memoryGiB: number;
  cpuModel: string;
  node: string;
  python: string;
  ansible: string;
  loadAverage: [number, number, number];
}

function version(cmd: string, args: string[]): string {
  try {
    return (
      execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n')[0]
        ?.trim() ?? 'unknown'
    );
  } catch {
    return 'not found';
  }
}

/** The Python that runs ansible-playbook (its shebang), which is the one the shim runs in. */
export function ansiblePython(): string {
  try {
    const path = execFileSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).trim();
    const shebang = /^#!\s*(\S+)/.exec(readFileSync(path, 'utf8').split('\n')[0] ?? '');
    return shebang?.[1] ?? 'python3';
  } catch {
    return 'python3';
  }
}

export function describeMachine(): Machine {
  return {
    nproc: Number(version('nproc', [])) || cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    node: process.version,
    python: `${version(ansiblePython(), ['--version'])} (${ansiblePython()}, ansible's)`,
    ansible: version('ansible-playbook', ['--version']),
    loadAverage: loadavg() as [number, number, number],
  };
}

/** The figures are marked as measured under load above this 1-minute load average. */
export const LOADED_ABOVE = 1.5;
