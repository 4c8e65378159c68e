// The tables of docs/protocol.md, rendered from the frame schema: the doc cannot drift from what
// the decoder checks (scripts/protocol-doc.mjs writes them; test/unit/protocol-doc.test.ts checks).
import { Type, type TObject, type TSchema } from '@sinclair/typebox';
import { frameTypes } from './decode.js';
import { Envelope, FRAMES, ResultSubset, Scope } from './schema.js';

const code = (v: unknown): string => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

/** A schema's type in words: `string`, `int ≥ 0`, `list of string`, `string or null`… */
export function typeText(s: TSchema): string {
  if (s.const !== undefined) return code(s.const);
  if (s.anyOf) return (s.anyOf as TSchema[]).map(typeText).join(' or ');
  switch (s.type) {
    case 'integer':
      return `int${s.minimum === 0 ? ' ≥ 0' : ''}${s.exclusiveMaximum === 2 ** 63 ? ', < 2^63' : ''}`;
    case 'boolean':
      return 'bool';
    case 'array':
      return `list of ${typeText(s.items as TSchema)}`;
    case 'object':
      if (s.patternProperties)
        return `object of ${Object.values(s.patternProperties as Record<string, TSchema>)
          .map(typeText)
          .join()}`;
      return s.title ? `${s.title} object` : 'object';
    case undefined:
      return 'any JSON';
    default:
      return String(s.type);
  }
}

function meaning(s: TSchema): string {
  return s.description ?? (s.anyOf as TSchema[] | undefined)?.find((x) => x.description)?.description ?? '';
}

/** One row per key (`skip`: keys told elsewhere); optional keys say so. */
function keyTable(o: TObject, skip: ReadonlySet<string> = new Set()): string {
  const required = new Set(o.required ?? []);
  const rows = Object.entries(o.properties)
    .filter(([k]) => !skip.has(k))
    .map(([k, s]) => `| \`${k}\` | ${typeText(s)}${required.has(k) ? '' : ', optional'} | ${meaning(s)} |`);
  return ['| key | type | meaning |', '|-----|------|---------|', ...rows].join('\n');
}

const ENVELOPE_KEYS = new Set([...Object.keys(Envelope.properties), 't']);

function frameSection(o: TObject): string {
  const types = frameTypes(o);
  const keys = Object.keys(o.properties).length > ENVELOPE_KEYS.size ? keyTable(o, ENVELOPE_KEYS) : 'No keys besides the envelope.';
  return [
    `### ${types.map((t) => `\`${t}\``).join(' / ')}`,
    '',
    `Sent on ${o.callback as string}.`,
    '',
    keys,
    ...(o.notes ? ['', o.notes as string] : []),
  ].join('\n');
}

/** The generated blocks of docs/protocol.md, by marker name. */
export function protocolTables(): Record<string, string> {
  const { v, run, seq, ts } = Envelope.properties;
  return {
    envelope: keyTable(Type.Object({ v, t: Type.String({ description: 'frame type (below)' }), run, seq, ts })),
    frames: Object.values(FRAMES).map(frameSection).join('\n\n'),
    scope: keyTable(Scope),
    res: keyTable(ResultSubset),
  };
}

/** `doc` with every `<!-- schema:NAME -->` … `<!-- /schema:NAME -->` block rendered anew. */
export function withProtocolTables(doc: string): string {
  const tables = protocolTables();
  return doc.replace(/(<!-- schema:(\w+) -->)[\s\S]*?(<!-- \/schema:\2 -->)/g, (_all, open: string, name: string, close: string) => {
    const table = tables[name];
    if (table === undefined) throw new Error(`docs: no schema table named ${name}`);
    return `${open}\n${table}\n${close}`;
  });
}
