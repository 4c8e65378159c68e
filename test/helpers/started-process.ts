// A child process whose stdout and stderr are kept together, and its exit: for tests that start,
// kill and restart sidecars and playbooks and read what each said.
import type { ChildProcessWithoutNullStreams } from 'node:child_process';

export interface Process {
  proc: ChildProcessWithoutNullStreams;
  out: () => string;
  exit: Promise<number | null>;
}

export function started(proc: ChildProcessWithoutNullStreams): Process {
  let out = '';
  proc.stdout.on('data', (c) => (out += c));
  proc.stderr.on('data', (c) => (out += c));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  return { proc, out: () => out, exit };
}
