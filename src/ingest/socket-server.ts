import { chmodSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import type { Backpressure } from './backpressure.js';
import type { LineHandler } from './connection.js';
import { ConnectionReader } from './connection-reader.js';
import type { IngestEdge } from '../util/lifecycle.js';

export interface SocketServerOptions {
  path: string;
  /** Frames larger than this are refused (the shim truncates results long before). */
  maxFrameBytes: number;
  handler: LineHandler;
  /** While it says behind, no socket is read (the sender's queue waits, not the export queue). */
  backpressure?: Backpressure;
}

/** The Unix-socket edge: one connection per ansible-playbook process. */
export class UnixSocketServer implements IngestEdge {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private idleWaiters: (() => void)[] = [];

  get name(): string {
    return `socket ${this.o.path}`;
  }

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

  /** Stops accepting and cuts the open connections (their runs end as interrupted). */
  async drain(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.waitIdle(0); // one turn of the loop: what the sockets already received is read first
    for (const s of this.sockets) s.destroy();
    await closed;
  }
  /** Drained already by the root; stops at once what is still there. */
  async shutdown(_deadlineMs: number): Promise<void> {
    await this.drain();
  }

  private accept(socket: Socket): void {
    const reply = (line: string): void => void (socket.writable && socket.write(line));
    const reader = new ConnectionReader(socket, this.o.handler, this.o.maxFrameBytes, this.o.backpressure, reply);
    this.sockets.add(socket);
    socket.on('data', (chunk) => reader.push(chunk));
    socket.on('error', () => {}); // a peer that vanishes is normal: 'close' follows
    socket.on('close', () => {
      this.sockets.delete(socket);
      reader.close();
      if (this.sockets.size === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
      }
    });
  }
}
