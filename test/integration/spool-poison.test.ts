// A spool file with a poison frame: exported up to it, its run ended as interrupted, the file
// moved aside as <name>.bad and reported once; a torn last line is no poison.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { STATUS } from '../helpers/otlp-spans.js';
import { ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';
import { startServe } from '../helpers/serve-process.js';
import { loadFrames } from '../helpers/recorded-run.js';
import { until } from '../helpers/until.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

/** A pid that surely belongs to no process any more. */
const deadPid = (): number => Number(spawnSync('sh', ['-c', 'echo $$']).stdout.toString().trim());

const POISON_SEQ = 23; // a task_start in the middle of features.ndjson

describe('serve and a poisoned spool file', () => {
  it('exports the run up to the poison frame, ends it as interrupted, and keeps the file aside as .bad', async () => {
    const spool = tempDir();
    const frames = loadFrames('features');
    const run = frames[0]!.run;
    const lines = readFileSync(join(ROOT, 'test/fixtures/features.ndjson'), 'utf8').split('\n').filter(Boolean);
    const at = lines.findIndex((l) => JSON.parse(l).seq === POISON_SEQ);
    expect(JSON.parse(lines[at]!).t).toBe('task_start');
    lines[at] = JSON.stringify({ ...JSON.parse(lines[at]!), scopes: [null] });
    const poisoned = join(spool, `${run}-${deadPid()}.ndjson`);
    writeFileSync(poisoned, `${lines.join('\n')}\n`);
    // Another run whose shim died mid-write: a torn last line is dropped, the file replayed and deleted.
    const tornRun = loadFrames('small-a-b-check')[0]!.run;
    const torn = join(spool, `${tornRun}-${deadPid()}.ndjson`);
    copyFileSync(join(ROOT, 'test/fixtures/small-a-b-check.ndjson'), torn);
    writeFileSync(torn, `${readFileSync(torn, 'utf8')}{"v":1,"t":"host_res`);

    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, ANSIBLE_OTEL_SPOOL_DIR: spool });
    const serve = await startServe(['--socket', join(tempDir(), 's.sock')], env);
    await until(() => serve.stderr.text().includes('kept aside') && serve.stderr.text().includes('replayed the spooled run'));
    expect(await serve.stop()).toBe(0);
    const err = serve.stderr.text();

    expect(readdirSync(spool)).toEqual([`${poisoned.split('/').pop()}.bad`]);
    expect(err.match(/kept aside/g)).toHaveLength(1);
    expect(err).toContain(`line ${at + 1}: bad_field: task_start /scopes/0: `);

    const root = receiver.spans.find((s) => s.attributes['ansible.session'] === run && s.name === 'RUN features.yml')!;
    expect(root.status.code).toBe(STATUS.ERROR);
    expect(root.attributes['ansible.run.interrupted']).toBe(true);
    const exported = new Set(receiver.spans.filter((s) => s.traceId === root.traceId).map((s) => s.attributes['ansible.task.uuid']));
    const before = frames.filter((f) => f.t === 'task_start' && f.seq < POISON_SEQ).map((f) => (f as { task: string }).task);
    const after = frames.filter((f) => f.t === 'task_start' && f.seq >= POISON_SEQ).map((f) => (f as { task: string }).task);
    for (const task of before) expect(exported).toContain(task);
    for (const task of after.filter((t) => !before.includes(t))) expect(exported).not.toContain(task);
    const open = receiver.spans.filter((s) => s.traceId === root.traceId && s.status.code === STATUS.ERROR && s.attributes['ansible.run.interrupted']);
    expect(open.length).toBeGreaterThan(1); // the play and the task that were open, not only the root

    const tornRoot = receiver.spans.find((s) => s.attributes['ansible.session'] === tornRun)!;
    expect(tornRoot.attributes['ansible.run.interrupted']).toBeUndefined();
    expect(existsSync(torn)).toBe(false);
  });
});
