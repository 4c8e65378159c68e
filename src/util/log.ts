import { stripUrlCredentials } from './redact.js';

/**
 * Kinds of problem `once` remembers, at most. A kind is a destination, an option, an SDK message
 * with its numbers masked: a few dozen in practice. A key that carried an id would make one kind
 * a run; past the bound the memory starts over (a kind may be said again), so a serve that runs
 * for months never grows by it (#23).
 */
export const SAID_MAX = 1_000;

/** Operator-facing messages on stderr, prefixed; `once` says a recurring problem a single time. */
export class Logger {
  private readonly said = new Set<string>();

  constructor(
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
    readonly quiet = false,
  ) {}

  info(message: string): void {
    if (!this.quiet) this.write(`ansible-otel: ${stripUrlCredentials(message)}\n`);
  }

  warn(message: string): void {
    this.write(`ansible-otel: warning: ${stripUrlCredentials(message)}\n`);
  }

  error(message: string): void {
    this.write(`ansible-otel: error: ${stripUrlCredentials(message)}\n`);
  }

  once(key: string, message: string): void {
    if (this.said.has(key)) return;
    if (this.said.size >= SAID_MAX) this.said.clear();
    this.said.add(key);
    this.warn(message);
  }
}
