// docs/protocol.md shows the frame schema as it is: its tables are the ones schema-doc.ts renders.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { protocolTables, withProtocolTables } from '../../src/protocol/schema-doc.js';
import { ROOT } from '../helpers/sidecar-run.js';

const doc = readFileSync(join(ROOT, 'docs/protocol.md'), 'utf8');

describe('docs/protocol.md', () => {
  it('has every schema table, each as the schema renders it (else: npm run docs:protocol)', () => {
    for (const name of Object.keys(protocolTables())) expect(doc).toContain(`<!-- schema:${name} -->`);
    expect(withProtocolTables(doc)).toBe(doc);
  });

  it('notices a table that no longer matches', () => {
    const edited = doc.replace('| `path` | string | absolute playbook path |', '| `path` | int | absolute playbook path |');
    expect(edited).not.toBe(doc);
    expect(withProtocolTables(edited)).not.toBe(edited);
  });
});
