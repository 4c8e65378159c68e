// Typed reads of a slim span's attributes (otlp-json-lines.ts). The file's structure is checked at
// the edge, but an attribute's value is whatever its writer put there: a value of another type
// than the key has reads as absent, so a hand-edited or foreign file cannot mistype a field.
import type { SlimAttributes } from './otlp-json-lines.js';

export function text(a: SlimAttributes, key: string): string | undefined {
  const v = a[key];
  return typeof v === 'string' ? v : undefined;
}

export function num(a: SlimAttributes, key: string): number | undefined {
  const v = a[key];
  return typeof v === 'number' ? v : undefined;
}

export function flag(a: SlimAttributes, key: string): boolean | undefined {
  const v = a[key];
  return typeof v === 'boolean' ? v : undefined;
}

/** A list (numbers in it read as their decimal text). */
export function texts(a: SlimAttributes, key: string): string[] | undefined {
  const v = a[key];
  return Array.isArray(v) ? v : undefined;
}

/** A value of a closed set (an enum of ours or of semconv's), else absent. */
export function oneOf<T extends string>(a: SlimAttributes, key: string, values: readonly T[]): T | undefined {
  const v = a[key];
  return values.find((x) => x === v);
}
