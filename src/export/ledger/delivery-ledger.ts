import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { appendSyncedAsync } from '../../util/durable-file.js';
import { HexIdSet } from './hex-id-set.js';
import { IdFingerprints } from './id-fingerprints.js';

/**
 * The bound of the ids kept in memory, over the traces used last, in bytes of their tables
 * (IdFingerprints.bytes: 8–16 bytes an id, with the table's slack; HexIdSet.bytes of a trace a
 * replay read back: 18–36 a span id, 34–68 a log record uid): about 1,000,000–2,000,000 ids of
 * traces being written, 460,000–930,000 span ids of a replay. Counted in bytes, not traces: 100
 * concurrent runs interleave in every export batch, and a cache of fewer traces than that re-read
 * their files on every batch; not in ids either: a small trace costs more than its ids (#23).
 * A trace bigger than the bound alone is kept while it is the one in use.
 */
export const CACHE_BYTES = 16 * 1024 * 1024;
const TRACE_ID = /^[0-9a-f]{32}$/;
/** A trace file is read this much at a time. */
const READ_CHUNK_BYTES = 256 * 1024;
/** The ids a ledger keeps: span ids, or log records' `log.record.uid`. */
export const ITEM_ID = { span: /^[0-9a-f]{16}$/, logRecord: /^[0-9a-f]{32}$/ } as const;

/** A trace's ids in memory: fingerprints while this process writes it, exact once a replay's ids came again. */
type TraceIds = IdFingerprints | HexIdSet;

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
  private readonly cache = new Map<string, TraceIds>();
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
    return this.known(traceId).has(id);
  }

  /**
   * The ids of one trace on disk now, for a caller checking many at once (an export batch, in
   * one go: no record lands between its calls). An id its fingerprints may hold is looked up in
   * the trace's file, whose ids are then kept exact (a replay: the ids that follow are taken too).
   */
  known(traceId: string): { has(id: string): boolean } {
    const set = this.ids(traceId);
    if (set instanceof HexIdSet) return set;
    return { has: (id) => set.mayHave(id) && this.exact(traceId).has(id) };
  }

  /** Resolves once the ids are on disk (and only then are they known: `has` says true). */
  async record(traceId: string, ids: string[]): Promise<void> {
    if (!TRACE_ID.test(traceId)) throw new Error(`not a trace id: ${JSON.stringify(traceId)}`);
    const known = this.known(traceId);
    const fresh = ids.filter((id) => !known.has(id));
    if (fresh.length === 0) return;
    const path = join(this.dir, traceId);
    const cut = this.torn.delete(traceId) ? '\n' : '';
    await appendSyncedAsync(path, `${cut}${fresh.join('\n')}\n`, this.ids(traceId).size === 0 && !existsSync(path));
    // Evicted meanwhile: its file has them, the next `ids` reads it; read again meanwhile (maybe
    // before this write landed): that set is the one to complete.
    const cached = this.cache.get(traceId);
    if (!cached) return;
    const before = cached.bytes;
    // a full table of fingerprints: a larger one from the file, which has these ids now
    const whole = fresh.every((id) => cached.add(id));
    this.cachedBytes += cached.bytes - before;
    if (!whole) this.replace(traceId, this.read(traceId, this.fingerprints));
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

  private get digits(): 16 | 32 {
    return this.itemId === ITEM_ID.logRecord ? 32 : 16;
  }

  private ids(traceId: string): TraceIds {
    let set = this.cache.get(traceId);
    if (set) {
      this.cache.delete(traceId); // re-inserted below: Map order is the LRU order
    } else {
      set = this.read(traceId, this.fingerprints);
      this.cachedBytes += set.bytes;
    }
    this.cache.set(traceId, set);
    this.evict();
    return set;
  }

  /** The trace's ids kept exact from now on (read from its file). */
  private exact(traceId: string): HexIdSet {
    const set = this.ids(traceId);
    return set instanceof HexIdSet
      ? set
      : this.replace(
          traceId,
          this.read(traceId, () => new HexIdSet(this.digits)),
        );
  }

  /** A set of fingerprints with room for `ids` ids and as many again. */
  private readonly fingerprints = (ids: number): IdFingerprints => new IdFingerprints(this.digits, IdFingerprints.slotsFor(ids));

  /** `set` in the cache for the trace, in place of what it held. */
  private replace<S extends TraceIds>(traceId: string, set: S): S {
    this.cachedBytes += set.bytes - (this.cache.get(traceId)?.bytes ?? 0);
    this.cache.set(traceId, set);
    this.evict();
    return set;
  }

  /**
   * The ids in the trace's file, in a set `make` gives for as many as the file may hold (every id
   * line is `digits` + 1 bytes: a set sized so is never full); a last line a crash cut short is
   * noted (`torn`). Read in chunks, a line at a time: the file of a run of 1,000,000 host results
   * is 17 MB, and as one string split in lines it was that and a million strings more at once.
   * Up to the size it had when opened: a write landing meanwhile adds its ids when it is done.
   */
  private read<S extends TraceIds>(traceId: string, make: (ids: number) => S): S {
    let fd: number;
    try {
      fd = openSync(join(this.dir, traceId), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      return make(0);
    }
    try {
      const size = fstatSync(fd).size;
      const set = make(Math.floor(size / (this.digits + 1)));
      const chunk = Buffer.allocUnsafe(Math.min(size, READ_CHUNK_BYTES));
      let cut = ''; // the start of a line the chunk before ended in
      for (let pos = 0; pos < size; ) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - pos), pos);
        if (n === 0) break;
        pos += n;
        const bytes = chunk.subarray(0, n);
        let from = 0;
        for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, from)) {
          if (cut === '' && set instanceof IdFingerprints) set.addLine(bytes, from, nl);
          else {
            const line = cut + bytes.toString('latin1', from, nl);
            cut = '';
            if (this.itemId.test(line)) set.add(line);
          }
          from = nl + 1;
        }
        cut += bytes.toString('latin1', from, n);
      }
      if (cut) this.torn.add(traceId);
      return set;
    } finally {
      closeSync(fd);
    }
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
