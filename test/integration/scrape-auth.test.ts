// A scrape endpoint reachable from other machines must ask for a token.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli, tempDir } from '../helpers/sidecar-run.js';
import { startServe } from '../helpers/serve-process.js';

describe('serve --prometheus-host off loopback', () => {
  it('refuses to start without a token, and says why', async () => {
    const r = await runCli(['serve', '--socket', join(tempDir(), 's.sock'), '--prometheus-port', '0', '--prometheus-host', '0.0.0.0'], cleanEnv({}));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/0\.0\.0\.0 is reachable from other machines: give the endpoint a token/);
  });

  it('answers 401 without the bearer token and the metrics with it', async () => {
    const serve = await startServe(
      ['--socket', join(tempDir(), 's.sock'), '--prometheus-port', '0', '--prometheus-host', '0.0.0.0'],
      cleanEnv({ ANSIBLE_OTEL_PROMETHEUS_TOKEN: 'scrape-secret' }),
    );
    const port = /metrics → http:\/\/0\.0\.0\.0:(\d+)\/metrics/.exec(serve.stderr.text())![1];
    const url = `http://127.0.0.1:${port}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong-secret!' } })).status).toBe(401);
    const ok = await fetch(url, { headers: { authorization: 'Bearer scrape-secret' } });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toMatch(/ansible_sidecar_frame_received/);
    expect(await serve.stop()).toBe(0);
    expect(serve.stderr.text()).not.toContain('scrape-secret');
  });
});
