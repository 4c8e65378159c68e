// fast-check arbitraries derived from the frame schema (src/protocol/schema.ts), and mutations of
// frames: a new field in the schema is fuzzed without touching the tests.
import fc from 'fast-check';
import type { TSchema } from '@sinclair/typebox';
import { FRAMES } from '../../src/protocol/schema.js';
import { frameTypes } from '../../src/protocol/decode.js';

type Json = unknown;

// Strings from a small alphabet, so a sequence hits the same tasks, hosts, plays and scopes often.
const word = fc.constantFrom('a', 'b', 'c', '', 'h1', 'h2', 'role : a');

/** Values that satisfy `schema` (the subset of JSON Schema the frame schema uses). */
export function arbitraryOf(schema: TSchema): fc.Arbitrary<Json> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.anyOf) return fc.oneof(...(schema.anyOf as TSchema[]).map(arbitraryOf));
  switch (schema.type) {
    case 'string':
      return schema.minLength ? word.filter((w) => w.length >= schema.minLength) : word;
    case 'integer': {
      const min = schema.minimum ?? -2;
      const max = Math.min(schema.maximum ?? Infinity, (schema.exclusiveMaximum ?? Infinity) - 1, min + 5);
      return fc.integer({ min, max });
    }
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryOf(schema.items as TSchema), { maxLength: 3 });
    case 'object': {
      if (schema.patternProperties) {
        const [values] = Object.values(schema.patternProperties as Record<string, TSchema>);
        return fc.dictionary(word, arbitraryOf(values!), { maxKeys: 3 });
      }
      const props = schema.properties as Record<string, TSchema>;
      const required = (schema.required as string[] | undefined) ?? [];
      return fc.record(Object.fromEntries(Object.entries(props).map(([k, v]) => [k, arbitraryOf(v)])), { requiredKeys: required });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 }); // Unknown: any JSON
  }
}

const ENVELOPE = new Set(['v', 'run', 'seq', 'ts']);

/** A frame body (no envelope) of any type, valid by the schema. */
export const frameBody: fc.Arbitrary<Record<string, Json>> = fc.oneof(
  ...Object.values(FRAMES).flatMap((schema) =>
    frameTypes(schema).map((t) => {
      const props = Object.fromEntries(Object.entries(schema.properties).filter(([k]) => !ENVELOPE.has(k) && k !== 't'));
      return arbitraryOf({ ...schema, properties: props, required: (schema.required ?? []).filter((k: string) => k in props) } as TSchema).map((body) => ({
        ...(body as object),
        t,
      }));
    }),
  ),
);

/** Hostile values: wrong types, nulls, extreme numbers, deep nesting. */
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(null, '', 'x', -1, -1e300, 1e300, 2 ** 64, 0.5, true, [], {}, [null], { h: null }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.integer({ min: 1, max: 2000 }).map((depth) => {
    let v: Json = 1;
    for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
    return v;
  }),
);

/** Mutates one frame: a key (envelope included) set to a hostile value, dropped, or a new one. */
export const mutation: fc.Arbitrary<(frame: Record<string, Json>) => Record<string, Json>> = fc.oneof(
  fc.tuple(fc.nat(), hostileValue).map(([i, value]) => (f: Record<string, Json>) => {
    const keys = Object.keys(f);
    return { ...f, [keys[i % keys.length]!]: value };
  }),
  fc.nat().map((i) => (f: Record<string, Json>) => {
    const keys = Object.keys(f);
    const copy = { ...f };
    delete copy[keys[i % keys.length]!];
    return copy;
  }),
  fc.tuple(fc.string({ maxLength: 8 }), hostileValue).map(([key, value]) => (f: Record<string, Json>) => ({ ...f, [key]: value })),
);
