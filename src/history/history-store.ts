// The run history: one JSON line per playbook run (src/analysis/run-digest.ts), one file per key
// (playbook, inventory, limit, tags, check mode), in a 0700 directory of 0600 files. Appends are
// fsync'd; a line a crash tore (or anything else that does not read as a record) is skipped with
// one warning per file, and the next append starts on a line of its own. Bounded: the last
// HISTORY_RUNS runs per key, and HISTORY_MAX_BYTES for the whole directory (the files written
// least recently go first). docs/reliability.md, "The run history".
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, unlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunDigest } from '../analysis/run-digest.js';
import { appendSyncedAsync, writeSynced } from '../util/durable-file.js';
import { stateDirFrom } from '../util/state-dir.js';
import type { Env } from '../util/environment.js';

/** Runs kept per key: enough for the p90 noise rule (5 runs) several times over. */
export const HISTORY_RUNS = 20;
/** The whole directory's cap. */
export const HISTORY_MAX_BYTES = 64 * 1024 * 1024;

/** The history directory from --history-dir (or its ANSIBLE_OTEL_HISTORY_DIR; "off" disables it), else $XDG_STATE_HOME/ansible-otel/history. */
export const historyDirFrom = (option: string | undefined, env: Env): string | undefined => stateDirFrom(option, 'history', env);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Whether a parsed line has the shape every reader relies on (a bad one is skipped, never trusted). */
export function isRunDigest(x: unknown): x is RunDigest {
  if (!isObject(x) || x.v !== 1 || typeof x.traceId !== 'string' || typeof x.rootSpanId !== 'string' || !Array.isArray(x.tasks)) return false;
  if (typeof x.startNs !== 'number' || typeof x.durationNs !== 'number' || typeof x.result !== 'string' || typeof x.playbook !== 'string') return false;
  return x.tasks.every(
    (t) =>
      isObject(t) &&
      typeof t.name === 'string' &&
      typeof t.play === 'string' &&
      typeof t.spanId === 'string' &&
      Array.isArray(t.scopes) &&
      isObject(t.hosts) &&
      Object.values(t.hosts).every((h) => isObject(h) && typeof h.d === 'number' && typeof h.s === 'string'),
  );
}

export interface HistoryLimits {
  runs: number;
  maxBytes: number;
}

export class HistoryStore {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly dir: string,
    /** Said once per key: a file with lines it had to skip. */
    private readonly warn: (key: string, message: string) => void,
    private readonly limits: HistoryLimits = { runs: HISTORY_RUNS, maxBytes: HISTORY_MAX_BYTES },
  ) {}

  private file(keyId: string): string {
    return join(this.dir, `${keyId}.jsonl`);
  }

  /** Appends one run; appends run one after another. Rejects on an I/O error (the caller says it and goes on). */
  append(d: RunDigest): Promise<void> {
    const next = this.tail.then(() => this.appendNow(d));
    this.tail = next.catch(() => {});
    return next;
  }

  /** Every append started so far has settled. */
  idle(): Promise<void> {
    return this.tail;
  }

  private async appendNow(d: RunDigest): Promise<void> {
    if (d.tooLarge) {
      this.warn('too-large', `run history: ${d.playbook} had more host results than a record holds: not kept`);
      return;
    }
    const line = `${JSON.stringify(d)}\n`;
    if (Buffer.byteLength(line) > this.limits.maxBytes / 4) {
      this.warn('too-large', `run history: the record of ${d.playbook} (${Buffer.byteLength(line)} bytes) is over a quarter of the history's cap: not kept`);
      return;
    }
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const path = this.file(d.keyId ?? 'unkeyed');
    const created = !existsSync(path);
    // a line a crash tore stays a bad line of its own: the new record must not be glued to it
    const torn = !created && !endsWithNewline(path);
    await appendSyncedAsync(path, torn ? `\n${line}` : line, created);
    await this.compact(path);
    this.cap(path);
  }

  /** Keeps the last `runs` records of the file once it holds twice as many. */
  private async compact(path: string): Promise<void> {
    const lines = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    if (lines.length <= 2 * this.limits.runs) return;
    const name = path.slice(this.dir.length + 1);
    writeSynced(this.dir, name, `${lines.slice(-this.limits.runs).join('\n')}\n`);
  }

  /** The directory over its cap: the files written least recently go, never the one just written. */
  private cap(current: string): void {
    const files = readdirSync(this.dir)
      .filter((n) => n.endsWith('.jsonl'))
      .map((n) => {
        const path = join(this.dir, n);
        const st = statSync(path);
        return { path, size: st.size, mtimeMs: st.mtimeMs };
      })
      .sort((a, b) => a.mtimeMs - b.mtimeMs);
    let total = files.reduce((n, f) => n + f.size, 0);
    for (const f of files) {
      if (total <= this.limits.maxBytes) break;
      if (f.path === current) continue;
      unlinkSync(f.path);
      total -= f.size;
    }
  }

  /** The runs of one key, oldest first (at most `runs`): lines that do not read are skipped, said once per file. */
  runs(keyId: string): RunDigest[] {
    return this.read(this.file(keyId)).slice(-this.limits.runs);
  }

  /** Every run of every key, oldest first. */
  all(): RunDigest[] {
    if (!existsSync(this.dir)) return [];
    const out = readdirSync(this.dir)
      .filter((n) => n.endsWith('.jsonl'))
      .flatMap((n) => this.read(join(this.dir, n)));
    return out.sort((a, b) => a.startNs - b.startNs);
  }

  private read(path: string): RunDigest[] {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: RunDigest[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        const d: unknown = JSON.parse(line);
        if (isRunDigest(d)) out.push(d);
        else skipped += 1;
      } catch {
        skipped += 1;
      }
    }
    if (skipped)
      this.warn(path, `run history ${path}: ${skipped} line${skipped === 1 ? '' : 's'} could not be read (torn by a crash mid-append, or corrupted): skipped`);
    return out;
  }
}

function endsWithNewline(path: string): boolean {
  const size = statSync(path).size;
  if (size === 0) return true;
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, size - 1);
    return b[0] === 0x0a;
  } finally {
    closeSync(fd);
  }
}
