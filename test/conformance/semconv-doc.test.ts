// docs/semantic-conventions.md shows the requirement table the conformance test checks against, as
// it is: its attribute tables are the ones scripts/semconv-doc.mjs renders from requirements.json.
// docs/metrics.md lists every metric of the table with its instrument and unit.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { requirementTables, withRequirementTables } from '../../scripts/semconv-doc.mjs';
import { ROOT } from '../helpers/sidecar-run.js';
import type { Table } from './check.js';

const TABLE = JSON.parse(readFileSync(join(import.meta.dirname, 'requirements.json'), 'utf8')) as Table;
const doc = readFileSync(join(ROOT, 'docs/semantic-conventions.md'), 'utf8');

describe('docs/semantic-conventions.md', () => {
  it('has every table of requirements.json, each as it renders (else: node scripts/semconv-doc.mjs)', () => {
    for (const id of Object.keys(requirementTables(TABLE))) expect(doc).toContain(`<!-- requirements:${id} -->`);
    expect(withRequirementTables(doc, TABLE)).toBe(doc);
  });

  it('notices a table that no longer matches the requirements', () => {
    const edited = structuredClone(TABLE);
    edited.subjects[0]!.attributes[0]!.level = 'recommended';
    expect(withRequirementTables(doc, edited)).not.toBe(doc);
  });
});

describe('docs/metrics.md', () => {
  const metricsDoc = readFileSync(join(ROOT, 'docs/metrics.md'), 'utf8');
  const KIND: Record<string, RegExp> = { counter: /^(observable )?counter$/, updowncounter: /^(observable )?up-down counter$/, histogram: /^histogram$/ };

  it('lists every metric of the table with its instrument and unit', () => {
    for (const m of TABLE.metrics) {
      const row = metricsDoc.split('\n').find((l) => l.startsWith(`| \`${m.name}\` |`));
      expect(row, m.name).toBeDefined();
      const [kind, unit] = row!
        .split('|')
        .slice(2, 4)
        .map((c) => c.trim());
      expect(kind, m.name).toMatch(KIND[m.instrument]!);
      expect(unit, m.name).toBe(`\`${m.unit}\``);
    }
  });
});
