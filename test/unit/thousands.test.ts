import { describe, expect, it } from 'vitest';
import { thousands } from '../../src/util/thousands.js';

describe('thousands', () => {
  it("writes whole numbers as Intl's en-US does", () => {
    const values = [0, 7, 999, 1000, 20_000, 200_000, 1_000_102, 2_000_105, -1234, -1_234_567, Number.MAX_SAFE_INTEGER];
    for (let n = 1; n < 1e15; n = n * 7 + 3) values.push(n);
    for (const n of values) expect(thousands(n), String(n)).toBe(n.toLocaleString('en-US'));
  });

  it('leaves other numbers as String() writes them', () => {
    expect(thousands(1234.5)).toBe('1234.5');
    expect(thousands(Number.NaN)).toBe('NaN');
  });
});
