// What the program and the shim declare about their options, and where the docs' tables say
// otherwise. Pure: the tests hand in the commander program, ansible-doc's JSON and the Markdown.
import type { Command, Option } from 'commander';
import { codeSpans, tableRows } from './markdown.js';

export const OPTION_TABLE = ['option', 'commands', 'default', 'meaning'];
export const COMMAND_TABLE = ['command', 'what it does'];
export const SHIM_TABLE = ['ini key', 'env', 'default', 'meaning'];

/** An environment variable's name, as the help and the docs write it. */
const VAR = /\$?\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)\b/g;
const envName = (span: string): string | undefined => /^([A-Z][A-Z0-9]*_[A-Z0-9_]+)(=.*)?$/.exec(span)?.[1];
const sameSet = (a: Iterable<string>, b: Iterable<string>): boolean => [...new Set(a)].sort().join() === [...new Set(b)].sort().join();

/** One option as every command that takes it declares it. */
export interface CliOption {
  long: string;
  flags: string[];
  commands: string[];
  /** The default the help states: commander's, else "default X" in the description, else off / —. */
  defaults: Set<string>;
  /** Variables that set it: commander's `.env()`, else "env NAME" in the description. */
  env: Set<string>;
  /** Every variable its help names (the docs may name these, and must). */
  named: Set<string>;
  choices: string[];
}

function defaultOf(o: Option): string {
  if (o.defaultValue !== undefined && o.defaultValue !== false) return String(o.defaultValue);
  const described = /\bdefault:? ([^;)]+)/.exec(o.description)?.[1]?.trim();
  if (described) return described;
  return o.negate || o.isBoolean() ? 'off' : '—';
}

/** Every option of every command of `program`, by long flag. */
export function cliOptions(program: Command): Map<string, CliOption> {
  const out = new Map<string, CliOption>();
  for (const command of program.commands) {
    for (const o of command.options) {
      const long = o.long ?? o.short!;
      const fact = out.get(long) ?? { long, flags: [], commands: [], defaults: new Set(), env: new Set(), named: new Set(), choices: [] };
      for (const f of [o.short, o.long]) if (f && !fact.flags.includes(f)) fact.flags.push(f);
      fact.commands.push(command.name());
      fact.defaults.add(defaultOf(o));
      if (o.envVar) fact.env.add(o.envVar);
      for (const m of o.description.matchAll(/\benv ([A-Z][A-Z0-9_]+)/g)) fact.env.add(m[1]!);
      for (const name of [...(o.envVar ? [o.envVar] : []), ...[...o.description.matchAll(VAR)].map((m) => m[1]!)]) fact.named.add(name);
      for (const c of o.argChoices ?? []) if (!fact.choices.includes(c)) fact.choices.push(c);
      out.set(long, fact);
    }
  }
  return out;
}

interface OptionRow {
  flags: string[];
  commands: string[];
  defaultText: string;
  env: string[];
  text: string;
}

/** The rows of the option tables (`| option | commands | default | meaning |`) of a Markdown file. */
export function optionRows(md: string): OptionRow[] {
  return tableRows(md, OPTION_TABLE).map(([option = '', commands = '', def = '', meaning = '']) => ({
    flags: codeSpans(option)
      .map((s) => s.split(' ')[0]!)
      .filter((f) => f.startsWith('-')),
    commands: commands
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean),
    defaultText: def.split(' (')[0]!.replaceAll('`', '').trim(),
    env: codeSpans(def)
      .map(envName)
      .filter((n): n is string => !!n),
    text: [option, commands, def, meaning].join(' | '),
  }));
}

/** Where one documented row disagrees with the option it documents. */
function rowProblems(where: string, row: OptionRow, o: CliOption, fullText: string): string[] {
  const p: string[] = [];
  const name = `${where}: ${o.long}`;
  if (!sameSet(row.commands, o.commands)) p.push(`${name}: commands "${row.commands.join(', ')}", but ${o.commands.join(', ')} take it`);
  if (o.defaults.size > 1) p.push(`${name}: the commands' help gives different defaults: ${[...o.defaults].join(' / ')}`);
  else if (row.defaultText !== [...o.defaults][0]) p.push(`${name}: default "${row.defaultText}", but the help says "${[...o.defaults][0]}"`);
  for (const v of o.env) if (!row.env.includes(v)) p.push(`${name}: env ${v} is not in its default column`);
  for (const v of row.env) if (!o.named.has(v)) p.push(`${name}: documents env ${v}, which its help does not name`);
  for (const v of o.named) if (!fullText.includes(v)) p.push(`${name}: its help names ${v}, its row does not`);
  for (const c of o.choices) if (!fullText.includes(`\`${c}\``)) p.push(`${name}: choice ${c} is not documented`);
  return p;
}

/** configuration.md against the program: every command, every option in one row, nothing extra. */
export function configurationProblems(program: Command, md: string): string[] {
  const p: string[] = [];
  const commands = tableRows(md, COMMAND_TABLE).map(([c = '']) => /^ansible-otel (\S+)/.exec(codeSpans(c)[0] ?? '')?.[1] ?? c);
  const names = program.commands.map((c) => c.name());
  for (const c of names) if (!commands.includes(c)) p.push(`configuration.md: command ${c} is not in the commands table`);
  for (const c of commands) if (!names.includes(c)) p.push(`configuration.md: documents command ${c}, which the program does not have`);

  const options = cliOptions(program);
  const rows = optionRows(md);
  for (const row of rows) {
    const owners = new Set(row.flags.map((f) => [...options.values()].find((o) => o.flags.includes(f))));
    if (owners.has(undefined)) p.push(`configuration.md: documents ${row.flags.join(', ')}, which no command has`);
    else if (owners.size > 1) p.push(`configuration.md: one row for ${row.flags.join(', ')}: one option per row`);
  }
  for (const o of options.values()) {
    const mine = rows.filter((r) => r.flags.some((f) => o.flags.includes(f)));
    if (mine.length !== 1) p.push(`configuration.md: ${o.long} is in ${mine.length} rows of the option table (one expected)`);
    else p.push(...rowProblems('configuration.md', mine[0]!, o, mine[0]!.text));
  }
  return p;
}

/** A short table elsewhere (README): every row is an option, documented as configuration.md's is. */
export function shortTableProblems(where: string, program: Command, md: string): string[] {
  const options = [...cliOptions(program).values()];
  const p: string[] = [];
  for (const row of optionRows(md)) {
    const o = options.find((x) => row.flags.some((f) => x.flags.includes(f)));
    if (!o || !row.flags.every((f) => o.flags.includes(f))) p.push(`${where}: documents ${row.flags.join(', ')}, which is not one option of the program`);
    else p.push(...rowProblems(where, row, o, row.text));
  }
  return p;
}

/** "`--flag …` (run, serve)" in prose: the commands named must be the ones that take it. */
export function proseCommandProblems(where: string, program: Command, md: string): string[] {
  const options = cliOptions(program);
  const names = program.commands.map((c) => c.name()).join('|');
  const pattern = new RegExp(`\`(--[a-z][a-z0-9-]*)[^\`]*\` \\(((?:${names})(?:, (?:${names}))*)\\)`, 'g');
  const p: string[] = [];
  for (const m of md.matchAll(pattern)) {
    const o = options.get(m[1]!);
    const said = m[2]!.split(', ');
    if (!o) p.push(`${where}: ${m[1]} (${m[2]}): no such option`);
    else if (!sameSet(said, o.commands)) p.push(`${where}: ${m[1]} (${m[2]}), but ${o.commands.join(', ')} take it`);
  }
  return p;
}

/** One option as ansible-doc --json gives it. */
export interface ShimOption {
  description: string[];
  default?: unknown;
  env?: { name: string }[];
  ini?: { section: string; key: string }[];
  choices?: string[];
}

/** What the docs' default column must say for a shim option's default. */
function shimDefaultProblem(o: ShimOption, cell: string): string | undefined {
  const head = cell.split(' (')[0]!.replaceAll('`', '').trim();
  const d = o.default;
  if (Array.isArray(d)) {
    const spans = codeSpans(cell);
    const items = spans.length ? spans : head.split(',').map((s) => s.trim());
    return items.join('\n') === d.join('\n') ? undefined : `default is the list ${JSON.stringify(d)}, the docs give ${JSON.stringify(items)}`;
  }
  if (typeof d === 'number') return Number(head) === d ? undefined : `default ${d}, the docs say "${head}"`;
  if (typeof d === 'boolean') return head === String(d) ? undefined : `default ${d}, the docs say "${head}"`;
  if (typeof d === 'string' && d !== '') return head === d ? undefined : `default "${d}", the docs say "${head}"`;
  // Empty or none: the default the description gives ("When empty, C(…) …"), else none.
  const whenEmpty = o.description.join(' ').match(/When empty, ([^.]*(?:\.[^ ][^.]*)*)\./)?.[1];
  const paths = whenEmpty ? [...whenEmpty.matchAll(/C\(([^)]+)\)/g)].map((m) => m[1]!) : [];
  if (!paths.length) return head === '—' ? undefined : `no default, the docs say "${head}"`;
  const missing = paths.filter((x) => !cell.includes(x));
  return missing.length ? `the default the description gives (${paths.join(', ')}) is not in the docs: ${missing.join(', ')}` : undefined;
}

/** configuration.md's shim table against the shim's DOCUMENTATION as ansible-doc reads it. */
export function shimProblems(options: Record<string, ShimOption>, md: string): string[] {
  const p: string[] = [];
  const rows = tableRows(md, SHIM_TABLE).map(([keys = '', env = '', def = '', meaning = '']) => ({
    keys: codeSpans(keys),
    env: codeSpans(env)
      .map(envName)
      .filter((n): n is string => !!n),
    def,
    text: [keys, env, def, meaning].join(' | '),
  }));
  const keyOf = (name: string, o: ShimOption): string | undefined =>
    o.ini?.find((i) => i.section === 'callback_otel_sidecar')?.key ?? (o.ini ? undefined : name);
  for (const [name, o] of Object.entries(options)) {
    if (!o.env?.length) p.push(`shim option ${name}: no environment variable in DOCUMENTATION`);
    if (!o.ini?.some((i) => i.section === 'callback_otel_sidecar')) p.push(`shim option ${name}: no [callback_otel_sidecar] ini key in DOCUMENTATION`);
  }
  for (const row of rows)
    for (const k of row.keys)
      if (!Object.entries(options).some(([n, o]) => keyOf(n, o) === k)) p.push(`shim table: documents ${k}, which the shim does not have`);
  for (const [name, o] of Object.entries(options)) {
    const key = keyOf(name, o) ?? name;
    const mine = rows.filter((r) => r.keys.includes(key));
    if (mine.length !== 1) {
      p.push(`shim table: ${key} is in ${mine.length} rows (one expected)`);
      continue;
    }
    const row = mine[0]!;
    const rowOptions = Object.entries(options).filter(([n, x]) => row.keys.includes(keyOf(n, x) ?? n));
    const env = rowOptions.flatMap(([, x]) => (x.env ?? []).map((e) => e.name));
    if (!sameSet(row.env, env)) p.push(`shim table: ${key}: env ${row.env.join(', ') || '—'}, DOCUMENTATION has ${env.join(', ')}`);
    const def = shimDefaultProblem(o, row.def);
    if (def) p.push(`shim table: ${key}: ${def}`);
    for (const c of o.choices ?? []) if (!row.text.includes(`\`${c}\``) && !row.text.includes(c)) p.push(`shim table: ${key}: choice ${c} is not documented`);
  }
  return p;
}
