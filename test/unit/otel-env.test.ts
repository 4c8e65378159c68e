// The OTEL_* variables as the SDK configuration spec reads them, resolved without a socket: what
// otel-env.ts decides, what the choosers build from it, and what the SDK's transports take from
// the same variables for the URL we give them.
import { afterEach, describe, expect, it } from 'vitest';
import { detectResources } from '@opentelemetry/resources';
import { convertLegacyHttpOptions } from '@opentelemetry/otlp-exporter-base/node-http';
import { convertLegacyOtlpGrpcOptions } from '@opentelemetry/otlp-grpc-exporter-base';
import { OTLPTraceExporter as GrpcTraceExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { ConsoleSpanExporter } from '@opentelemetry/sdk-trace-base';
import { ConsoleLogRecordExporter } from '@opentelemetry/sdk-logs';
import { OTLPLogExporter as GrpcLogExporter } from '@opentelemetry/exporter-logs-otlp-grpc';
import { resolveOtelEnv } from '../../src/export/otel-env.js';
import { chooseTraceExporters } from '../../src/export/trace-exporters.js';
import { chooseLogExporters } from '../../src/export/log-exporters.js';
import { DurableSpanExporter } from '../../src/export/durable/durable-trace-exporter.js';
import { DurableLogExporter } from '../../src/export/durable/durable-log-exporter.js';
import { OtlpJsonFileLogExporter, OtlpJsonFileSpanExporter } from '../../src/export/otlp-json-file-exporter.js';
import { retryable } from '../../src/export/durable/otlp-byte-sender.js';
import { resourceDetectors } from '../../src/export/resource.js';
import { Logger } from '../../src/util/log.js';
import { tempDir } from '../helpers/sidecar-run.js';

const saved = { ...process.env };
/**
 * For the SDK's own readers only (its OTLP transports, its env resource detector), which read
 * process.env: this file's worker owns it, and each test sets only the OTEL_* it is about. Our
 * resolution (resolveOtelEnv) takes the variables as a plain object.
 */
function withSdkEnv<T extends Record<string, string>>(vars: T): T {
  for (const k of Object.keys(process.env)) if (k.startsWith('OTEL_')) delete process.env[k];
  Object.assign(process.env, vars);
  return vars;
}
afterEach(() => {
  process.env = { ...saved };
});

const quiet = (): { log: Logger; lines: string[] } => {
  const lines: string[] = [];
  return { log: new Logger((l) => lines.push(l)), lines };
};

describe('OTLP endpoint and protocol, per signal', () => {
  it('uses a signal endpoint as is, else the base plus /v1/<signal>, else the spec default', () => {
    const otel = resolveOtelEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces.example/custom' });
    expect(otel.traces.otlp).toEqual({ protocol: 'http/protobuf', url: 'http://traces.example/custom', configured: true });
    expect(otel.metrics.otlp.url).toBe('http://collector:4318/v1/metrics');
    expect(otel.logs.otlp.url).toBe('http://collector:4318/v1/logs');
    expect(resolveOtelEnv({}).traces.otlp).toEqual({ protocol: 'http/protobuf', url: 'http://localhost:4318/v1/traces', configured: false });
  });

  it('lets the signal protocol win over the shared one, and uses a gRPC base endpoint as is', () => {
    const otel = resolveOtelEnv({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317',
    });
    expect(otel.traces.otlp).toMatchObject({ protocol: 'grpc', url: 'http://collector:4317' });
    expect(otel.logs.otlp).toMatchObject({ protocol: 'grpc', url: 'http://collector:4317' });
    expect(otel.metrics.otlp).toMatchObject({ protocol: 'http/json', url: 'http://collector:4317/v1/metrics' });
    expect(resolveOtelEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }).traces.otlp).toMatchObject({ url: 'http://localhost:4317', configured: false });
  });

  it('says once that an unknown protocol is not honoured and uses http/protobuf', () => {
    const warned: string[] = [];
    expect(resolveOtelEnv({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'thrift' }, (_, m) => warned.push(m)).traces.otlp.protocol).toBe('http/protobuf');
    expect(warned).toEqual(['OTEL_EXPORTER_OTLP_PROTOCOL value "thrift" is not one of grpc, http/protobuf, http/json; using http/protobuf']);
  });
});

describe('gRPC transport security (spec: the scheme wins, else _INSECURE)', () => {
  it.each([
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true' }, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'c:4317', OTEL_EXPORTER_OTLP_INSECURE: 'true', OTEL_EXPORTER_OTLP_TRACES_INSECURE: 'false' }, true],
  ])('%o → TLS %s', (vars, tls) => {
    expect(resolveOtelEnv({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', ...vars }).traces.otlp.tls).toBe(tls);
  });
});

describe('headers, timeout, compression and certificates reach the SDK transports for the URL we resolved', () => {
  const vars = {
    OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20shared,x-tenant=ops',
    OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=traces',
    OTEL_EXPORTER_OTLP_TIMEOUT: '7000',
    OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '1234',
    OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
    OTEL_EXPORTER_OTLP_TRACES_COMPRESSION: 'gzip',
  };

  it('over HTTP: signal values win, shared values fill in', async () => {
    const env = withSdkEnv({ ...vars, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' });
    const config = convertLegacyHttpOptions({ url: resolveOtelEnv(env).traces.otlp.url }, 'TRACES', 'v1/traces', {});
    expect(config.url).toBe('http://c:4318/v1/traces');
    expect(await config.headers()).toMatchObject({ authorization: 'Bearer shared', 'x-tenant': 'traces' });
    expect(config).toMatchObject({ timeoutMillis: 1234, compression: 'gzip' });
  });

  it('over gRPC: the headers become metadata, and an https:// endpoint gets TLS credentials', () => {
    const env = withSdkEnv({
      ...vars,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317',
      OTEL_EXPORTER_OTLP_INSECURE: 'true',
    });
    const config = convertLegacyOtlpGrpcOptions({ url: resolveOtelEnv(env).traces.otlp.url }, 'TRACES');
    expect(config.metadata().getMap()).toMatchObject({ authorization: 'Bearer shared', 'x-tenant': 'traces' });
    expect(config).toMatchObject({ timeoutMillis: 1234, compression: 'gzip', url: 'c:4317' });
    expect(config.credentials()._isSecure()).toBe(true);
  });

  it('over gRPC: a certificate file that cannot be read is warned about, never thrown', () => {
    const env = withSdkEnv({
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'https://c:4317',
      OTEL_EXPORTER_OTLP_CERTIFICATE: '/nonexistent/ca.pem',
    });
    const config = convertLegacyOtlpGrpcOptions({ url: resolveOtelEnv(env).traces.otlp.url }, 'TRACES');
    expect(config.credentials()._isSecure()).toBe(true);
  });
});

describe('batch processors and metric export', () => {
  it('keeps our span queue defaults unless OTEL_BSP_* says otherwise; BLRP as the SDK', () => {
    expect(resolveOtelEnv({}).bsp).toEqual({ maxQueueSize: 65_536, scheduledDelayMillis: 1_000, maxExportBatchSize: 512, exportTimeoutMillis: 30_000 });
    const otel = resolveOtelEnv({
      OTEL_BSP_MAX_QUEUE_SIZE: '100',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '7',
      OTEL_BLRP_EXPORT_TIMEOUT: '900',
    });
    expect(otel.bsp).toMatchObject({ maxQueueSize: 100, scheduledDelayMillis: 50 });
    expect(otel.blrp).toEqual({ maxQueueSize: 65_536, scheduledDelayMillis: 1_000, maxExportBatchSize: 7, exportTimeoutMillis: 900 });
  });

  it('never lets the metric export timeout exceed the interval', () => {
    expect(resolveOtelEnv({ OTEL_METRIC_EXPORT_INTERVAL: '5000', OTEL_METRIC_EXPORT_TIMEOUT: '9000' }).metricExport).toEqual({
      intervalMillis: 5000,
      timeoutMillis: 5000,
    });
  });
});

describe('OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN (semconv v1.44 exceptions-logs.md)', () => {
  const signal = (value?: string) => {
    const env = value === undefined ? {} : { OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: value };
    const warned: string[] = [];
    return { exceptions: resolveOtelEnv(env, (_key, message) => warned.push(message)).exceptions, warned };
  };

  it('records exceptions as span events by default, as logs only with logs, as both with logs/dup', () => {
    expect(signal().exceptions).toEqual({ spanEvents: true, logs: false });
    expect(signal('logs').exceptions).toEqual({ spanEvents: false, logs: true });
    expect(signal('logs/dup').exceptions).toEqual({ spanEvents: true, logs: true });
    expect(signal(' logs/dup , logs ').exceptions).toEqual({ spanEvents: true, logs: true });
  });

  it('says once that a value it does not know is ignored', () => {
    const { exceptions, warned } = signal('log,logs');
    expect(exceptions).toEqual({ spanEvents: false, logs: true });
    expect(warned).toEqual(['OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN value "log" is not logs or logs/dup; ignored']);
  });
});

describe('the span exporters chosen', () => {
  const choose = (vars: Record<string, string>, extra: { tracesFile?: string; queueDir?: string } = {}) => {
    const { log, lines } = quiet();
    const choices = chooseTraceExporters({ otel: resolveOtelEnv(vars), defaultTracesFile: 'ansible-otel-traces.jsonl', log, ...extra });
    return { choices, lines };
  };

  it('with nothing configured: the embedded file default', () => {
    const { choices } = choose({});
    expect(choices).toHaveLength(1);
    expect(choices[0]!.exporter).toBeInstanceOf(OtlpJsonFileSpanExporter);
    expect(choices[0]!.target).toMatch(/ansible-otel-traces\.jsonl \(OTLP\/JSON lines\)$/);
  });

  it('grpc gives the SDK gRPC exporter, or the durable one with a queue, named as it connects', () => {
    const grpc = { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://u:secret@c:4317' };
    const plain = choose(grpc).choices;
    expect(plain[0]!.exporter).toBeInstanceOf(GrpcTraceExporter);
    expect(plain[0]!.target).toBe('http://c:4317 (OTLP grpc, plaintext)');
    const durable = choose(grpc, { queueDir: tempDir() }).choices;
    expect(durable[0]!.exporter).toBeInstanceOf(DurableSpanExporter);
    expect(durable[0]!.durable).toBe(durable[0]!.exporter);
  });

  it('OTEL_TRACES_EXPORTER lists exporters; none and OTEL_SDK_DISABLED leave only --traces-file', () => {
    expect(
      choose({ OTEL_TRACES_EXPORTER: 'otlp, console', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }).choices.map((c) => c.exporter.constructor),
    ).toEqual([JsonTraceExporter, ConsoleSpanExporter]);
    expect(choose({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }).choices).toEqual([]);
    const disabled = choose({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c' }, { tracesFile: 'x.jsonl' }).choices;
    expect(disabled.map((c) => c.exporter.constructor)).toEqual([OtlpJsonFileSpanExporter]);
  });

  it('--traces-file and --logs-file take the place of the default files, and go beside OTLP', () => {
    const targets = (vars: Record<string, string>) => {
      const traces = choose(vars, { tracesFile: 'mine.jsonl' }).choices.map((c) => c.target);
      const logs = chooseLogExporters({ otel: resolveOtelEnv(vars), defaultLogsFile: 'ansible-otel-logs.jsonl', logsFile: 'my-logs.jsonl', log: quiet().log });
      return [...traces, ...logs.map((c) => c.target)].map((t) => t.replace(/^\/\S*\//, ''));
    };
    expect(targets({})).toEqual(['mine.jsonl (OTLP/JSON lines)', 'my-logs.jsonl (OTLP/JSON lines)']);
    expect(targets({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' })).toEqual([
      'mine.jsonl (OTLP/JSON lines)',
      'http://c:4318/v1/traces (OTLP http/protobuf)',
      'my-logs.jsonl (OTLP/JSON lines)',
      'http://c:4318/v1/logs (OTLP http/protobuf)',
    ]);
  });

  it('says once that an exporter it does not have is ignored', () => {
    const { choices, lines } = choose({ OTEL_TRACES_EXPORTER: 'zipkin,zipkin' });
    expect(choices).toEqual([]);
    expect(lines).toEqual(['ansible-otel: warning: OTEL_TRACES_EXPORTER value "zipkin" is not supported (use otlp, console or none); ignored\n']);
  });
});

describe('the log record exporters chosen (OTEL_LOGS_EXPORTER)', () => {
  const choose = (vars: Record<string, string>, queueDir?: string) => {
    return chooseLogExporters({ otel: resolveOtelEnv(vars), defaultLogsFile: 'ansible-otel-logs.jsonl', queueDir, log: quiet().log });
  };

  it('writes ansible-otel-logs.jsonl when nothing is configured', () => {
    const [only, ...rest] = choose({});
    expect(rest).toEqual([]);
    expect(only!.exporter).toBeInstanceOf(OtlpJsonFileLogExporter);
    expect(only!.target).toMatch(/ansible-otel-logs\.jsonl \(OTLP\/JSON lines\)$/);
  });

  it('follows the shared endpoint and protocol, with the logs variables winning', () => {
    const [otlp] = choose({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      OTEL_EXPORTER_OTLP_LOGS_PROTOCOL: 'grpc',
      OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://logs:4317',
    });
    expect(otlp!.exporter).toBeInstanceOf(GrpcLogExporter);
    expect(otlp!.target).toBe('http://logs:4317 (OTLP grpc, plaintext)');
    const [durable] = choose({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, tempDir());
    expect(durable!.exporter).toBeInstanceOf(DurableLogExporter);
    expect(durable!.target).toBe('http://c:4318/v1/logs (OTLP http/protobuf)');
  });

  it('console, none, and OTEL_SDK_DISABLED', () => {
    expect(choose({ OTEL_LOGS_EXPORTER: 'console' }).map((c) => c.exporter.constructor)).toEqual([ConsoleLogRecordExporter]);
    expect(choose({ OTEL_LOGS_EXPORTER: 'none' })).toEqual([]);
    expect(choose({ OTEL_SDK_DISABLED: 'true' })).toEqual([]);
  });
});

describe('failed exports: retried or given up (OTLP spec)', () => {
  it.each([
    ['grpc', 14, true], // UNAVAILABLE
    ['grpc', 4, true], // DEADLINE_EXCEEDED
    ['grpc', 8, true], // RESOURCE_EXHAUSTED
    ['grpc', 3, false], // INVALID_ARGUMENT
    ['grpc', 16, false], // UNAUTHENTICATED
    ['http/protobuf', 503, true],
    ['http/protobuf', 429, true],
    ['http/protobuf', 400, false],
    ['grpc', undefined, true], // never reached the backend
  ] as const)('%s status %s → retry %s', (protocol, code, expected) => {
    expect(retryable(protocol, code)).toBe(expected);
  });
});

describe('resource detectors (OTEL_NODE_RESOURCE_DETECTORS)', () => {
  it('none detects nothing; unknown names are warned about', () => {
    const { log, lines } = quiet();
    expect(resourceDetectors(['none'], log)).toEqual([]);
    expect(resourceDetectors(['env', 'gcp'], log)).toHaveLength(1);
    expect(lines.join('')).toContain('OTEL_NODE_RESOURCE_DETECTORS value "gcp" is not one of host, os, serviceinstance, process, env, all, none; ignored');
  });

  it('the process detector runs, but the command line (ansible -e values) never becomes an attribute', () => {
    const resource = detectResources({ detectors: resourceDetectors(['process'], quiet().log) });
    expect(resource.attributes['process.pid']).toBe(process.pid);
    expect(Object.keys(resource.attributes).filter((k) => k.startsWith('process.command'))).toEqual([]);
  });

  it('all (the default) includes host and os, and env last so OTEL_SERVICE_NAME wins', async () => {
    withSdkEnv({ OTEL_SERVICE_NAME: 'deploys' });
    const resource = detectResources({ detectors: resourceDetectors(undefined, quiet().log) });
    await resource.waitForAsyncAttributes?.();
    expect(resource.attributes).toMatchObject({ 'service.name': 'deploys', 'os.type': 'linux' });
    expect(resource.attributes['host.name']).toBeTypeOf('string');
  });
});
