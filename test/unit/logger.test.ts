// The sidecar's operator messages: `once` says a recurring problem a single time, and what it
// remembers for that is bounded (a serve that runs for months, #23).
import { describe, expect, it } from 'vitest';
import { Logger, SAID_MAX } from '../../src/util/log.js';

describe('Logger.once', () => {
  it('says each kind of problem once', () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    for (let i = 0; i < 3; i++) log.once('ledger:spans', 'the ledger cannot write');
    log.once('ack', 'cannot ack');
    expect(lines).toEqual(['ansible-otel: warning: the ledger cannot write\n', 'ansible-otel: warning: cannot ack\n']);
  });

  it('remembers at most SAID_MAX kinds, however many distinct keys come', () => {
    const lines: string[] = [];
    const log = new Logger((l) => lines.push(l));
    const said = (log as unknown as { said: Set<string> }).said;
    let most = 0;
    for (let i = 0; i < 5 * SAID_MAX; i++) {
      log.once(`diag:run ${i.toString(16)}`, `message ${i}`);
      most = Math.max(most, said.size);
    }
    expect(most).toBe(SAID_MAX);
    expect(lines.length).toBe(5 * SAID_MAX); // every distinct kind was said
    log.once(`diag:run ${(5 * SAID_MAX - 1).toString(16)}`, 'again');
    expect(lines.length).toBe(5 * SAID_MAX); // the latest ones are still remembered
  });
});
