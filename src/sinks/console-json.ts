// `run --format json`: every event as one JSON line on stdout (schema: event-json.ts).
import type { ConsoleOut } from './ansi.js';
import { jsonLines } from './event-json.js';
import type { Sink } from './sink.js';

export function consoleJsonSink(out: ConsoleOut = process.stdout): Sink {
  return { name: 'console json', ...jsonLines((line) => out.write(line)) };
}
