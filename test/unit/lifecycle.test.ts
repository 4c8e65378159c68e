// Every long-lived part stops the same way: shutdown(deadline), in parallel, and what did not
// make it within the deadline is reported by name instead of holding the process.
import { describe, expect, it } from 'vitest';
import { shutdownAll, stragglerMessage, type Component } from '../../src/util/lifecycle.js';
import { byDeadline } from '../../src/util/deadline.js';

const component = (name: string, shutdown: (deadlineMs: number) => Promise<void>): Component => ({ name, start: async () => {}, shutdown });

describe('shutdownAll', () => {
  it('returns within the deadline and names the part still busy and the part that failed', async () => {
    const seen: number[] = [];
    const stragglers = await shutdownAll(
      [
        component('traces', async (ms) => void seen.push(ms)),
        component('webhook', () => new Promise(() => {})), // never settles
        component('events file x', async () => {
          throw new Error('disk full');
        }),
      ],
      50,
    );
    expect(seen).toEqual([50]);
    expect(stragglers.map((s) => stragglerMessage(s, 50)).sort()).toEqual(['events file x: disk full', 'webhook: did not finish within 0.05 s']);
  });

  it('reports nothing when every part stopped in time', async () => {
    expect(await shutdownAll([component('logs', async () => {}), { name: 'console' }], 1000)).toEqual([]);
  });
});

describe('byDeadline', () => {
  it("gives the work's result in time, and past the deadline an error naming what was left", async () => {
    expect(await byDeadline(Promise.resolve(7), 1000, 'writing x')).toBe(7);
    await expect(byDeadline(new Promise(() => {}), 20, 'writing the last events')).rejects.toThrow('writing the last events did not finish within 0.02 s');
    await expect(byDeadline(Promise.reject(new Error('disk full')), 1000, 'writing x')).rejects.toThrow('disk full');
  });
});
