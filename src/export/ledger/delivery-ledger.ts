import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appendSyncedAsync } from '../../util/durable-file.js';
import { HexIdSet } from './hex-id-set.js';

/**
 * The bound of the ids kept in memory, over the traces used last, in bytes of their tables
 * (HexIdSet.bytes: 18–36 bytes a span id, 34–68 a log record uid, with the table's slack): about
 * 460,000–930,000 span ids or 250,000–490,000 log record uids. Counted in bytes, not traces: 100
 * concurrent runs interleave in every export batch, and a cache of fewer traces than that re-read
 * their files on every batch; not in ids either: a small trace costs more than its ids (#23).
 * A trace bigger than the bound alone is kept while it is the one in use.
 */
export const CACHE_BYTES = 16 * 1024 * 1024;
const TRACE_ID = /^[0-9a-f]{32}$/;
/** The ids a ledger keeps: span ids, or log records' `log.record.uid`. */
export const ITEM_ID = { span: /^[0-9a-f]{16}$/, logRecord: /^[0-9a-f]{32}$/ } as const;

/** What the cache holds now (for the regression test of #23 and the bench). */
export interface LedgerCacheSize {
  traces: number;
  ids: number;
  bytes: number;
}

/**
 * The items (spans, log records) one destination has taken, on disk: one append-only file per
 * trace id, one item id a line, each line fsync'd before the destination's success is reported
 * upstream. An item in here is never sent to that destination again (a replay of the run after a
 * crash re-creates the same ids). A line cut short by a crash was never reported: it is ignored.
 * Memory: the ids of the traces used last, up to `cacheBytes`; a settled run's traces leave the
 * cache at once (`forget`), and their files too when the run's mark covers them (`remove`).
 */
export class DeliveryLedger {
  private readonly cache = new Map<string, HexIdSet>();
  private cachedBytes = 0;
  /** Traces whose file ends in a line a crash cut short: the next append starts a new line. */
  private readonly torn = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly itemId: RegExp = ITEM_ID.span,
    private readonly cacheBytes = CACHE_BYTES,
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
    // Evicted meanwhile: its file has them, the next `ids` reads it; read again meanwhile (maybe
    // before this write landed): that set is the one to complete.
    const cached = this.cache.get(traceId);
    if (!cached) return;
    const before = cached.bytes;
    for (const id of fresh) cached.add(id);
    this.cachedBytes += cached.bytes - before;
    this.evict();
  }

  /** These traces are settled (their run is out whole): their ids leave memory; the files stay. */
  forget(traceIds: readonly string[]): void {
    for (const traceId of traceIds) {
      const set = this.cache.get(traceId);
      if (set) {
        this.cache.delete(traceId);
        this.cachedBytes -= set.bytes;
      }
      this.torn.delete(traceId);
    }
  }

  /**
   * These traces belong to runs marked done (run-marks.ts), which no replay sends again: their
   * files go too. Not for a trace other runs may share (a run under a TRACEPARENT): forget it.
   */
  remove(traceIds: readonly string[]): void {
    this.forget(traceIds);
    for (const traceId of traceIds) {
      if (!TRACE_ID.test(traceId)) continue;
      try {
        unlinkSync(join(this.dir, traceId));
      } catch {
        // not there (nothing exported to this destination), or gone: the retention takes what is left
      }
    }
  }

  get cacheSize(): LedgerCacheSize {
    let ids = 0;
    for (const set of this.cache.values()) ids += set.size;
    return { traces: this.cache.size, ids, bytes: this.cachedBytes };
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
      this.cachedBytes += set.bytes;
    }
    this.cache.set(traceId, set);
    this.evict();
    return set;
  }

  /** The traces used longest ago leave until the cache is within its bound (the newest always stays). */
  private evict(): void {
    while (this.cachedBytes > this.cacheBytes && this.cache.size > 1) {
      const [oldest, ids] = this.cache.entries().next().value!;
      this.cache.delete(oldest);
      this.cachedBytes -= ids.bytes;
      this.torn.delete(oldest); // found again when the file is read again
    }
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
