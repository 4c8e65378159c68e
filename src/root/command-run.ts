// A command that ended before the shim could say anything: ansible-playbook loads its callbacks
// only once its first playbook has parsed, so a playbook that does not parse (or an ad-hoc run
// with callbacks turned off) reports nothing. `run` saw the command and its exit code: these frames
// give the run model what a shim would have sent, and the model makes the trace's root of it.
import type { Frame } from '../protocol/frames.js';
import { PROTOCOL_VERSION } from '../protocol/schema.js';
import { playbooksOf } from '../model/command-line.js';

/** hello (with the command's playbooks, nothing else of its argv) and a bye with its exit code. */
export function commandRunFrames(command: string[], exitCode: number, startNs: number, endNs: number, run: string): Frame[] {
  const argv = [command[0] ?? 'ansible-playbook', ...playbooksOf(command)];
  return [
    { v: PROTOCOL_VERSION, t: 'hello', run, seq: 0, ts: startNs, argv },
    { v: PROTOCOL_VERSION, t: 'bye', run, seq: 1, ts: endNs, exit_code: exitCode },
  ];
}
