import { RandomIdGenerator, type IdGenerator } from '@opentelemetry/sdk-trace-base';

/**
 * Ids derived from a span's key (run id + position in the run tree) instead of chance, so
 * replaying a run's frames after a partial live export re-creates the same trace and span ids:
 * backends see the same spans again, not a second copy of the run.
 */
export class KeyedIdGenerator implements IdGenerator {
  private key: string | undefined;
  private readonly random = new RandomIdGenerator();

  /** Runs `start` with ids derived from `key` (the SDK asks for ids synchronously inside it). */
  withKey<T>(key: string, start: () => T): T {
    this.key = key;
    try {
      return start();
    } finally {
      this.key = undefined;
    }
  }

  generateTraceId(): string {
    return this.key === undefined ? this.random.generateTraceId() : keyedTraceId(this.key);
  }

  generateSpanId(): string {
    return this.key === undefined ? this.random.generateSpanId() : keyedSpanId(this.key);
  }
}

/** The span id of a span started under `key`. */
export function keyedSpanId(key: string): string {
  return nonZero(hash64(key, 3));
}

/** The trace id of a root span started under `key` without a parent (with one, the parent's trace id is the span's). */
export function keyedTraceId(key: string): string {
  return nonZero(hash64(key, 1) + hash64(key, 2));
}

/**
 * 64 well-mixed bits of `text` as 16 hex digits: two 32-bit multiply-xor lanes over its UTF-16
 * code units with a cyrb53-style finish, seeded per use. Not cryptographic (ids need no secrecy,
 * only spread), and ≈ 7× cheaper than a sha256 per span; the same key gives the same id in
 * every version that keeps this function.
 */
export function hash64(text: string, seed: number): string {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  return hex8(h1) + hex8(h2);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** 8 hex digits by table: 10× cheaper than toString(16) + padStart, and this runs per span. */
function hex8(n: number): string {
  return (HEX[(n >>> 24) & 255] as string) + HEX[(n >>> 16) & 255] + HEX[(n >>> 8) & 255] + HEX[n & 255];
}

/** An all-zero id is invalid in OTel; astronomically unlikely from the hash, but cheap to rule out. */
function nonZero(id: string): string {
  return id === ZEROS_16 || id === ZEROS_32 ? `${id.slice(0, -1)}1` : id;
}

const ZEROS_16 = '0'.repeat(16);
const ZEROS_32 = '0'.repeat(32);
