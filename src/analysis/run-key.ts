// What makes two runs comparable: the same playbook, inventory, --limit, tags and check mode.
// Read from the command line the shim sends (hello.argv, -e values already redacted): pure.
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';

export interface RunKey {
  /** Absolute playbook path. */
  playbook: string;
  /** -i / --inventory values, in order (relative paths made absolute against the run's cwd). */
  inventory: string[];
  /** --limit values, joined by `:` as ansible joins several. */
  limit: string;
  /** --tags and --skip-tags, each sorted. */
  tags: string[];
  skipTags: string[];
  check: boolean;
}

const INVENTORY = new Set(['-i', '--inventory', '--inventory-file']);
const LIMIT = new Set(['-l', '--limit']);
const TAGS = new Set(['-t', '--tags']);
const SKIP_TAGS = new Set(['--skip-tags']);

/** The options of the key, each with its value (`-i x`, `-ix`, `--inventory=x`). */
function optionValues(argv: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    if (eq > 0) out.push([a.slice(0, eq), a.slice(eq + 1)]);
    else if (INVENTORY.has(a) || LIMIT.has(a) || TAGS.has(a) || SKIP_TAGS.has(a)) out.push([a, argv[++i] ?? '']);
    else if (/^-[ilt]./.test(a)) out.push([a.slice(0, 2), a.slice(2)]);
  }
  return out;
}

const list = (values: string[]): string[] => [...new Set(values.flatMap((v) => v.split(',')).map((v) => v.trim()))].filter(Boolean).sort();

/** The key of a playbook run; `cwd` resolves a relative inventory path (a host list `a,b,` stays as it is). */
export function runKey(playbook: string, argv: string[] | undefined, cwd: string | undefined, check: boolean | undefined): RunKey {
  const inventory: string[] = [];
  const limit: string[] = [];
  const tags: string[] = [];
  const skipTags: string[] = [];
  for (const [option, value] of optionValues(argv ?? [])) {
    if (INVENTORY.has(option)) inventory.push(!value.includes(',') && cwd && !isAbsolute(value) ? resolve(cwd, value) : value);
    else if (LIMIT.has(option)) limit.push(value);
    else if (TAGS.has(option)) tags.push(value);
    else if (SKIP_TAGS.has(option)) skipTags.push(value);
  }
  return { playbook, inventory, limit: limit.join(':'), tags: list(tags), skipTags: list(skipTags), check: check === true };
}

/** 16 hex digits naming a key: its history file. */
export function keyId(key: RunKey): string {
  return createHash('sha256')
    .update(JSON.stringify([key.playbook, key.inventory, key.limit, key.tags, key.skipTags, key.check]))
    .digest('hex')
    .slice(0, 16);
}

/** The key in a few words, for messages. */
export function keyText(key: RunKey): string {
  const parts = [key.playbook];
  if (key.inventory.length) parts.push(`-i ${key.inventory.join(' -i ')}`);
  if (key.limit) parts.push(`--limit ${key.limit}`);
  if (key.tags.length) parts.push(`--tags ${key.tags.join(',')}`);
  if (key.skipTags.length) parts.push(`--skip-tags ${key.skipTags.join(',')}`);
  if (key.check) parts.push('--check');
  return parts.join(' ');
}
