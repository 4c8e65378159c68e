import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Backpressure } from './backpressure.js';
import type { LineHandler } from './connection.js';
import { ConnectionReader } from './connection-reader.js';
import { isLoopback, sameSecret } from '../util/bearer.js';
import type { WsTls } from './ws-tls.js';
import type { IngestEdge } from '../util/lifecycle.js';

/** Where shims send frames and where watchers listen (docs/protocol.md, "WebSocket"). */
export const FRAMES_PATH = '/frames';
export const WATCH_PATH = '/watch';

export interface WsServerOptions {
  host: string;
  port: number;
  /** Bearer token every upgrade must carry; required off loopback. */
  token?: string | undefined;
  /** https/wss instead of http/ws; required off loopback unless `insecure`. */
  tls?: WsTls | undefined;
  /** Off loopback without TLS: the user accepts token and frames in cleartext. */
  insecure?: boolean;
  /** Largest WebSocket message; a bigger one closes the connection (1009). Frames may span messages. */
  maxPayload: number;
  maxFrameBytes: number;
  /** Ping every peer this often; one that has not answered the previous ping is dropped. */
  heartbeatMs: number;
  handler: LineHandler;
  /** Live watchers on WATCH_PATH; without it that path is refused (404). */
  watchers?: { add(ws: WebSocket): void };
  backpressure?: Backpressure;
}

/**
 * The WebSocket edge, for shims in another container or pod: the same NDJSON stream as the Unix
 * socket, in binary messages, one connection per ansible-playbook process.
 */
export class WebSocketServerEdge implements IngestEdge {
  readonly name = 'WebSocket server';
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly shims = new Set<WebSocket>();
  private readonly alive = new WeakSet<WebSocket>();
  private heartbeat: NodeJS.Timeout | undefined;

  /** Refuses, before anything listens, an address other machines reach without a token or without TLS. */
  constructor(private readonly o: WsServerOptions) {
    if (!isLoopback(o.host)) {
      if (!o.token)
        throw new Error(`--ws-host ${o.host} is reachable from other machines: give it a token (--ws-token or ANSIBLE_OTEL_TOKEN), the same for the shims`);
      if (!o.tls && !o.insecure)
        throw new Error(
          `--ws-host ${o.host} is reachable from other machines: the token and the frames would cross the network in cleartext; give it a certificate (--ws-tls-cert and --ws-tls-key, shims then use wss://) or pass --ws-insecure`,
        );
    }
    this.wss = new WebSocketServer({ noServer: true, maxPayload: o.maxPayload });
    const answer: RequestListener = (req, res) => {
      // Liveness probes need no token and learn nothing.
      if (req.url === '/healthz') res.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      else res.writeHead(426, { upgrade: 'websocket' }).end(`WebSocket only: ${FRAMES_PATH} for shims, ${WATCH_PATH} for watchers\n`);
    };
    const t = o.tls;
    // With a client CA, the TLS handshake itself refuses a peer without a certificate it signed.
    this.http = t
      ? createTlsServer({ cert: t.cert, key: t.key, ca: t.clientCa, requestCert: !!t.clientCa, rejectUnauthorized: !!t.clientCa }, answer)
      : createServer(answer);
    this.http.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port, this.o.host, () => {
        this.http.off('error', reject);
        resolve();
      });
    });
    this.heartbeat = setInterval(() => this.beat(), this.o.heartbeatMs).unref();
  }

  /** ws:// or wss://host:port, with the port actually bound (for --ws-port 0). */
  get url(): string {
    const a = this.http.address();
    const port = a && typeof a === 'object' ? a.port : this.o.port;
    const host = this.o.host.includes(':') ? `[${this.o.host}]` : this.o.host;
    return `${this.o.tls ? 'wss' : 'ws'}://${host}:${port}`;
  }

  /** Cuts the shims (their runs end as interrupted); watchers stay to see those runs end. */
  async drain(): Promise<void> {
    for (const ws of this.shims) ws.terminate();
  }

  /** Stops listening; watchers closed before (1001) get up to a second of the deadline to say goodbye, the rest are cut. */
  async shutdown(deadlineMs: number): Promise<void> {
    clearInterval(this.heartbeat);
    const closed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    const deadline = Date.now() + Math.min(deadlineMs, 1000);
    while (this.wss.clients.size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const ws of this.wss.clients) ws.terminate();
    this.http.closeAllConnections();
    await closed;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => {}); // a peer that resets mid-upgrade must not take the sidecar down
    const refuse = (status: string, text: string): void => {
      socket.end(
        `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-type: text/plain\r\n${status.startsWith('401') ? 'www-authenticate: Bearer\r\n' : ''}\r\n${text}\n`,
      );
    };
    if (this.o.token && !sameSecret(req.headers.authorization ?? '', `Bearer ${this.o.token}`)) return refuse('401 Unauthorized', 'token required');
    const path = (req.url ?? '').split('?')[0];
    if (path !== FRAMES_PATH && !(path === WATCH_PATH && this.o.watchers)) return refuse('404 Not Found', `no such path: ${FRAMES_PATH} or ${WATCH_PATH}`);
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.alive.add(ws);
      ws.on('pong', () => this.alive.add(ws));
      ws.on('error', () => {}); // 'close' follows; a peer that vanishes is normal
      if (path === WATCH_PATH) this.o.watchers!.add(ws);
      else this.acceptShim(ws);
    });
  }

  private acceptShim(ws: WebSocket): void {
    // Lines back to the shim (the ack) go as binary messages too, the same NDJSON bytes.
    const reply = (line: string): void => void (ws.readyState === ws.OPEN && ws.send(Buffer.from(line)));
    const reader = new ConnectionReader(ws, this.o.handler, this.o.maxFrameBytes, this.o.backpressure, reply, true);
    this.shims.add(ws);
    ws.on('message', (data: Buffer) => {
      this.alive.add(ws); // a peer that sends is alive, whatever its pongs
      reader.push(data);
    });
    ws.on('close', () => {
      this.shims.delete(ws);
      reader.close();
    });
  }

  private beat(): void {
    for (const ws of this.wss.clients) {
      if (ws.isPaused) continue; // we stopped reading (backpressure): its pongs wait in the socket
      if (!this.alive.has(ws)) {
        ws.terminate(); // no pong since the last ping: a dead peer or a frozen network path
        continue;
      }
      this.alive.delete(ws);
      ws.ping();
    }
  }
}
