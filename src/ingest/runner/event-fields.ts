// Reading the fields of an ansible-runner job event: untyped JSON, so every read checks its type.

/** A non-empty string, else undefined. */
export const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** A number, else undefined. */
export const numberOr = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

/** The file of a task path (`file:line`). */
export const fileOf = (taskPath: unknown): string | undefined => str(taskPath)?.replace(/:\d+$/, '');

/** ansible-runner gives each serial batch's play (and repeated task starts) a `_N` suffix. */
export function stripBatchSuffix(uuid: string): string {
  return uuid.replace(/_\d+$/, '');
}

/** ISO time as ansible-runner writes it (UTC, no zone, microseconds) → ns since the epoch. */
export function isoToNs(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = /^(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]!.replace(' ', 'T')}${m[3] ?? 'Z'}`);
  if (Number.isNaN(ms)) return undefined;
  return ms * 1e6 + Number((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}
