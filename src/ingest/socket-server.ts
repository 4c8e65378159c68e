import { chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Backpressure } from './backpressure.js';
import { NdjsonSplitter } from './ndjson-splitter.js';
import { newConnection, type LineHandler } from './connection.js';

export interface SocketServerOptions {
  path: string;
  /** Frames larger than this are refused (the shim truncates results long before). */
  maxFrameBytes: number;
  handler: LineHandler;
  /** While it says behind, no socket is read (the sender's queue waits, not the export queue). */
  backpressure?: Backpressure;
}

/** The Unix-socket edge: one connection per ansible-playbook process. */
export class UnixSocketServer {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly o: SocketServerOptions) {
    this.server = createServer((socket) => this.accept(socket));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.path, () => {
        this.server.off('error', reject);
        chmodSync(this.o.path, 0o600);
        resolve();
      });
    });
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Resolves when no connection is open, or after `ms`. */
  waitIdle(ms: number): Promise<void> {
    if (this.sockets.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const waiter = (): void => done();
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.idleWaiters.push(waiter);
    });
  }

  /** Stops accepting; open connections get until the deadline to finish, then are cut. */
  async shutdown(deadlineMs: number): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.waitIdle(deadlineMs);
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private accept(socket: Socket): void {
    const conn = newConnection();
    const { handler, backpressure } = this.o;
    this.sockets.add(socket);
    const splitter = new NdjsonSplitter(
      this.o.maxFrameBytes,
      (line) => handler.onLine(conn, line),
      (bytes) => handler.onOversized(conn, bytes),
    );
    // One chunk, then back to the event loop: libuv would otherwise read a fast sender up to 32
    // chunks in a row, starving the span exporter's timers and HTTP responses until its queue
    // overflows and drops spans (bench/: 1,000,000 frames lost 76 % of their spans). Fairness
    // alone guarantees nothing against a slow backend: backpressure keeps the socket paused.
    const resume = (): void => {
      socket.resume();
    };
    socket.on('data', (chunk) => {
      splitter.push(chunk);
      socket.pause();
      if (backpressure?.behind()) void backpressure.whenClear().then(resume);
      else setImmediate(resume);
    });
    socket.on('error', () => {}); // a peer that vanishes is normal: 'close' follows
    socket.on('close', () => {
      splitter.end();
      this.sockets.delete(socket);
      handler.onClose(conn);
      if (this.sockets.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }
}
