import { timingSafeEqual } from 'node:crypto';

/** Only this machine can connect: no token needed. Anything else needs one. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** Compares a presented secret in constant time (no timing hints about how much matched). */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
