// What an ansible-runner event's result becomes in a frame: the protocol's result subset, cut as
// the shim cuts it, and the command line redacted as the shim redacts it. The keys and the no_log
// notice come from the protocol's schema, so the import cannot drift from a live run.
import { CENSORED, CENSORED_LABEL, MODULE_RESULT_KEYS } from '../../protocol/schema.js';
import type { ResultSubset } from '../../protocol/frames.js';
import { stripUrlCredentials } from '../../util/redact.js';

/** At most `max` bytes of UTF-8, never half a character, with how much was cut. */
export function clipString(s: string, max: number): string {
  const bytes = Buffer.from(s, 'utf8');
  if (max <= 0 || bytes.length <= max) return s;
  const head = bytes
    .subarray(0, max)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${head}…[truncated ${bytes.length - Buffer.byteLength(head)} bytes]`;
}

function clipValue(v: unknown, max: number): unknown {
  if (typeof v === 'string') return stripUrlCredentials(clipString(v, max));
  if (v !== null && typeof v === 'object') {
    const text = JSON.stringify(v);
    return Buffer.byteLength(text) <= max ? JSON.parse(stripUrlCredentials(text)) : stripUrlCredentials(clipString(text, max));
  }
  return v;
}

/** The protocol's result subset: the schema's module keys only, strings cut; exactly the censored notice under no_log. */
export function resultSubset(res: unknown, max = 4096): { res: ResultSubset; noLog: boolean } {
  const r = res !== null && typeof res === 'object' ? (res as Record<string, unknown>) : {};
  if ('censored' in r || r._ansible_no_log === true) return { res: { censored: CENSORED }, noLog: true };
  const out: Record<string, unknown> = {};
  for (const key of MODULE_RESULT_KEYS) if (key in r && r[key] !== undefined) out[key] = clipValue(r[key], max);
  if (Array.isArray(r.results)) out.results_count = r.results.length;
  return { res: out as ResultSubset, noLog: false };
}

/** A loop item's label as the shim sends it: the censored label under no_log, non-strings as JSON. */
export function itemLabel(raw: Record<string, unknown>, noLog: boolean, max: number): string | undefined {
  if (noLog) return CENSORED_LABEL;
  const item = raw._ansible_item_label ?? raw.item;
  if (item === undefined) return undefined;
  return stripUrlCredentials(clipString(typeof item === 'string' ? item : JSON.stringify(item), max));
}

/** argv as the shim sends it: -e values redacted (unless @file), URL credentials stripped. */
export function redactArgv(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    out.push(stripUrlCredentials(a));
    const m = /^(--extra-vars=|-e)(.+)$/.exec(a);
    if (m && !m[2]!.startsWith('@')) out[out.length - 1] = `${m[1]}<redacted>`;
    else if ((a === '-e' || a === '--extra-vars') && i + 1 < argv.length) {
      const v = argv[++i]!;
      out.push(v.startsWith('@') ? stripUrlCredentials(v) : '<redacted>');
    }
  }
  return out;
}
