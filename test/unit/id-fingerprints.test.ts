// The ledger's ids of a trace being written, as 32-bit fingerprints (src/export/ledger/id-fingerprints.ts),
// and the ledger's answers from them: never "taken" for an id that was not, even when its
// fingerprint says maybe (the trace's file decides), and a full table grown from the file.
import { describe, expect, it } from 'vitest';
import { DeliveryLedger, ITEM_ID } from '../../src/export/ledger/delivery-ledger.js';
import { IdFingerprints } from '../../src/export/ledger/id-fingerprints.js';
import { tempDir } from '../helpers/sidecar-run.js';
import { seededRandom } from '../helpers/seeded-random.js';

const hex = (next: () => number, digits: number): string => Array.from({ length: digits }, () => '0123456789abcdef'[Math.floor(next() * 16)]).join('');
const TRACE = 'c'.repeat(32);

/** An id of `digits` digits with `like`'s last 8 digits that `set` may hold though it was never added. */
function falseMaybe(set: IdFingerprints, like: string, digits: number): string {
  for (let h = 1; h < 1 << 20; h++) {
    const id = `${h.toString(16).padStart(8, '0')}${'0'.repeat(digits - 16)}${like.slice(-8)}`;
    if (id !== like && set.mayHave(id)) return id;
  }
  throw new Error('no false maybe found');
}

describe.each([16, 32] as const)('fingerprints of %i-digit hex ids', (digits) => {
  it('never says no to an id it holds, and says no to most it does not; full at half its slots', () => {
    const next = seededRandom(digits + 1);
    const set = new IdFingerprints(digits, 1 << 12);
    const added: string[] = [];
    for (let i = 0; i < 1 << 11; i++) {
      const id = hex(next, digits);
      expect(set.add(id)).toBe(true);
      added.push(id);
    }
    expect(set.add(hex(next, digits))).toBe(false); // full: the ledger grows it from the file
    expect(set.size).toBe(1 << 11);
    for (const id of added) expect(set.mayHave(id)).toBe(true);
    let maybes = 0;
    for (let i = 0; i < 10_000; i++) if (set.mayHave(hex(next, digits))) maybes += 1;
    expect(maybes).toBeLessThan(3); // 32 bits a fingerprint: about 10⁻⁵ here
    expect(set.bytes).toBeLessThan((1 << 12) * 4 + 1000);
  });

  it('keeps strings that are not ids of its width whole', () => {
    const set = new IdFingerprints(digits);
    for (const other of ['XYZ', 'A'.repeat(digits), `${'0'.repeat(digits - 1)}g`]) {
      expect(set.mayHave(other)).toBe(false);
      set.add(other);
      expect(set.mayHave(other)).toBe(true);
    }
    expect(set.mayHave('0'.repeat(digits))).toBe(false);
    set.add('0'.repeat(digits)); // a fingerprint of 0 is not an empty slot
    expect(set.mayHave('0'.repeat(digits))).toBe(true);
  });

  it('reads a file line from its bytes as the same id, and skips a line that is not one', () => {
    const next = seededRandom(digits + 3);
    const ids = Array.from({ length: 50 }, () => hex(next, digits));
    const lines = [...ids, ids[0]!.toUpperCase(), ids[1]!.slice(1), `${ids[2]!.slice(0, -1)}g`, ''];
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'latin1');
    const fromBytes = new IdFingerprints(digits, 256);
    let from = 0;
    for (let nl = bytes.indexOf(10); nl >= 0; nl = bytes.indexOf(10, from)) {
      expect(fromBytes.addLine(bytes, from, nl)).toBe(true);
      from = nl + 1;
    }
    expect(fromBytes.size).toBe(50);
    const fromStrings = new IdFingerprints(digits, 256);
    for (const id of ids) fromStrings.add(id);
    for (const id of [...ids, ...Array.from({ length: 200 }, () => hex(next, digits))]) expect(fromBytes.mayHave(id)).toBe(fromStrings.mayHave(id));
    expect(fromBytes.mayHave(ids[1]!.slice(1))).toBe(false);
  });

  it('sizes its table a quarter to a half full', () => {
    for (const n of [0, 1, 7, 8, 1000, 1 << 20]) {
      const slots = IdFingerprints.slotsFor(n);
      expect(slots).toBeGreaterThan(2 * n);
      expect(slots <= 4 * n || slots === 16).toBe(true);
      expect(slots & (slots - 1)).toBe(0);
    }
  });
});

describe.each([
  [16, ITEM_ID.span],
  [32, ITEM_ID.logRecord],
] as const)('the ledger of %i-digit ids, from fingerprints', (digits, itemId) => {
  it('says "not taken" of an id whose fingerprint it holds but that was never taken, and keeps the trace exact after', async () => {
    const ledger = new DeliveryLedger(tempDir('ledger-fp-'), itemId);
    const taken = `${'1'.repeat(digits - 8)}abcdef12`;
    await ledger.record(TRACE, [taken]);
    const probe = new IdFingerprints(digits);
    probe.add(taken);
    const lookalike = falseMaybe(probe, taken, digits);
    expect(ledger.has(TRACE, lookalike)).toBe(false);
    expect(ledger.has(TRACE, taken)).toBe(true);
    // now exact: a record lands in it, the lookalike too
    await ledger.record(TRACE, [lookalike]);
    expect(ledger.has(TRACE, lookalike)).toBe(true);
    expect(ledger.known(TRACE).has(`${'2'.repeat(digits - 8)}abcdef12`)).toBe(false);
  });

  it('grows a full table from the trace file: 50,000 ids in batches, 8–16 bytes an id, every one known', async () => {
    const dir = tempDir('ledger-fp-');
    const ledger = new DeliveryLedger(dir, itemId, 64 * 1024 * 1024);
    const next = seededRandom(digits + 2);
    const all: string[] = [];
    for (let b = 0; b < 100; b++) {
      const batch = Array.from({ length: 500 }, () => hex(next, digits));
      await ledger.record(TRACE, batch);
      all.push(...batch);
    }
    // still fingerprints (fresh ids only were looked up): 2¹⁷ slots of 4 bytes
    const { ids, bytes } = ledger.cacheSize;
    expect(ids).toBe(50_000);
    expect(bytes).toBeLessThanOrEqual(50_000 * 16 + 1000);
    let fresh = 0;
    for (let i = 0; i < 5_000; i++) if (!ledger.known(TRACE).has(hex(next, digits))) fresh += 1;
    expect(fresh).toBe(5_000);
    // an id taken before (a replay) is read from the file, and the trace is kept exact from then
    const known = ledger.known(TRACE);
    for (const id of all) expect(known.has(id)).toBe(true);
    expect(ledger.cacheSize.bytes).toBeGreaterThan(50_000 * 16);
    // a new process reads the file back: the same answers
    const again = new DeliveryLedger(dir, itemId);
    expect(all.every((id) => again.has(TRACE, id))).toBe(true);
  });
});
