// One describe block per corpus case: the runs once (beforeAll), then each differential check as a
// test of its own, so a failure names the check and lists every discrepancy it found.
import { beforeAll, describe, expect, it } from 'vitest';
import { ANSIBLE_BIN, ansibleVersion } from '../helpers/ansible-version.js';
import { compareRecap, compareResults, compareRetries, compareRootResult, compareShapes, compareTaskOrder, compareTree, rulesFor, shape } from './compare.js';
import { runCase, type Case, type CaseRuns } from './run-case.js';

const VERSION = ansibleVersion(ANSIBLE_BIN);
const RULES = rulesFor(VERSION);

function atLeast(since: string | undefined): boolean {
  if (!since) return true;
  const [want, have] = [since, /core (\d+\.\d+)/.exec(VERSION)?.[1] ?? '0.0'].map((v) => v.split('.').map(Number)) as [number[], number[]];
  return have[0]! > want[0]! || (have[0] === want[0] && have[1]! >= want[1]!);
}

const none = (problems: string[]) => expect(problems, problems.join('\n')).toEqual([]);

export function differential(cases: Case[]): void {
  for (const c of cases) {
    describe.skipIf(!atLeast(c.since))(`${c.id} (${c.covers}) on ${VERSION}`, () => {
      let runs: CaseRuns;
      beforeAll(async () => {
        runs = await runCase(c);
      }, 600_000);

      it('keeps the exit code and the recap of a plain run', () => {
        for (const t of runs.traced) {
          expect(t.code, t.raw.stderr).toBe(runs.plain.code);
          expect(Object.fromEntries(t.output.recap)).toEqual(Object.fromEntries(runs.plain.output.recap));
        }
      });

      it('has a span for every result line and a result line for every host span', () => {
        for (const t of runs.traced) none(compareResults(t.output, t.spans, RULES, c.ordered ?? false));
      });

      it('has the retries ansible printed', () => {
        for (const t of runs.traced) none(compareRetries(t.output, t.spans));
      });

      it('counts what the PLAY RECAP counts', () => {
        for (const t of runs.traced) none(compareRecap(t.output, t.spans, RULES));
      });

      it("carries the exit code's result on the root", () => {
        for (const t of runs.traced) none(compareRootResult(t.code, t.output, t.spans, c.stop?.signal === 'SIGKILL'));
      });

      it('is one well-formed tree per playbook: no duplicate ids, no orphans, children inside their parents', () => {
        for (const t of runs.traced) {
          expect(t.spans.length).toBeGreaterThan(0);
          none(compareTree(t.spans));
        }
      });

      it.skipIf(!c.ordered)('under linear, has the task spans in the order of the banners', () => {
        for (const t of runs.traced) none(compareTaskOrder(t.output, t.spans));
      });

      it('has the same tree shape at -f 5 and -f 1 (and twice at -f 5)', () => {
        const [first, ...rest] = runs.traced.map((t) => shape(t.spans));
        for (const other of rest) none(compareShapes(first!, other));
      });
    });
  }
}
