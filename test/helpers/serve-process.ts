// `ansible-otel serve` as a child process of the test: started once it listens, stopped by SIGTERM.
import { spawn, type ChildProcess, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI, ROOT } from './sidecar-run.js';
import { childStderr, type ChildStderr } from './child-output.js';

export interface ServeProcess {
  proc: ChildProcessWithoutNullStreams;
  stderr: ChildStderr;
  /** SIGTERM, then its exit code (0: it flushed and ended cleanly). */
  stop(): Promise<number | null>;
}

/** `serve <args>`, resolved once it says it is listening. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): Promise<ServeProcess> {
  const proc = spawn(process.execPath, [CLI, 'serve', ...args], { env, cwd });
  const stderr = childStderr(proc);
  await stderr.waitFor('listening on');
  return { proc, stderr, stop: () => exitOf(proc, 'SIGTERM') };
}

/** Sends `signal` (if still running) and resolves with the exit code. */
export function exitOf(proc: ChildProcess, signal?: NodeJS.Signals): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  if (signal) proc.kill(signal);
  return exited;
}
