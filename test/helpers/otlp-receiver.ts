// A loopback OTLP/HTTP trace receiver standing in for Jaeger or a collector: it decodes what the
// sidecar sends (http/json or http/protobuf, gzip or not) and keeps it for assertions.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { decodeProtobufRequest, spansOfRequest, type OtlpSpan } from './otlp-spans.js';
import { decodeProtobufMetrics, pointsOfRequest, type OtlpPoint } from './otlp-metrics.js';
import { decodeProtobufLogs, recordsOfRequest, type OtlpLogRecord } from './otlp-logs.js';

export interface ReceivedRequest {
  contentType: string;
  encoding: string | undefined;
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** What the OTLP receivers (HTTP here, gRPC in otlp-grpc-receiver.ts) share, so a test can run over either transport. */
export interface OtlpReceiving {
  readonly spans: OtlpSpan[];
  readonly requests: ReceivedRequest[];
  readonly metricRequests: (ReceivedRequest & { points: OtlpPoint[] })[];
  /** HTTP status to answer every request with while set (gRPC: the equivalent status, 503 → UNAVAILABLE). */
  failWith: number | undefined;
  refused: number;
  hold: boolean;
  commitOnAnswer: boolean;
  readonly heldRequests: number;
  readonly heldAbandoned: boolean;
  release(): void;
  /** The endpoint to put in OTEL_EXPORTER_OTLP_ENDPOINT. */
  start(): Promise<string>;
  stop(): Promise<void>;
}

/** Trace requests left unanswered while a receiver holds: an export in flight. */
export class HeldAnswers {
  private held: { answer: () => void; gone: () => boolean }[] = [];

  add(answer: () => void, gone: () => boolean): void {
    this.held.push({ answer, gone });
  }

  get count(): number {
    return this.held.length;
  }

  /** True when every held request's client has hung up (it was killed while waiting). */
  get abandoned(): boolean {
    return this.held.every((h) => h.gone());
  }

  answerAll(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) h.answer();
  }
}

export class OtlpReceiver implements OtlpReceiving {
  readonly spans: OtlpSpan[] = [];
  readonly requests: ReceivedRequest[] = [];
  /** Metrics arrive on /v1/metrics: kept apart from the trace requests above. */
  readonly metricRequests: (ReceivedRequest & { points: OtlpPoint[] })[] = [];
  /** Logs arrive on /v1/logs: their requests and every record decoded. */
  readonly logRequests: ReceivedRequest[] = [];
  readonly logRecords: OtlpLogRecord[] = [];
  private server: Server | undefined;
  /** Status codes to answer with before succeeding (to test retries/failures). */
  failNext: number[] = [];
  /** While set, every request is answered with this status (a backend that is down). */
  failWith: number | undefined;
  /** Requests answered with a failure status so far. */
  refused = 0;
  /** Answers trace requests this many ms late (a backend slower than the sidecar reads). */
  delayMs = 0;
  /** Keep a trace request only when it is answered 200 to a client still connected: a backend
   * that commits on its 200 (a client killed before the answer never had it delivered). */
  commitOnAnswer = false;
  /** While set, trace requests wait unanswered for release(): an export in flight. */
  hold = false;
  private readonly held = new HeldAnswers();

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const encoding = req.headers['content-encoding'];
        const raw = Buffer.concat(chunks);
        const contentType = String(req.headers['content-type'] ?? '');
        const ok = (): void => {
          res
            .writeHead(200, { 'content-type': contentType.includes('json') ? 'application/json' : 'application/x-protobuf' })
            .end(contentType.includes('json') ? '{}' : undefined);
        };
        const decompressed = (): Buffer => (encoding === 'gzip' ? gunzipSync(raw) : raw);
        if (req.url?.endsWith('/v1/logs')) {
          // Always taken: the failure and delay knobs below are for spans and metrics.
          const body = decompressed();
          const decoded = contentType.includes('json') ? JSON.parse(body.toString('utf8')) : decodeProtobufLogs(body);
          this.logRequests.push({ contentType, encoding, headers: req.headers, raw: body });
          this.logRecords.push(...recordsOfRequest(decoded));
          return ok();
        }
        const fail = this.failWith ?? this.failNext.shift();
        if (fail) {
          this.refused++;
          res.writeHead(fail).end();
          return;
        }
        const body = decompressed();
        if (req.url?.endsWith('/v1/metrics')) {
          const decoded = contentType.includes('json') ? JSON.parse(body.toString('utf8')) : decodeProtobufMetrics(body);
          this.metricRequests.push({ contentType, encoding, headers: req.headers, raw: body, points: pointsOfRequest(decoded) });
          return ok();
        }
        const request = contentType.includes('json') ? JSON.parse(body.toString('utf8')) : decodeProtobufRequest(body);
        const commit = (): void => {
          this.requests.push({ contentType, encoding, headers: req.headers, raw: body });
          this.spans.push(...spansOfRequest(request));
        };
        if (!this.commitOnAnswer) commit();
        const answer = (): void => {
          if (this.commitOnAnswer) {
            if (req.socket.destroyed) return; // the client is gone: nothing was delivered
            commit();
          }
          ok();
        };
        if (this.hold) this.held.add(answer, () => req.socket.destroyed);
        else if (this.delayMs) setTimeout(answer, this.delayMs);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Trace requests waiting for release(). */
  get heldRequests(): number {
    return this.held.count;
  }

  get heldAbandoned(): boolean {
    return this.held.abandoned;
  }

  /** Answers the held requests (and stops holding new ones). */
  release(): void {
    this.hold = false;
    this.held.answerAll();
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}
