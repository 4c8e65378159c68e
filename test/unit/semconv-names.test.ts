// Issue #25: wherever @opentelemetry/semantic-conventions defines a name, the code takes it from
// the package (src/model/attributes.ts and the metric recorder import its constants): no quoted
// string in src/ is an attribute key or a metric name of the pinned registry (its namespaced ones:
// `state` or `exception` are also words of ansible's results). Our own names follow semconv's
// naming rules even where no conformance run sends them (a free play's critical path host).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ATTR } from '../../src/model/attributes.js';
import { namingProblems, type Table } from '../conformance/check.js';
import { loadRegistry } from '../conformance/registry.js';
import { ROOT } from '../helpers/sidecar-run.js';

const REGISTRY = loadRegistry();
const NAMES = new Set([...REGISTRY.keys, ...REGISTRY.metrics].filter((n) => n.includes('.')));

/** Quoted strings ('…' and "…": comments name keys in backticks) that are names of the registry. */
function handWritten(text: string): string[] {
  return [...text.matchAll(/'([a-z][a-z0-9_]*\.[a-z0-9_.]+)'|"([a-z][a-z0-9_]*\.[a-z0-9_.]+)"/g)].map((m) => m[1] ?? m[2]!).filter((s) => NAMES.has(s));
}

const sources = readdirSync(join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));

describe('semconv names in src/', () => {
  it('come from the package, never written by hand', () => {
    expect(sources.length).toBeGreaterThan(50);
    const found = sources.flatMap((f) => handWritten(readFileSync(join(ROOT, 'src', f), 'utf8')).map((n) => `src/${f}: ${n}`));
    expect(found).toEqual([]);
  });

  it('finds a key or a metric name written by hand', () => {
    expect(handWritten(`a['cicd.pipeline.name'] = 1; meter.createHistogram("cicd.pipeline.run.duration"); x['ansible.task.name']; r['state']`)).toEqual([
      'cicd.pipeline.name',
      'cicd.pipeline.run.duration',
    ]);
  });

  it("name ours (ansible.*) by semconv's naming rules: every attribute of attributes.ts, every metric of the requirement table", () => {
    const table = JSON.parse(readFileSync(join(ROOT, 'test/conformance/requirements.json'), 'utf8')) as Table;
    const keys = Object.values(ATTR).filter((k) => !k.endsWith('.'));
    expect(keys.length).toBeGreaterThan(100);
    expect(namingProblems(keys, [], table.metrics)).toEqual([]);
    // what the rules find: an attribute below the critical path's attribute, a plural UpDownCounter
    expect(namingProblems([...keys, 'ansible.critical_path.host'], [], [{ name: 'ansible.sidecar.runs', unit: '{run}', instrument: 'updowncounter' }])).toEqual(
      [
        { name: 'ansible.critical_path', what: 'an attribute, and a namespace of ansible.critical_path.host' },
        { name: 'ansible.sidecar.runs', what: 'an UpDownCounter with a plural name' },
      ],
    );
  });
});
