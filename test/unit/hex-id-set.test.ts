// The ledger's id set (src/export/ledger/hex-id-set.ts) against a plain Set of the same strings.
import { describe, expect, it } from 'vitest';
import { HexIdSet } from '../../src/export/ledger/hex-id-set.js';
import { seededRandom } from '../helpers/seeded-random.js';

const hex = (next: () => number, digits: number): string => Array.from({ length: digits }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('');

describe.each([16, 32] as const)('a set of %i-digit hex ids', (digits) => {
  it('answers as a Set of the strings does, through growth, with near misses and foreign strings', () => {
    const next = seededRandom(digits);
    const set = new HexIdSet(digits);
    const reference = new Set<string>();
    const seen: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const r = next();
      // new ids, ids seen before, one digit off, upper case, other widths, not hex at all
      const id =
        r < 0.5 || seen.length === 0
          ? hex(next, digits)
          : r < 0.7
            ? seen[Math.floor(next() * seen.length)]!
            : r < 0.8
              ? `${seen.at(-1)!.slice(0, -1)}${seen.at(-1)!.endsWith('0') ? '1' : '0'}`
              : r < 0.85
                ? seen.at(-1)!.toUpperCase()
                : r < 0.9
                  ? hex(next, digits === 16 ? 32 : 16)
                  : `${hex(next, digits - 1)}g`;
      expect(set.has(id)).toBe(reference.has(id));
      if (next() < 0.6) {
        set.add(id);
        reference.add(id);
        seen.push(id);
      }
    }
    expect(set.size).toBe(reference.size);
    for (const id of reference) expect(set.has(id)).toBe(true);
  });

  it('keeps an all-zero id apart from an empty slot', () => {
    const set = new HexIdSet(digits);
    expect(set.has('0'.repeat(digits))).toBe(false);
    set.add('0'.repeat(digits));
    expect(set.has('0'.repeat(digits))).toBe(true);
    expect(set.size).toBe(1);
  });

  it("costs what its ids need: a run's 71 ids take a table of 256 slots (at most half full), not a fixed 1,024 (#23)", () => {
    const next = seededRandom(digits + 1);
    const set = new HexIdSet(digits);
    const empty = set.bytes;
    for (let i = 0; i < 71; i++) set.add(hex(next, digits));
    // 256 slots of digits / 2 bytes and a byte each, where the empty set had 16
    expect(set.bytes - empty).toBe((256 - 16) * (digits / 2 + 1));
    expect(set.bytes).toBeLessThan(digits === 16 ? 3_000 : 5_000);
  });
});
