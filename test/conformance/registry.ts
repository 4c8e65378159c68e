// The semantic conventions registry as the pinned @opentelemetry/semantic-conventions has it: every
// attribute key it defines (its ATTR_* exports), the ones it marks deprecated (in the JSDoc of
// its type declarations), the values of every enum attribute (<ATTR>_VALUE_*) and the metric
// names (METRIC_*). The conformance checks take the registry from here, never from a list of ours.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as semconv from '@opentelemetry/semantic-conventions/incubating';

export interface Registry {
  /** The package's version: the semconv release it was generated from. */
  version: string;
  /** Every attribute key, deprecated ones included. */
  keys: Set<string>;
  deprecated: Set<string>;
  /** Enum attributes: their values, deprecated values left out. */
  enums: Map<string, Set<string>>;
  metrics: Set<string>;
}

const require = createRequire(import.meta.url);
const DIST = dirname(require.resolve('@opentelemetry/semantic-conventions'));

/** Names of the constants whose JSDoc says `@deprecated`. */
function deprecatedNames(): Set<string> {
  const names = new Set<string>();
  for (const file of ['stable_attributes.d.mts', 'experimental_attributes.d.mts']) {
    const text = readFileSync(join(DIST, file), 'utf8');
    for (const m of text.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*declare const (\w+):/g)) if (m[1]!.includes('@deprecated')) names.add(m[2]!);
  }
  return names;
}

function version(): string {
  // the package's exports do not include its package.json: it is one level above dist/
  return (JSON.parse(readFileSync(join(DIST, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function loadRegistry(): Registry {
  const exports = semconv as unknown as Record<string, unknown>;
  const deprecatedConsts = deprecatedNames();
  const keys = new Set<string>();
  const deprecated = new Set<string>();
  const enums = new Map<string, Set<string>>();
  const metrics = new Set<string>();
  const strings = Object.entries(exports).filter((e): e is [string, string] => typeof e[1] === 'string');
  const valueConsts = strings.filter(([n]) => n.includes('_VALUE_') && !deprecatedConsts.has(n));
  for (const [name, value] of strings) {
    if (name.startsWith('METRIC_')) metrics.add(value);
    if (!name.startsWith('ATTR_')) continue;
    keys.add(value);
    if (deprecatedConsts.has(name)) deprecated.add(value);
    const prefix = `${name.slice('ATTR_'.length)}_VALUE_`;
    const values = valueConsts.filter(([n]) => n.startsWith(prefix)).map(([, v]) => v);
    if (values.length) enums.set(value, new Set(values));
  }
  return { version: version(), keys, deprecated, enums, metrics };
}
