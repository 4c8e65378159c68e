// Reading ansible-runner's artifacts directory: each ident's job events and its command. A file
// that is not one whole event is reported and skipped; the conversion (events.ts) is pure.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RunnerEvent } from './events.js';

export interface RunnerArtifact {
  ident: string;
  /** artifacts/<ident> */
  dir: string;
  events: RunnerEvent[];
  command?: string[] | undefined;
  cwd?: string | undefined;
}

export interface ArtifactProblem {
  file: string;
  message: string;
}

async function isDir(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}

/** The artifacts/<ident> dirs under DIR: a private data dir, its artifacts/ dir or one artifacts/<ident>/. */
export async function findRunnerIdentDirs(dir: string): Promise<string[]> {
  if (await isDir(join(dir, 'job_events'))) return [dir];
  const artifacts = (await isDir(join(dir, 'artifacts'))) ? join(dir, 'artifacts') : dir;
  const out: string[] = [];
  for (const name of (await readdir(artifacts)).sort()) {
    if (await isDir(join(artifacts, name, 'job_events'))) out.push(join(artifacts, name));
  }
  return out;
}

/** Reads every ident's job events; a file that is not one whole event is reported and skipped. */
export async function readRunnerArtifacts(dir: string, onProblem: (p: ArtifactProblem) => void): Promise<RunnerArtifact[]> {
  const out: RunnerArtifact[] = [];
  for (const identDir of await findRunnerIdentDirs(dir)) {
    const eventsDir = join(identDir, 'job_events');
    const events: RunnerEvent[] = [];
    for (const name of (await readdir(eventsDir)).filter((n) => n.endsWith('.json'))) {
      const file = join(eventsDir, name);
      try {
        const e = JSON.parse(await readFile(file, 'utf8')) as RunnerEvent;
        if (!e || typeof e !== 'object' || typeof e.event !== 'string' || typeof e.counter !== 'number')
          throw new Error('not a job event (event, counter missing)');
        events.push(e);
      } catch (err) {
        onProblem({ file, message: (err as Error).message });
      }
    }
    let command: string[] | undefined;
    let cwd: string | undefined;
    try {
      const c = JSON.parse(await readFile(join(identDir, 'command'), 'utf8')) as { command?: unknown; cwd?: unknown };
      if (Array.isArray(c.command)) command = c.command.map(String);
      if (typeof c.cwd === 'string') cwd = c.cwd;
    } catch {
      // optional: without it the playbook path stays as ansible-runner recorded it
    }
    out.push({ ident: basename(identDir), dir: identDir, events, command, cwd });
  }
  return out;
}
