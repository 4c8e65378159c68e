// Colour and visible width for the console sinks: a cell padded by its visible width stays
// aligned whether or not it carries colour codes.
import type { HostSpanStatus } from '../model/attributes.js';
import { stripVTControlCharacters } from 'node:util';

/** Where a console sink writes (process.stdout, or a buffer in tests). */
export interface ConsoleOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** What the environment says of colour (root/config.ts resolves it: NO_COLOR or ANSIBLE_NOCOLOR, ANSIBLE_FORCE_COLOR). */
export interface ColorEnv {
  off: boolean;
  forced: boolean;
}

/** Colour only on a terminal; `off` turns it off, `forced` on elsewhere. Off wins over forced. */
export function colorEnabled(color: ColorEnv | undefined, isTTY: boolean | undefined): boolean {
  if (color?.off) return false;
  if (color?.forced) return true;
  return isTTY === true;
}

const SGR = {
  bold: '1',
  dim: '2',
  red: '31',
  green: '32',
  yellow: '33',
  blue: '34',
  magenta: '35',
  cyan: '36',
  brightRed: '1;31',
} as const;
export type Style = keyof typeof SGR;

/** ansible's own colours for each result status. */
export const STATUS_STYLE: Record<HostSpanStatus, Style> = {
  ok: 'green',
  changed: 'yellow',
  failed: 'red',
  unreachable: 'brightRed',
  skipped: 'cyan',
  ignored: 'magenta',
  rescued: 'magenta',
};

export type Paint = (style: Style | undefined, text: string) => string;

export function painter(enabled: boolean): Paint {
  if (!enabled) return (_style, text) => text;
  return (style, text) => (style && text ? `\u001b[${SGR[style]}m${text}\u001b[0m` : text);
}

/** Colours, cursor moves and OSC hyperlinks removed: text as it reads, for widths and plain output. */
export const stripAnsi: (text: string) => string = stripVTControlCharacters;

// Combining marks and zero-width characters take no column; East Asian wide characters and
// emoji take two.
// biome-ignore lint/suspicious/noMisleadingCharacterClass: ranges of single combining code points, each tested alone
const ZERO_WIDTH = /[\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u0610-\u061a\u064b-\u065f\u200b-\u200f\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f]/u;
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

/** Terminal columns `text` takes: ANSI escapes excluded, wide characters counted twice. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const ch of stripAnsi(text)) {
    if (ZERO_WIDTH.test(ch)) continue;
    width += WIDE.test(ch) ? 2 : 1;
  }
  return width;
}

/** `text` cut to at most `width` visible columns, ending in … when cut (plain text only). */
export function fit(text: string, width: number): string {
  if (visibleWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = ZERO_WIDTH.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** Pads to `width` visible columns (left-aligned, or right-aligned for numbers). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - visibleWidth(text)));
  return align === 'left' ? text + fill : fill + text;
}

/** Nanoseconds as a short duration: 850ms, 12.3s, 4m 05s, 1h 02m. */
export function formatDuration(ns: number): string {
  const ms = Math.max(0, ns) / 1e6;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Control characters (other than tab) made visible, so a result cannot move the cursor. */
export function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it replaces
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, (c) => (c === '\u001b' ? '␛' : ' ')).replace(/\t/g, '  ');
}
