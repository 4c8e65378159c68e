import { InvalidArgumentError } from 'commander';

/** commander argParsers shared by the commands' options. */
export function positive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a positive number');
  return n;
}

export function nonNegative(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('must be a number, 0 or more');
  return n;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

/** A comma-separated list of whole numbers ≥ 1: `--forks 10,20`. */
export function forkCounts(value: string): number[] {
  const counts = value.split(',').map((v) => Number(v.trim()));
  if (counts.length === 0 || counts.some((n) => !Number.isInteger(n) || n < 1)) throw new InvalidArgumentError('must be fork counts, e.g. 10 or 10,20');
  return counts;
}
