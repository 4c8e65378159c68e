// A loopback OTLP/gRPC receiver (the collector's port 4317): @grpc/grpc-js serves the three OTLP
// services, the OTLP protobuf definitions (otlp-proto-decoder) decode what arrives, and spans,
// metric points and log records are kept as otlp-receiver.ts keeps them for HTTP — same fields,
// same outage controls — so a test can run over either transport.
import { createRequire } from 'node:module';
import { Server, ServerCredentials, status, type Metadata, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import type { IncomingHttpHeaders } from 'node:http';
import { spansOfRequest, type OtlpSpan } from './otlp-spans.js';
import { recordsOfRequest, type OtlpLogRecord } from './otlp-logs.js';
import { pointsOfRequest, type OtlpPoint } from './otlp-metrics.js';
import { HeldAnswers, type OtlpReceiving, type ReceivedRequest } from './otlp-receiver.js';

const require = createRequire(import.meta.url);
const root = require('otlp-proto-decoder/build/src/generated/root.js');
const v1 = (signal: string): any => root.opentelemetry.proto.collector[signal].v1;

/** The gRPC status a collector answers where an HTTP one would answer this HTTP status (OTLP spec). */
const GRPC_STATUS: Record<number, status> = {
  400: status.INVALID_ARGUMENT,
  401: status.UNAUTHENTICATED,
  403: status.PERMISSION_DENIED,
  429: status.RESOURCE_EXHAUSTED,
  502: status.UNAVAILABLE,
  503: status.UNAVAILABLE,
  504: status.UNAVAILABLE,
};

function headersOf(metadata: Metadata): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [k, v] of Object.entries(metadata.getMap())) out[k] = String(v);
  return out;
}

export class OtlpGrpcReceiver implements OtlpReceiving {
  readonly spans: OtlpSpan[] = [];
  readonly requests: ReceivedRequest[] = [];
  readonly metricRequests: (ReceivedRequest & { points: OtlpPoint[] })[] = [];
  readonly logRecords: OtlpLogRecord[] = [];
  failWith: number | undefined;
  refused = 0;
  hold = false;
  commitOnAnswer = false;
  private readonly held = new HeldAnswers();
  private server: Server | undefined;

  /**
   * Plaintext on loopback; with `tls`, TLS with that certificate (the client checks it against
   * OTEL_EXPORTER_OTLP_CERTIFICATE), and with `clientCa` a client certificate it signed is required.
   */
  constructor(private readonly tls?: { cert: Buffer; key: Buffer; clientCa?: Buffer }) {}

  async start(): Promise<string> {
    const server = new Server();
    this.server = server;
    const service = (signal: 'trace' | 'metrics' | 'logs', name: string, keep: (request: any, raw: Buffer, headers: IncomingHttpHeaders) => void): void => {
      const messages = v1(signal);
      const Request = messages[`Export${name}ServiceRequest`];
      const Response = messages[`Export${name}ServiceResponse`];
      const path = `/opentelemetry.proto.collector.${signal}.v1.${name === 'Trace' ? 'TraceService' : `${name}Service`}/Export`;
      const definition = {
        Export: {
          path,
          requestStream: false,
          responseStream: false,
          requestSerialize: (b: Buffer) => b,
          requestDeserialize: (b: Buffer) => b,
          responseSerialize: (r: object) => Buffer.from(Response.encode(Response.fromObject(r)).finish()),
          responseDeserialize: (b: Buffer) => b,
        },
      };
      server.addService(definition, {
        Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<object>) => {
          const fail = this.failWith;
          if (fail) {
            this.refused++;
            return callback({ code: GRPC_STATUS[fail] ?? status.INTERNAL, details: `answering ${fail}` });
          }
          const request = Request.toObject(Request.decode(call.request), { longs: String, bytes: String, enums: Number, defaults: false });
          const commit = (): void => keep(request, call.request, headersOf(call.metadata));
          if (!this.commitOnAnswer) commit();
          const answer = (): void => {
            if (this.commitOnAnswer) {
              if (call.cancelled) return; // the client is gone: nothing was delivered
              commit();
            }
            callback(null, {});
          };
          if (this.hold && signal === 'trace') this.held.add(answer, () => call.cancelled);
          else answer();
        },
      });
    };
    const meta = (raw: Buffer, headers: IncomingHttpHeaders): ReceivedRequest => ({
      contentType: 'application/grpc',
      encoding: headers['grpc-encoding'] as string | undefined,
      headers,
      raw,
    });
    service('trace', 'Trace', (request, raw, headers) => {
      this.requests.push(meta(raw, headers));
      this.spans.push(...spansOfRequest(request));
    });
    service('metrics', 'Metrics', (request, raw, headers) => this.metricRequests.push({ ...meta(raw, headers), points: pointsOfRequest(request) }));
    service('logs', 'Logs', (request) => this.logRecords.push(...recordsOfRequest(request)));
    const tls = this.tls;
    const credentials = tls
      ? ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined)
      : ServerCredentials.createInsecure();
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', credentials, (error, p) => (error ? reject(error) : resolve(p))),
    );
    return `${this.tls ? 'https' : 'http'}://${this.tls ? 'localhost' : '127.0.0.1'}:${port}`;
  }

  get heldRequests(): number {
    return this.held.count;
  }

  get heldAbandoned(): boolean {
    return this.held.abandoned;
  }

  release(): void {
    this.hold = false;
    this.held.answerAll();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  }
}
