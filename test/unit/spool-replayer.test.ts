import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SpoolReplayer, type ReplayGate } from '../../src/ingest/spool-replayer.js';
import { Pipeline } from '../../src/pipeline.js';
import { Logger } from '../../src/util/log.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { loadFrames } from '../helpers/recorded-run.js';
import { ROOT, tempDir } from '../helpers/sidecar-run.js';

/** A spool file of the `features` run whose ansible-playbook is gone. */
function spooled(): { dir: string; run: string } {
  const dir = tempDir();
  const run = loadFrames('features')[0]!.run;
  const deadPid = Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
  copyFileSync(join(ROOT, 'test/fixtures/features.ndjson'), join(dir, `${run}-${deadPid}.ndjson`));
  return { dir, run };
}

function replayer(dir: string, gate: ReplayGate): { scan: () => Promise<void>; runsEnded: () => number } {
  const pipeline = new Pipeline(new MemoryWriter(), new Logger(() => {}), () => {});
  const r = new SpoolReplayer(dir, pipeline, new Logger(() => {}), 0, gate);
  return { scan: () => r.scan(), runsEnded: () => pipeline.counters.runsEnded };
}

describe('the spool replayer and the export ledger', () => {
  it('removes the spool file of a run already exported whole without replaying it (no outputs run twice)', async () => {
    const { dir, run } = spooled();
    const r = replayer(dir, { done: (id) => id === run, settle: async () => true });
    await r.scan();
    expect(r.runsEnded()).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('deletes a replayed file only once its spans settled', async () => {
    const { dir } = spooled();
    let settled: (ok: boolean) => void = () => {};
    let asked: () => void = () => {};
    const settling = new Promise<void>((resolve) => (asked = resolve));
    const r = replayer(dir, {
      done: () => false,
      settle: () => {
        asked();
        return new Promise((resolve) => (settled = resolve));
      },
    });
    const scan = r.scan();
    await settling; // the run was replayed; its export has not settled yet
    expect(r.runsEnded()).toBe(1);
    expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`\\.replaying-${process.pid}$`))]); // a crash now: replayed again
    settled(true);
    await scan;
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps the claimed file for the next sidecar when an export of the run failed', async () => {
    const { dir } = spooled();
    const r = replayer(dir, { done: () => false, settle: async () => false });
    await r.scan();
    expect(readdirSync(dir)).toEqual([expect.stringMatching(/\.replaying-\d+$/)]);
  });
});
