/** Slots of a new set: it doubles as it fills, so a small trace costs a small table. */
const FIRST_SLOTS = 16;
/** What a set costs beside its tables (the object, its typed-array headers, the Set), roughly. */
const OVERHEAD_BYTES = 400;
/** A string in `others`: its characters and the Set's entry, roughly. */
const OTHER_BYTES = 100;

/**
 * A set of ids written as lowercase hex of one width (16 digits: span ids; 32: log record uids),
 * kept as 32-bit words in one open-addressing table: 8–16 bytes an id (twice that with the
 * table's slack) instead of ≈ 100 for a string in a Set, and nothing for the garbage collector
 * to trace. A run of 1,000,000 host results keeps 1,000,000 span ids (and as many log record
 * uids) for as long as the run's trace is exported. Any other string goes to a plain Set.
 * The table starts small: a cache of many small traces (one a run, 71 spans) once held a
 * 1,024-slot table each, 9–17 KB per trace, and that was serve's memory growing per run (#23).
 */
export class HexIdSet {
  private readonly words: number;
  private table: Uint32Array;
  private used: Uint8Array;
  private count = 0;
  private readonly others = new Set<string>();
  /** The id being looked up, as words (reused: no allocation per lookup). */
  private readonly probe: Uint32Array;

  constructor(digits: 16 | 32) {
    this.words = digits / 8;
    this.probe = new Uint32Array(this.words);
    this.table = new Uint32Array(FIRST_SLOTS * this.words);
    this.used = new Uint8Array(FIRST_SLOTS);
  }

  get size(): number {
    return this.count + this.others.size;
  }

  /** Memory the set holds, roughly: what a cache of sets counts against its bound. */
  get bytes(): number {
    return OVERHEAD_BYTES + this.table.byteLength + this.used.byteLength + this.others.size * OTHER_BYTES;
  }

  has(id: string): boolean {
    if (!this.parse(id)) return this.others.has(id);
    return this.slotOf(this.probe) >= 0;
  }

  /** Always true (it grows): the same shape as IdFingerprints.add. */
  add(id: string): boolean {
    if (!this.parse(id)) {
      this.others.add(id);
      return true;
    }
    if (this.slotOf(this.probe) >= 0) return true;
    if ((this.count + 1) * 2 > this.used.length) this.grow();
    this.put(this.probe);
    return true;
  }

  /** Reads `id` into `probe`; false when it is not lowercase hex of this set's width. */
  private parse(id: string): boolean {
    if (id.length !== this.words * 8) return false;
    for (let w = 0; w < this.words; w++) {
      const v = hexWord(id, w * 8);
      if (v < 0) return false;
      this.probe[w] = v;
    }
    return true;
  }

  private start(id: Uint32Array): number {
    let h = 0;
    for (let w = 0; w < this.words; w++) h = Math.imul(h ^ (id[w] as number), 0x9e3779b1);
    return (h ^ (h >>> 15)) & (this.used.length - 1);
  }

  /** The slot holding `id`, or -1. */
  private slotOf(id: Uint32Array): number {
    const mask = this.used.length - 1;
    for (let s = this.start(id); this.used[s]; s = (s + 1) & mask) {
      let same = true;
      for (let w = 0; w < this.words && same; w++) same = this.table[s * this.words + w] === id[w];
      if (same) return s;
    }
    return -1;
  }

  private put(id: Uint32Array): void {
    const mask = this.used.length - 1;
    let s = this.start(id);
    while (this.used[s]) s = (s + 1) & mask;
    this.used[s] = 1;
    this.table.set(id, s * this.words);
    this.count += 1;
  }

  private grow(): void {
    const { table, used } = this;
    this.table = new Uint32Array(table.length * 2);
    this.used = new Uint8Array(used.length * 2);
    this.count = 0;
    for (let s = 0; s < used.length; s++) if (used[s]) this.put(table.subarray(s * this.words, (s + 1) * this.words));
  }
}

/** The value of 8 lowercase hex digits at `from`, or -1. */
export function hexWord(id: string, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const d = hexDigit(id.charCodeAt(i));
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v >>> 0;
}

/** `hexWord` of ASCII bytes. */
export function hexWordAt(bytes: Uint8Array, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const d = hexDigit(bytes[i] as number);
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  return v >>> 0;
}

/** A lowercase hex digit's value, or -1. */
export function hexDigit(c: number): number {
  return c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
}
