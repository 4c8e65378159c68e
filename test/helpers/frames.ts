// A tiny builder for frame streams in unit tests: envelope filled in, clock advancing 1 ms a frame.
import type { Frame } from '../../src/protocol/frames.js';

// Omit over each member of the union, so a body keeps its frame type's own fields.
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type Body = DistributiveOmit<Frame, 'v' | 'run' | 'seq' | 'ts'> & { ts?: number };

export function stream(bodies: Body[], run = 'run-1', t0 = 1_700_000_000_000_000_000): Frame[] {
  return bodies.map((b, i) => ({ v: 1, run, seq: i, ...b, ts: b.ts ?? t0 + i * 1_000_000 }) as Frame);
}
