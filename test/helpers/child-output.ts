// A child's stderr as it arrives, and a wait for a line of it: tests synchronise on what a
// process says, never on how long it usually takes to say it.
import type { ChildProcess } from 'node:child_process';
import { until } from './until.js';

export interface ChildStderr {
  /** Everything the child wrote to stderr so far. */
  text(): string;
  /** Resolves once stderr matches; throws if the child exits first or after `ms`, with its stderr. */
  waitFor(pattern: string | RegExp, ms?: number): Promise<void>;
}

export function childStderr(child: ChildProcess): ChildStderr {
  let text = '';
  child.stderr?.on('data', (c) => (text += c));
  const says = (p: string | RegExp): boolean => (typeof p === 'string' ? text.includes(p) : p.test(text));
  // exitCode is set before the last output is read: only 'close' means stderr is complete.
  let closed = false;
  child.once('close', () => (closed = true));
  return {
    text: () => text,
    async waitFor(pattern, ms = 90_000) {
      await until(() => says(pattern) || closed, ms, `${String(pattern)} on stderr`).catch((e: Error) => {
        throw new Error(`${e.message}; stderr: ${text}`);
      });
      if (!says(pattern)) throw new Error(`exited (${child.exitCode ?? child.signalCode}) before ${String(pattern)} on stderr: ${text}`);
    },
  };
}
