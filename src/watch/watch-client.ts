import { WebSocket } from 'ws';
import { backoffMs, type BackoffPolicy } from '../util/backoff.js';
import { isLoopback } from '../util/bearer.js';
import type { WatchMessage } from './watch-hub.js';

export interface WatchClientHandlers {
  onMessage(m: WatchMessage): void;
  /** Connection news for the user (lost, back again), each said once per episode. */
  onNotice(text: string): void;
  /** Retrying cannot help (wrong token, not a watch endpoint): the watch ends. */
  onFatal(text: string): void;
}

/** wss:// only: PEM files' contents. */
export interface WatchTls {
  /** CAs that alone verify the sidecar; without them, Node's own plus NODE_EXTRA_CA_CERTS. */
  ca?: Buffer | undefined;
  /** Client certificate and key, for a sidecar with --ws-tls-client-ca. */
  cert?: Buffer | undefined;
  key?: Buffer | undefined;
}

/** ws://host:port means ws://host:port/watch. */
export function watchUrl(url: string): string {
  const u = new URL(url);
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') throw new Error(`${url}: not a ws:// or wss:// URL (serve --ws-port PORT listens on ws://HOST:PORT)`);
  if (u.pathname === '' || u.pathname === '/') u.pathname = '/watch';
  return u.toString();
}

/** Reconnects after at most 0.5, 1, 2, 4 s, then every 5 s: a restarted serve is seen again within seconds. */
export const WATCH_BACKOFF: BackoffPolicy = { firstMs: 500, maxMs: 5_000, jitter: 'equal' };

/** Stays connected to a sidecar's watch endpoint: reconnects with backoff until stopped. */
export class WatchClient {
  private ws: WebSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private attempts = 0;
  private lost = false;
  private lastError = '';

  constructor(
    private readonly url: string,
    private readonly token: string | undefined,
    private readonly h: WatchClientHandlers,
    private readonly tls: WatchTls = {},
  ) {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
    // Anyone on the path could read a bearer token sent over ws://, and then watch every run.
    if (token && u.protocol === 'ws:' && !isLoopback(host))
      throw new Error(`not sending the token in cleartext to ${host}: use wss:// (serve --ws-tls-cert), or ws:// only to a loopback address`);
  }

  start(): void {
    this.connect();
  }

  /**
   * Not a Component: the client is the `watch` command's, not a part of the sidecar; it hands
   * nothing over, so stopping is closing the socket at once, with no deadline to keep.
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.ws?.close(1000);
  }

  private connect(): void {
    const ws = new WebSocket(this.url, { headers: this.token ? { authorization: `Bearer ${this.token}` } : {}, handshakeTimeout: 10_000, ...this.tls });
    this.ws = ws;
    ws.on('open', () => {
      this.attempts = 0;
      if (this.lost) this.h.onNotice(`connected again to ${this.url}`);
      this.lost = false;
    });
    ws.on('message', (data) => {
      try {
        this.h.onMessage(JSON.parse(String(data)) as WatchMessage);
      } catch {
        this.lastError = 'a message that is not JSON';
      }
    });
    ws.on('unexpected-response', (req, res) => {
      const refused =
        res.statusCode === 401
          ? 'the sidecar refused the token (401): pass the token serve has (--token or ANSIBLE_OTEL_TOKEN)'
          : `the sidecar answered ${res.statusCode} ${res.statusMessage ?? ''}: is ${this.url} the watch endpoint (serve --ws-port)?`;
      this.stopped = true;
      req.destroy();
      this.h.onFatal(refused);
    });
    ws.on('error', (err) => {
      this.lastError = err.message;
    });
    ws.on('close', (code, reason) => {
      if (this.stopped) return;
      if (reason.length) this.lastError = `closed by the sidecar: ${code} ${String(reason)}`;
      if (!this.lost) this.h.onNotice(`no connection to ${this.url}${this.lastError ? ` (${this.lastError})` : ''}; retrying`);
      this.lost = true;
      this.timer = setTimeout(() => this.connect(), backoffMs(WATCH_BACKOFF, this.attempts++));
    });
  }
}
