// The OTEL_* variables as the spec says, the embedded default, a collector that is down.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runPlaybooks, tempDir } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { spansOfJsonLines, STATUS } from '../helpers/otlp-spans.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

function namesOf(spans: { name: string }[]): string[] {
  return spans.map((s) => s.name).sort();
}

describe('OTLP export options', () => {
  it('speaks http/json with gzip and the configured headers, and never prints the headers', async () => {
    const before = receiver.requests.length;
    const summaryFile = join(tempDir(), 'step-summary.md');
    const r = await runPlaybooks(
      ['small-b.yml'],
      cleanEnv({
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${url}/v1/traces`,
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20header-secret-42,x-tenant=ops',
        ANSIBLE_OTEL_TRACE_URL: 'http://localhost:16686/trace/{trace_id}',
        GITHUB_ACTIONS: 'true',
        GITHUB_REPOSITORY: 'acme/infra',
        GITHUB_RUN_ID: '4711',
        GITHUB_SHA: 'abc123',
        GITHUB_STEP_SUMMARY: summaryFile,
      }),
    );
    expect(r.code, r.stderr).toBe(0);
    const requests = receiver.requests.slice(before);
    expect(requests.length).toBeGreaterThan(0);
    for (const req of requests) {
      expect(req.contentType).toBe('application/json');
      expect(req.encoding).toBe('gzip');
      expect(req.headers.authorization).toBe('Bearer header-secret-42');
      expect(req.headers['x-tenant']).toBe('ops');
    }
    expect(r.stderr + r.stdout).not.toContain('header-secret-42');
    expect(r.stderr).toMatch(/OTLP http\/json/);
    expect(r.stderr).toMatch(/http:\/\/localhost:16686\/trace\/[0-9a-f]{32}/);
    const root = receiver.spans.find((s) => s.name === 'RUN small-b.yml')!;
    expect(readFileSync(summaryFile, 'utf8')).toContain(`\`small-b.yml\`: success — trace [${root.traceId}](http://localhost:16686/trace/${root.traceId})`);
    expect(root.resource).toMatchObject({
      'ansible.ci.pipeline.run.url.full': 'https://github.com/acme/infra/actions/runs/4711',
      'vcs.ref.head.revision': 'abc123',
    });
    expect(namesOf(receiver.spans.filter((s) => s.traceId === root.traceId))).toEqual(['RUN small-b.yml', 'Say b', 'Second playbook', 'h1']);
  });

  it('writes OTLP/JSON lines to a local file when no endpoint is configured anywhere', async () => {
    const cwd = tempDir();
    const r = await runPlaybooks(['small-b.yml'], cleanEnv({}), { cwd });
    expect(r.code, r.stderr).toBe(0);
    const file = join(cwd, 'ansible-otel-traces.jsonl');
    expect(r.stderr).toContain(`4 spans → ${file} (OTLP/JSON lines)`);
    const tree = new SpanTree(spansOfJsonLines(readFileSync(file, 'utf8')));
    tree.expectWellFormed();
    expect(namesOf(tree.spans)).toEqual(['RUN small-b.yml', 'Say b', 'Second playbook', 'h1']);
    expect(tree.one('RUN small-b.yml').status.code).toBe(STATUS.UNSET);
    expect(tree.one('RUN small-b.yml').resource['service.name']).toBe('ansible');
  });

  it.each([
    ['OTEL_TRACES_EXPORTER', 'none'],
    ['OTEL_SDK_DISABLED', 'true'],
  ])('exports nothing with %s=%s and says so', async (name, value) => {
    const cwd = tempDir();
    const before = receiver.spans.length;
    const r = await runPlaybooks(['small-b.yml'], cleanEnv({ [name]: value, OTEL_EXPORTER_OTLP_ENDPOINT: url }), { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/4 spans, not exported/);
    expect(receiver.spans.length).toBe(before);
    expect(existsSync(join(cwd, 'ansible-otel-traces.jsonl'))).toBe(false);
  });

  it('keeps the playbook exit code and says once what failed when the collector is down', async () => {
    const r = await runPlaybooks(['small-b.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://user:pw-in-url@127.0.0.1:1' }), {
      sidecarArgs: ['--flush-timeout', '2'],
    });
    expect(r.code).toBe(0);
    expect(r.stderr.match(/warning: .*spans/g)).toHaveLength(1);
    expect(r.stderr).toMatch(
      /warning: 0 of 4 spans → http:\/\/127\.0\.0\.1:1\/v1\/traces .*; 4 wait in the disk queue \S+ and go out when the backend answers/,
    );
    expect(r.stderr).not.toContain('pw-in-url');
  });
});
