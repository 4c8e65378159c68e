// OTEL_EXPORTER_OTLP_PROTOCOL=grpc: the whole trace, the metrics and the log records reach a loopback OTLP/gRPC
// receiver, headers become gRPC metadata, TLS follows the spec (https://, _CERTIFICATE, _CLIENT_*).
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpGrpcReceiver } from '../helpers/otlp-grpc-receiver.js';
import { cleanEnv, runPlaybooks, tempDir } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { expectFailuresOnHostSpans } from '../helpers/log-correlation.js';
import { makeTestPki } from '../helpers/test-certs.js';

const receiver = new OtlpGrpcReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

describe('OTLP over gRPC', () => {
  it('delivers the full span tree, the run metrics and the log records on their spans, with the headers as metadata and never printed', async () => {
    const r = await runPlaybooks(
      ['features.yml'],
      cleanEnv({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20grpc-secret-7',
        OTEL_TEST_TMP: tempDir(),
      }),
    );
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`spans → ${url} (OTLP grpc, plaintext)`);
    expect(r.stderr).toContain(`metrics → ${url} (OTLP grpc, plaintext)`);
    expect(r.stderr).not.toContain('grpc-secret-7');
    const ended = Number(/(\d+) spans → /.exec(r.stderr)?.[1]);
    expect(ended).toBeGreaterThan(50);
    const tree = new SpanTree(receiver.spans);
    tree.expectWellFormed();
    expect(receiver.spans).toHaveLength(ended);
    expect(tree.one('RUN features.yml').resource['service.name']).toBe('ansible');
    for (const req of receiver.requests) expect(req.headers.authorization).toBe('Bearer grpc-secret-7');
    const results = receiver.metricRequests.flatMap((m) => m.points).filter((p) => p.metric === 'ansible.task.host.results');
    expect(results.length).toBeGreaterThan(0);
    expect(receiver.metricRequests[0]!.headers.authorization).toBe('Bearer grpc-secret-7');
    expect(r.stderr).toContain(`log records → ${url} (OTLP grpc, plaintext)`);
    const delivered = Number(/(\d+) log records → /.exec(r.stderr)?.[1]);
    expect(receiver.logRecords).toHaveLength(delivered);
    expectFailuresOnHostSpans(receiver.spans, receiver.logRecords);
  });

  it('speaks TLS to an https:// endpoint, trusting OTEL_EXPORTER_OTLP_CERTIFICATE and presenting OTEL_EXPORTER_OTLP_CLIENT_*; without either, nothing is delivered', async () => {
    const pki = makeTestPki();
    const tls = new OtlpGrpcReceiver({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey), clientCa: readFileSync(pki.ca) });
    const tlsUrl = await tls.start();
    try {
      const env = (vars: Record<string, string>): NodeJS.ProcessEnv =>
        cleanEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: tlsUrl, OTEL_METRICS_EXPORTER: 'none', ...vars });
      const client = { OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE: pki.clientCert, OTEL_EXPORTER_OTLP_CLIENT_KEY: pki.clientKey };
      const refused = async (vars: Record<string, string>): Promise<string> => {
        const r = await runPlaybooks(['small-b.yml'], env(vars), { sidecarArgs: ['--flush-timeout', '2', '--queue-dir', 'off'] });
        expect(r.code).toBe(0);
        return r.stderr;
      };
      expect(await refused({ OTEL_EXPORTER_OTLP_CERTIFICATE: pki.otherCa, ...client })).toMatch(/warning: 0 of 4 spans → /); // the server is not trusted
      expect(await refused({ OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE: pki.ca })).toMatch(/warning: 0 of 4 spans → /); // no client certificate
      expect(tls.spans).toHaveLength(0);
      const trusted = await runPlaybooks(['small-b.yml'], env({ OTEL_EXPORTER_OTLP_CERTIFICATE: pki.ca, ...client }));
      expect(trusted.code, trusted.stderr).toBe(0);
      expect(trusted.stderr).toContain(`4 spans → ${tlsUrl} (OTLP grpc, TLS)`);
      expect(tls.spans.map((s) => s.name).sort()).toEqual(['RUN small-b.yml', 'Say b', 'Second playbook', 'h1']);
    } finally {
      await tls.stop();
    }
  });
});
