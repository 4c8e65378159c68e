// The shim's spool cap (#23): a controller whose sidecar was gone for weeks does not keep every
// run's spool file forever. At the start of a run the shim deletes the files over its age (or
// size) cap, with one warning, and the next sidecar it reaches is told how many runs that cost.
import { spawn } from 'node:child_process';
import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startServe, type ServeProcess } from '../helpers/serve-process.js';
import { INVENTORY, PLAYBOOKS, ROOT, cleanEnv, tempDir } from '../helpers/sidecar-run.js';

/** Above Linux's largest pid_max: the ansible-playbook of these files is gone. */
const GONE_PID = 4194305;

let serve: ServeProcess | undefined;
const receiver = new OtlpReceiver();
afterEach(async () => {
  await serve?.stop();
  await receiver.stop();
});

function playbook(env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('ansible-playbook', ['-i', INVENTORY, join(PLAYBOOKS, 'small-a.yml')], { env });
    let out = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (out += c));
    p.on('close', (code) => resolve({ code, out }));
  });
}

it('deletes spool files older than spool_max_age_days, warns once, and the next sidecar reports the runs it cost', async () => {
  const url = await receiver.start();
  // The sidecar's spool directory is not the controller's: as in another pod, it never sees those files.
  // Metrics to the receiver too: the count is a self-metric, pushed once more when serve stops.
  const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, ANSIBLE_OTEL_DRAIN_TIMEOUT: '30' });
  const socket = join(tempDir(), 's.sock');
  serve = await startServe(['--socket', socket], env);
  const controllerSpool = tempDir('otel-controller-spool-');
  const eightDaysAgo = Date.now() / 1000 - 8 * 86_400;
  for (const run of ['0a', '0b']) {
    const file = join(controllerSpool, `${run}-${GONE_PID}.ndjson`);
    writeFileSync(file, `{"v":1,"t":"hello","run":"${run}","seq":0,"ts":1}\n`);
    utimesSync(file, eightDaysAgo, eightDaysAgo);
  }
  const young = `0c-${GONE_PID}.ndjson`;
  writeFileSync(join(controllerSpool, young), '{}\n');
  const shim = {
    ANSIBLE_CALLBACK_PLUGINS: join(ROOT, 'plugin'),
    ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar',
    ANSIBLE_OTEL_SOCKET: socket,
    ANSIBLE_OTEL_SPOOL_DIR: controllerSpool,
    ANSIBLE_OTEL_SPOOL_MAX_AGE_DAYS: '7',
  };

  const first = await playbook({ ...env, ...shim });
  expect(first.code).toBe(0);
  expect(first.out.match(/over its cap/g)?.length, first.out).toBe(1);
  expect(first.out).toContain('spool_max_age_days=7');
  await serve.stderr.waitFor(/deleted 2 earlier runs \(\d+ bytes of frames\) that no sidecar had taken/);
  // the two old files went, the young one stays; the run was acked: its own file and the count went too
  expect(readdirSync(controllerSpool)).toEqual([young]);

  const second = await playbook({ ...env, ...shim });
  expect(second.code).toBe(0);
  expect(second.out).not.toContain('over its cap');
  await serve.stderr.waitFor(/small-a\.yml: success[\s\S]*small-a\.yml: success/);
  expect(serve.stderr.text().match(/earlier runs? \(/g)?.length).toBe(1); // told once

  // …and counted once: the counter's last value, as serve's final push says it
  expect(await serve.stop()).toBe(0);
  serve = undefined;
  const evicted = receiver.metricRequests.flatMap((r) => r.points).filter((p) => p.metric === 'ansible.sidecar.run.evicted');
  expect(evicted.length).toBeGreaterThan(0);
  expect(evicted.at(-1)).toMatchObject({ value: 2, unit: '{run}' });
});
