import { createWriteStream, type WriteStream } from 'node:fs';
import type { Connection, LineHandler } from './connection.js';

/**
 * Tees every received line, as it arrived, into an NDJSON file (--record-frames): a frame
 * stream to attach to a bug report or to replay. Frames carry their run id, so the lines of
 * concurrent runs can be told apart.
 */
export class FrameRecorder implements LineHandler {
  private readonly out: WriteStream;

  constructor(
    private readonly inner: LineHandler,
    path: string,
  ) {
    this.out = createWriteStream(path, { flags: 'a', mode: 0o600 });
  }

  onLine(conn: Connection, line: string): void {
    this.out.write(`${line}\n`);
    this.inner.onLine(conn, line);
  }

  onOversized(conn: Connection, bytes: number): void {
    this.inner.onOversized(conn, bytes);
  }

  onClose(conn: Connection): void {
    this.inner.onClose(conn);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}
