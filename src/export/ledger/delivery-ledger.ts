import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appendSynced } from '../../util/durable-file.js';

/** Traces whose ids stay in memory; a run's items come close together, so a few suffice. */
const CACHED_TRACES = 64;
const TRACE_ID = /^[0-9a-f]{32}$/;
/** The ids a ledger keeps: span ids, or log records' `log.record.uid`. */
export const ITEM_ID = { span: /^[0-9a-f]{16}$/, logRecord: /^[0-9a-f]{32}$/ } as const;

/**
 * The items (spans, log records) one destination has taken, on disk: one append-only file per
 * trace id, one item id a line, each line fsync'd before the destination's success is reported
 * upstream. An item in here is never sent to that destination again (a replay of the run after a
 * crash re-creates the same ids). A line cut short by a crash was never reported: it is ignored.
 */
export class DeliveryLedger {
  private readonly cache = new Map<string, Set<string>>();
  /** Traces whose file ends in a line a crash cut short: the next append starts a new line. */
  private readonly torn = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly itemId: RegExp = ITEM_ID.span,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  has(traceId: string, id: string): boolean {
    return this.ids(traceId).has(id);
  }

  /** Returns once the ids are on disk. */
  record(traceId: string, ids: string[]): void {
    if (!TRACE_ID.test(traceId)) throw new Error(`not a trace id: ${JSON.stringify(traceId)}`);
    const known = this.ids(traceId);
    const fresh = ids.filter((id) => !known.has(id));
    if (fresh.length === 0) return;
    const path = join(this.dir, traceId);
    const cut = this.torn.delete(traceId) ? '\n' : '';
    appendSynced(path, `${cut}${fresh.join('\n')}\n`, known.size === 0 && !existsSync(path));
    for (const id of fresh) known.add(id);
  }

  private ids(traceId: string): Set<string> {
    let set = this.cache.get(traceId);
    if (set) {
      this.cache.delete(traceId); // re-inserted below: Map order is the LRU order
    } else {
      set = new Set();
      try {
        const text = readFileSync(join(this.dir, traceId), 'utf8');
        for (const line of text.split('\n')) if (this.itemId.test(line)) set.add(line);
        if (text && !text.endsWith('\n')) this.torn.add(traceId);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    this.cache.set(traceId, set);
    if (this.cache.size > CACHED_TRACES) {
      const oldest = this.cache.keys().next().value!;
      this.cache.delete(oldest);
      this.torn.delete(oldest); // found again when the file is read again
    }
    return set;
  }
}

/** Removes the files in `dir` not written for `maxAgeMs` (by mtime); returns how many. */
export function pruneOlderThan(dir: string, maxAgeMs: number, now = Date.now()): number {
  let removed = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(dir, name);
    try {
      const st = statSync(path);
      if (st.isFile() && now - st.mtimeMs > maxAgeMs) {
        unlinkSync(path);
        removed += 1;
      }
    } catch {
      // gone meanwhile
    }
  }
  return removed;
}
