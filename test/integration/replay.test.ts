// A run recorded live (--record-frames) and replayed later gives the very same spans.
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runCli, runPlaybooks, tempDir } from '../helpers/sidecar-run.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

const ids = (spans: typeof receiver.spans): string[] =>
  spans.map((s) => `${s.traceId}/${s.parentSpanId}/${s.spanId} ${s.name} ${s.startNs}-${s.endNs} ${s.status.code}`).sort();

describe('ansible-otel replay', () => {
  it("re-creates the live run's spans with the same ids, skipping a bad line with one warning", async () => {
    const frames = join(tempDir(), 'frames.ndjson');
    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() });
    const live = await runPlaybooks(['small-a.yml'], env, { sidecarArgs: ['--record-frames', frames] });
    expect(live.code, live.stderr).toBe(0);
    const liveSpans = receiver.spans.splice(0);
    expect(liveSpans.length).toBe(4);
    appendFileSync(frames, '{"v":1,"t":"host_result" this line is damaged\n');

    // The live sidecar's ledger has the run as sent whole: sent again only on purpose.
    const replay = await runCli(['replay', '--force', frames], env);
    expect(replay.code, replay.stderr).toBe(0);
    expect(replay.stderr).toMatch(/frames\.ndjson:\d+: bad_json/);
    expect(replay.stderr.match(/warning/g)).toHaveLength(1);
    expect(ids(receiver.spans)).toEqual(ids(liveSpans));
  });

  it('sends a recording once: a second replay sends nothing, --force sends it again', async () => {
    receiver.spans.splice(0); // the test before leaves its replay's
    receiver.logRecords.splice(0);
    const frames = join(tempDir(), 'frames.ndjson');
    const live = await runPlaybooks(['small-a.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir() }), {
      sidecarArgs: ['--record-frames', frames],
    });
    expect(live.code, live.stderr).toBe(0);
    const liveSpans = receiver.spans.splice(0);
    receiver.logRecords.splice(0);
    // Another ledger than the live sidecar's: to it, the run was never sent.
    const env = cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url });
    const first = await runCli(['replay', frames], env);
    expect(first.code, first.stderr).toBe(0);
    expect(ids(receiver.spans.splice(0))).toEqual(ids(liveSpans));
    const logs = receiver.logRecords.splice(0).length;
    expect(logs).toBeGreaterThan(0);

    const second = await runCli(['replay', frames], env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/was sent whole before: skipped \(--force sends it again\)/);
    expect(receiver.spans.length + receiver.logRecords.length).toBe(0);

    const forced = await runCli(['replay', '--force', frames], env);
    expect(forced.code, forced.stderr).toBe(0);
    expect(ids(receiver.spans.splice(0))).toEqual(ids(liveSpans));
    expect(receiver.logRecords.splice(0).length).toBe(logs);
  });
});
