// `run --format table`: one row per host result (host, status, changed, task) as results
// arrive, a header per play, and the PLAY RECAP as a table at the end of each playbook.
// Streamed rows use fixed column widths (cells too long are cut with …); the recap is sized to
// its content. Widths are visible widths, so colour codes never shift a column.
import type { HostStats } from '../protocol/frames.js';
import type { HostResultEvent, PlayStartEvent, PlaybookEndEvent, PlaybookStartEvent } from '../model/run-observer.js';
import {
  STATUS_STYLE,
  colorEnabled,
  fit,
  formatDuration,
  pad,
  painter,
  printable,
  visibleWidth,
  type ConsoleOut,
  type Paint,
  type Style,
  type ColorEnv,
} from './ansi.js';
import type { Sink } from './sink.js';

export const RESULT_COLUMNS = { host: 30, status: 11, changed: 7 } as const;
const GAP = '  ';
const RULE_WIDTH = 80;
/** Lines of a failure message shown under its row. */
const MESSAGE_LINES = 6;

const RECAP_COLUMNS: { key: keyof HostStats; title: string; style: Style }[] = [
  { key: 'ok', title: 'OK', style: 'green' },
  { key: 'changed', title: 'CHANGED', style: 'yellow' },
  { key: 'failures', title: 'FAILED', style: 'red' },
  { key: 'unreachable', title: 'UNREACHABLE', style: 'brightRed' },
  { key: 'skipped', title: 'SKIPPED', style: 'cyan' },
  { key: 'rescued', title: 'RESCUED', style: 'magenta' },
  { key: 'ignored', title: 'IGNORED', style: 'magenta' },
];

export interface ConsoleSinkOptions {
  out?: ConsoleOut;
  /** From the config; without it, colour on a terminal only. */
  color?: ColorEnv;
}

export class ConsoleTableSink implements Sink {
  readonly name = 'console table';
  private readonly out: ConsoleOut;
  private readonly paint: Paint;

  constructor(o: ConsoleSinkOptions = {}) {
    this.out = o.out ?? process.stdout;
    this.paint = painter(colorEnabled(o.color, this.out.isTTY));
  }

  private line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  private header(title: string): void {
    this.line();
    this.line(this.paint('bold', title));
    this.line('='.repeat(Math.max(RULE_WIDTH, visibleWidth(title))));
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.header(`PLAYBOOK: ${printable(e.playbook)}`);
  }

  playStart(e: PlayStartEvent): void {
    this.header(`PLAY: ${printable(e.play)}${e.batch > 1 ? ` (batch ${e.batch})` : ''}`);
    const { host, status, changed } = RESULT_COLUMNS;
    this.line([pad('HOST', host), pad('STATUS', status), pad('CHANGED', changed), 'TASK'].join(GAP));
    this.line('-'.repeat(RULE_WIDTH));
  }

  hostResult(e: HostResultEvent): void {
    const { host, status, changed } = RESULT_COLUMNS;
    const style = STATUS_STYLE[e.status];
    const isChanged = e.changed || e.status === 'changed';
    const task = printable(e.role && !e.task.startsWith(`${e.role} : `) ? `${e.role} : ${e.task}` : e.task);
    this.line(
      [
        pad(fit(printable(e.host), host), host),
        pad(this.paint(style, e.status.toUpperCase()), status),
        pad(isChanged ? this.paint('yellow', 'yes') : 'no', changed),
        `${e.handler ? 'handler: ' : ''}${task}`,
      ]
        .join(GAP)
        .trimEnd(),
    );
    if ((e.status === 'failed' || e.status === 'unreachable' || e.status === 'ignored' || e.status === 'rescued') && e.message) {
      const indent = ' '.repeat(host + GAP.length);
      const lines = printable(e.message).split('\n');
      const shown = lines.slice(0, MESSAGE_LINES);
      if (lines.length > shown.length) shown.push(`… ${lines.length - shown.length} more lines`);
      for (const [i, text] of shown.entries()) this.line(`${indent}${i === 0 ? this.paint(style, '└ ') : '  '}${text}`);
    }
  }

  playbookEnd(e: PlaybookEndEvent): void {
    const result = e.interrupted ? 'interrupted' : e.result;
    const resultStyle: Style = e.result === 'success' ? 'green' : 'red';
    this.header(`PLAY RECAP: ${printable(e.playbook)}  ${this.paint(resultStyle, result)}  ${formatDuration(e.endNs - e.startNs)}`);
    const hosts = Object.keys(e.stats).sort();
    if (hosts.length === 0) {
      this.line('(no host results)');
      return;
    }
    const hostWidth = Math.max(4, ...hosts.map((h) => visibleWidth(printable(h))));
    const widths = RECAP_COLUMNS.map((c) => Math.max(c.title.length, ...hosts.map((h) => String(e.stats[h]?.[c.key] ?? 0).length)));
    this.line([pad('HOST', hostWidth), ...RECAP_COLUMNS.map((c, i) => pad(c.title, widths[i] ?? 0, 'right'))].join(GAP));
    this.line('-'.repeat(hostWidth + widths.reduce((a, w) => a + w + GAP.length, 0)));
    for (const h of hosts) {
      const s = e.stats[h] ?? {};
      const bad = (s.failures ?? 0) > 0 || (s.unreachable ?? 0) > 0;
      const cells = RECAP_COLUMNS.map((c, i) => {
        const n = s[c.key] ?? 0;
        return pad(n ? this.paint(c.style, String(n)) : String(n), widths[i] ?? 0, 'right');
      });
      this.line([pad(this.paint(bad ? 'red' : (s.changed ?? 0) > 0 ? 'yellow' : 'green', printable(h)), hostWidth), ...cells].join(GAP));
    }
  }
}
