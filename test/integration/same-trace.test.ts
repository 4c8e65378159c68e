// features.yml on the system's ansible-core (2.14) and on Debian 13's 2.19, both live in this test:
// the same span tree (names, parents), statuses, host statuses and event names. The differences
// allowed are ansible-core's own documented behaviour changes (docs/compatibility.md), each
// normalised below by name; anything else fails. Without the 2.19 dir (scripts/ansible-core-2.19.sh)
// the 2.19 half is skipped with a message, except under CI=true, where that is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ansible219Bin, ansibleVersion, pathWith } from '../helpers/ansible-version.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';

const BIN_219 = ansible219Bin();
const IN_CI = process.env.CI === 'true';
if (!BIN_219 && !IN_CI) console.warn('same-trace.test.ts: no ansible-core 2.19 (run sh scripts/ansible-core-2.19.sh): its half is skipped');

/**
 * The allowed differences, one line each with its section of docs/compatibility.md. Both traces
 * pass through the same normalisation; nothing else is dropped.
 * - 4 "Message wording": status messages ("Task failed: …") are not compared, status codes are.
 * - 5 "include_role counts as ok": stats' ok (root ansible.stats.*) is not part of the shape.
 * - "Same on both", async polls: how many polls happen depends on timing, so each span's event
 *   names are compared as a set, not a count.
 */
const shape = (tree: SpanTree): string[] => tree.shape(tree.spans, { attributes: ['ansible.task.host.status'], events: true });

interface Run {
  version: string;
  r: CliResult;
  tree: SpanTree;
}
const receivers: OtlpReceiver[] = [];

async function features(bin: string | undefined): Promise<Run> {
  const receiver = new OtlpReceiver();
  receivers.push(receiver);
  const url = await receiver.start();
  const r = await runPlaybooks(['features.yml'], cleanEnv({ PATH: pathWith(bin), OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() }));
  return { version: ansibleVersion(bin), r, tree: new SpanTree(receiver.spans) };
}

let v214: Run;
let v219: Run | undefined;
beforeAll(async () => {
  if (!BIN_219 && IN_CI) throw new Error('CI=true but no ansible-core 2.19: npm pretest runs scripts/ansible-core-2.19.sh, which failed or was skipped');
  [v214, v219] = await Promise.all([features(undefined), BIN_219 ? features(BIN_219) : Promise.resolve(undefined)]);
}, 480_000);
afterAll(async () => {
  for (const r of receivers) await r.stop();
});

describe.skipIf(!BIN_219 && !IN_CI)('features.yml: the same trace on ansible-core 2.14 and 2.19', () => {
  it('runs the system 2.14 and the 2.19 next to it, both to exit 4 (unreachable host)', () => {
    expect(v214.version).toMatch(/core 2\.14\./);
    expect(v219!.version).toMatch(/core 2\.19\./);
    for (const { r } of [v214, v219!]) expect(r.code, r.stderr).toBe(4);
  });

  it('gives the same span tree, statuses, host statuses and event names', () => {
    expect(v214.tree.spans.length).toBeGreaterThan(50);
    expect(shape(v219!.tree)).toEqual(shape(v214.tree));
  });

  it('puts ansible.notify on every notifying host span, on both (ansible-core 2.18+ calls v2_playbook_on_notify only at the flush)', () => {
    for (const { tree } of [v214, v219!]) {
      const greet = tree.one('Greet');
      const hosts = tree.children(greet);
      expect(hosts.map((h) => h.name).sort()).toEqual(['h1', 'h2']);
      for (const host of hosts)
        expect(
          host.events.map((e) => e.name),
          `${host.name} of Greet`,
        ).toContain('ansible.notify');
      for (const play of tree.children(tree.one('RUN features.yml'))) expect(play.events.map((e) => e.name)).not.toContain('ansible.notify');
    }
  });
});
