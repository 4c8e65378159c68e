// serve picks up the runs the shim spooled while no sidecar listened (docs/protocol.md, "Spool files").
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { startServe } from '../helpers/serve-process.js';
import { loadFrames } from '../helpers/recorded-run.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

/** A pid that surely belongs to no process any more. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());
}

describe('serve and spool files', () => {
  it('replays a spooled run whose ansible-playbook is gone, deletes it, and leaves a live one alone', async () => {
    const spool = tempDir();
    const run = loadFrames('features')[0]!.run;
    const done = join(spool, `${run}-${deadPid()}.ndjson`);
    const live = join(spool, `${loadFrames('small-a-b-check')[0]!.run}-${process.pid}.ndjson`);
    copyFileSync(join(ROOT, 'test/fixtures/features.ndjson'), done);
    copyFileSync(join(ROOT, 'test/fixtures/small-a-b-check.ndjson'), live);

    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, ANSIBLE_OTEL_SPOOL_DIR: spool });
    const serve = await startServe(['--socket', join(tempDir(), 's.sock')], env);
    await serve.stderr.waitFor('replayed the spooled run');
    expect(await serve.stop()).toBe(0);
    expect(serve.stderr.text()).toMatch(/features\.yml: failure, trace [0-9a-f]{32}/);
    expect(existsSync(done)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(readdirSync(spool)).toEqual([live.split('/').pop()]);
    const root = receiver.spans.find((s) => s.name === 'RUN features.yml')!;
    expect(root.attributes['ansible.session']).toBe(run);
    expect(receiver.spans.filter((s) => s.traceId === root.traceId).length).toBeGreaterThan(50);
  });
});
