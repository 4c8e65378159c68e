import { JsonLinesFile } from '../util/json-lines-file.js';
import type { Component } from '../util/lifecycle.js';
import type { Connection, LineHandler } from './connection.js';

/**
 * Tees every received line, as it arrived, into an NDJSON file (--record-frames): a frame
 * stream to attach to a bug report or to replay. Frames carry their run id, so the lines of
 * concurrent runs can be told apart.
 */
export class FrameRecorder implements LineHandler, Component {
  readonly name: string;
  private readonly out: JsonLinesFile;

  constructor(
    private readonly inner: LineHandler,
    path: string,
  ) {
    this.out = new JsonLinesFile(path, true);
    this.name = `frame recording ${path}`;
  }

  async start(): Promise<void> {}

  onLine(conn: Connection, line: string): void {
    void this.out.append(line);
    this.inner.onLine(conn, line);
  }

  onOversized(conn: Connection, bytes: number): void {
    this.inner.onOversized(conn, bytes);
  }

  onClose(conn: Connection): void {
    this.inner.onClose(conn);
  }

  /** Writes what is left within the deadline; a write that failed is reported by the root, not fatal: the telemetry is not affected. */
  shutdown(deadlineMs: number): Promise<void> {
    return this.out.closeWithin(deadlineMs, 'every frame');
  }
}
