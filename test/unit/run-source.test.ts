// What compare and run --baseline FILE read a run from: a bad line of the file is skipped with
// one warning, and the run is read from the rest (the recorded real runs of test/fixtures).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadRun } from '../../src/history/run-source.js';
import { FIXTURES } from '../helpers/recorded-run.js';
import { tempDir } from '../helpers/sidecar-run.js';

const dir = tempDir('run-source-');

/** The fixture with a bad line after its first and a torn copy of its last line at the end. */
function damaged(name: string): string {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').trimEnd().split('\n');
  const path = join(dir, name);
  writeFileSync(path, [lines[0], '{"oops": ', ...lines.slice(1), lines.at(-1)!.slice(0, 50)].join('\n'));
  return path;
}

describe('loadRun', () => {
  for (const [what, name] of [
    ['a traces file', 'small-a-b-check.traces.jsonl'],
    ['a frames recording', 'small-a-b-check.ndjson'],
  ] as const)
    it(`reads ${what} past its bad lines, with one warning naming the first`, async () => {
      const clean: string[] = [];
      const whole = await loadRun(join(FIXTURES, name), undefined, undefined, (m) => clean.push(m));
      expect(clean).toEqual([]);
      const warnings: string[] = [];
      const path = damaged(name);
      const run = await loadRun(path, undefined, undefined, (m) => warnings.push(m));
      expect(run.runs.map((d) => d.playbook)).toEqual(['small-a.yml', 'small-b.yml']);
      expect(run.runs).toEqual(whole.runs);
      expect(warnings).toEqual([expect.stringMatching(new RegExp(`^${path}:2: .*\\(line skipped.*; 2 bad lines skipped in all\\)$`))]);
    });
});
