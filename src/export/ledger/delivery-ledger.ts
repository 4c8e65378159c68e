import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appendSyncedAsync } from '../../util/durable-file.js';
import { HexIdSet } from './hex-id-set.js';

/**
 * Ids kept in memory, over the traces used last (16–32 bytes each, HexIdSet). Counted in ids, not
 * traces: 100 concurrent runs interleave in every export batch, and a cache of fewer traces than
 * that re-read their files on every batch.
 */
const CACHED_IDS = 400_000;
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
  private readonly cache = new Map<string, HexIdSet>();
  private cachedIds = 0;
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

  /** The ids of one trace on disk now, for a caller checking many at once (an export batch). */
  known(traceId: string): Pick<HexIdSet, 'has'> {
    return this.ids(traceId);
  }

  /** Resolves once the ids are on disk (and only then are they known: `has` says true). */
  async record(traceId: string, ids: string[]): Promise<void> {
    if (!TRACE_ID.test(traceId)) throw new Error(`not a trace id: ${JSON.stringify(traceId)}`);
    const known = this.ids(traceId);
    const fresh = ids.filter((id) => !known.has(id));
    if (fresh.length === 0) return;
    const path = join(this.dir, traceId);
    const cut = this.torn.delete(traceId) ? '\n' : '';
    await appendSyncedAsync(path, `${cut}${fresh.join('\n')}\n`, known.size === 0 && !existsSync(path));
    const before = known.size;
    for (const id of fresh) known.add(id);
    // Evicted meanwhile: its file has them, the next `ids` reads it.
    if (this.cache.get(traceId) === known) this.cachedIds += known.size - before;
  }

  private ids(traceId: string): HexIdSet {
    let set = this.cache.get(traceId);
    if (set) {
      this.cache.delete(traceId); // re-inserted below: Map order is the LRU order
    } else {
      set = new HexIdSet(this.itemId === ITEM_ID.logRecord ? 32 : 16);
      try {
        const text = readFileSync(join(this.dir, traceId), 'utf8');
        for (const line of text.split('\n')) if (this.itemId.test(line)) set.add(line);
        if (text && !text.endsWith('\n')) this.torn.add(traceId);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      this.cachedIds += set.size;
    }
    this.cache.set(traceId, set);
    while (this.cachedIds > CACHED_IDS && this.cache.size > 1) {
      const [oldest, ids] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.cachedIds -= ids.size;
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
