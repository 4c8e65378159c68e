import { hexDigit, hexWord, hexWordAt } from './hex-id-set.js';

/** Slots of a new set: it doubles as it fills, so a small trace costs a small table. */
const FIRST_SLOTS = 16;
/** What a set costs beside its table (the object, the typed-array header, the Set), roughly. */
const OVERHEAD_BYTES = 300;
/** A string in `others`: its characters and the Set's entry, roughly. */
const OTHER_BYTES = 100;

/**
 * What a destination's ledger keeps in memory of a trace this process started writing: 32 bits
 * of each id (its last 8 hex digits), 4 bytes a slot of an open-addressing table, 8–16 bytes an
 * id — a quarter to a half of an exact HexIdSet of span ids, an eighth of one of log record uids:
 * a run of 1,000,000 host results keeps a million of each while it is exported.
 *
 * It answers "not taken" exactly; "maybe taken" means an id with the same 32 bits was taken: the
 * ledger then reads the trace's file and answers from that (delivery-ledger.ts). Ids are hashes,
 * so for a live run that happens about once in 2³² / (2.5 probes) fresh ids — a replay, whose ids
 * are all taken, goes to the file at its first id. Any other string is kept whole.
 */
export class IdFingerprints {
  private readonly words: number;
  /** 0: an empty slot (a fingerprint of 0 is kept as 1). */
  private readonly table: Uint32Array;
  private count = 0;
  private readonly others = new Set<string>();
  /** The id being looked up (set by `locate`). */
  private start = 0;
  private print = 0;

  /** `slots`: a power of two; the table holds up to half as many ids. */
  constructor(digits: 16 | 32, slots = FIRST_SLOTS) {
    this.words = digits / 8;
    this.table = new Uint32Array(slots);
  }

  get size(): number {
    return this.count + this.others.size;
  }

  /** Memory the set holds, roughly: what a cache of sets counts against its bound. */
  get bytes(): number {
    return OVERHEAD_BYTES + this.table.byteLength + this.others.size * OTHER_BYTES;
  }

  /** False: `id` was never added. True: it may have been (another id shares its 32 bits and slot). */
  mayHave(id: string): boolean {
    return this.locate(id) ? this.slotOf() >= 0 : this.others.has(id);
  }

  /**
   * False when the table is full: a fingerprint does not say which slot it started from, so the
   * ids cannot move to a larger table; the ledger builds one from the trace's file instead.
   */
  add(id: string): boolean {
    if (!this.locate(id)) {
      this.others.add(id);
      return true;
    }
    return this.insert();
  }

  /**
   * A line of a trace's file, `bytes[from, end)`, added if it is an id of this set's width (what
   * else a file has — a line a crash cut short — is not an id taken); read straight from the
   * bytes, no string a line. False when the table is full, as `add`.
   */
  addLine(bytes: Uint8Array, from: number, end: number): boolean {
    return !this.locateBytes(bytes, from, end) || this.insert();
  }

  /** The id `locate` read, into the table unless it is there; false when the table is full. */
  private insert(): boolean {
    if (this.slotOf() >= 0) return true;
    if ((this.count + 1) * 2 > this.table.length) return false;
    this.put();
    return true;
  }

  /** The slots for `ids` ids and room to grow: a quarter to a half full (a full table's ids: a quarter). */
  static slotsFor(ids: number): number {
    let slots = FIRST_SLOTS;
    while (slots <= ids * 2) slots *= 2;
    return slots;
  }

  /**
   * Where `id` goes, into `start` and `print` (fields, not an object: no allocation a lookup): its
   * table position from its first 8 hex digits, its fingerprint from its last 8; false when it is
   * not lowercase hex of this set's width.
   */
  private locate(id: string): boolean {
    if (id.length !== this.words * 8) return false;
    const head = hexWord(id, 0);
    const print = hexWord(id, id.length - 8);
    if (head < 0 || print < 0) return false;
    for (let i = 8; i < id.length - 8; i++) if (hexDigit(id.charCodeAt(i)) < 0) return false;
    this.place(head, print);
    return true;
  }

  /** `locate` of the ASCII bytes `[from, end)`. */
  private locateBytes(bytes: Uint8Array, from: number, end: number): boolean {
    if (end - from !== this.words * 8) return false;
    const head = hexWordAt(bytes, from);
    const print = hexWordAt(bytes, end - 8);
    if (head < 0 || print < 0) return false;
    for (let i = from + 8; i < end - 8; i++) if (hexDigit(bytes[i] as number) < 0) return false;
    this.place(head, print);
    return true;
  }

  private place(head: number, print: number): void {
    const h = Math.imul(head, 0x9e3779b1);
    this.start = h ^ (h >>> 15);
    this.print = print === 0 ? 1 : print;
  }

  /** The slot holding `print` on the way from `start`, or -1. */
  private slotOf(): number {
    const mask = this.table.length - 1;
    for (let s = this.start & mask; this.table[s] !== 0; s = (s + 1) & mask) if (this.table[s] === this.print) return s;
    return -1;
  }

  private put(): void {
    const mask = this.table.length - 1;
    let s = this.start & mask;
    while (this.table[s] !== 0) s = (s + 1) & mask;
    this.table[s] = this.print;
    this.count += 1;
  }
}
