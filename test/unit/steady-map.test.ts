import { describe, expect, it } from 'vitest';
import { SteadyMap } from '../../src/model/steady-map.js';

describe('SteadyMap', () => {
  it('answers as a Map does through sets, deletes and sets again', () => {
    const m = new SteadyMap<string, number>();
    const ref = new Map<string, number>();
    const both = (op: (x: SteadyMap<string, number> | Map<string, number>) => void): void => {
      op(m);
      op(ref);
    };
    both((x) => x.set('a', 1));
    both((x) => x.set('b', 2));
    both((x) => x.set('a', 3));
    both((x) => x.delete('b'));
    both((x) => x.delete('b'));
    both((x) => x.delete('never'));
    expect(m.size).toBe(ref.size);
    for (const k of ['a', 'b', 'never']) {
      expect(m.get(k), k).toBe(ref.get(k));
      expect(m.has(k), k).toBe(ref.has(k));
    }
    expect([...m.values()]).toEqual([...ref.values()]);
    both((x) => x.clear());
    expect(m.size).toBe(0);
    expect([...m.values()]).toEqual([]);
  });

  it('keeps a deleted key in its first place: set again, it is not moved to the end', () => {
    const m = new SteadyMap<string, string>();
    m.set('h1', 'a');
    m.set('h2', 'b');
    m.delete('h1');
    m.set('h1', 'c');
    expect([...m.values()]).toEqual(['c', 'b']);
    expect(m.size).toBe(2);
  });
});
