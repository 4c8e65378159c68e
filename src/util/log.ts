import { stripUrlCredentials } from './redact.js';

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
    this.said.add(key);
    this.warn(message);
  }
}
