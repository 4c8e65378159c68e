import type { Backpressure } from './backpressure.js';
import { newConnection, type Connection, type LineHandler } from './connection.js';
import { NdjsonSplitter } from './ndjson-splitter.js';
import { READY_LINE } from '../protocol/replies.js';

/** A peer we can stop reading: a net.Socket or a WebSocket. */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * The read path every ingest connection shares: bytes → lines → handler. After each chunk the
 * peer is paused: libuv would otherwise read a fast sender up to 32 chunks in a row, starving the
 * span exporter's timers and HTTP responses until its queue overflows and drops spans (bench/:
 * 1,000,000 frames lost 76 % of their spans). It is resumed on the next turn of the event loop,
 * or, while the export queue is behind, once it is clear: the sender's bounded queue waits.
 */
export class ConnectionReader {
  readonly conn: Connection;
  private readonly splitter: NdjsonSplitter;
  private readonly resume = (): void => this.peer.resume();

  constructor(
    private readonly peer: Pausable,
    private readonly handler: LineHandler,
    maxFrameBytes: number,
    private readonly backpressure?: Backpressure,
    reply?: (line: string) => void,
    resumable = false,
  ) {
    this.conn = newConnection(reply, resumable);
    reply?.(READY_LINE); // this sidecar acks: the shim keeps its spool file until it does
    this.splitter = new NdjsonSplitter(
      maxFrameBytes,
      (line) => handler.onLine(this.conn, line),
      (bytes) => handler.onOversized(this.conn, bytes),
    );
  }

  push(chunk: Buffer): void {
    this.splitter.push(chunk);
    this.peer.pause();
    if (this.backpressure?.behind()) void this.backpressure.whenClear().then(this.resume);
    else setImmediate(this.resume);
  }

  /** The peer is gone: a last line without newline still counts, then the run ends. */
  close(): void {
    this.splitter.end();
    this.handler.onClose(this.conn);
  }
}
