// The console format and the events file of `run`: which sinks they are, and what they change
// in how ansible-playbook is started.
import { CALLBACK_NAME } from './ansible-env.js';
import { ConsoleSummarySink } from '../sinks/console-summary.js';
import { ConsoleTableSink } from '../sinks/console-table.js';
import { consoleJsonSink } from '../sinks/console-json.js';
import { eventsFileSink } from '../sinks/events-file.js';
import type { ConsoleOut } from '../sinks/ansi.js';
import type { Sink } from '../sinks/sink.js';
import type { CommandEnv } from '../root/config.js';

export const CONSOLE_FORMATS = ['default', 'table', 'json', 'summary'] as const;
export type ConsoleFormat = (typeof CONSOLE_FORMATS)[number];

export interface ConsoleOutputOptions {
  /** --format: default = ansible's own output. */
  format?: ConsoleFormat;
  /** --events-file: every event as JSON lines, appended here. */
  eventsFile?: string;
}

/** The sinks for --format and --events-file (an events file that cannot be opened throws). */
export function consoleSinks(o: ConsoleOutputOptions, config: CommandEnv): Sink[] {
  const sinks: Sink[] = [];
  if (o.format === 'table') sinks.push(new ConsoleTableSink({ out: stdout(), color: config.color }));
  else if (o.format === 'json') sinks.push(consoleJsonSink(stdout()));
  else if (o.format === 'summary') sinks.push(new ConsoleSummarySink({ out: stdout(), color: config.color, traceUrl: config.traceUrl }));
  if (o.eventsFile) sinks.push(eventsFileSink(o.eventsFile));
  return sinks;
}

/**
 * process.stdout for a console format. A reader that goes away (`| head`) makes writes fail with
 * EPIPE: from then on the format stops, while the run, its trace and the other outputs go on.
 */
function stdout(): ConsoleOut {
  let closed = false;
  process.stdout.on('error', () => {
    closed = true;
  });
  return { isTTY: process.stdout.isTTY, write: (text) => closed || process.stdout.write(text) };
}

/**
 * With a format of ours, ansible-playbook's own output is quieted: the shim becomes its stdout
 * callback (a silent one that still shows module warnings and deprecations), and whatever
 * ansible still prints on stdout (prompts, `pause`) goes to stderr, so stdout carries the
 * format alone. Returns the extra environment and the child's stdout.
 */
export function ansibleConsole(o: ConsoleOutputOptions): { env: Record<string, string>; stdout: 'inherit' | number } {
  if (!o.format || o.format === 'default') return { env: {}, stdout: 'inherit' };
  return { env: { ANSIBLE_STDOUT_CALLBACK: CALLBACK_NAME }, stdout: 2 };
}
