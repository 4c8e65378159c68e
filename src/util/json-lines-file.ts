import { closeSync, mkdirSync, openSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { byDeadline } from './deadline.js';

/** Lines waiting for the next write go out once this many bytes are waiting, or on the next turn of the loop. */
const FLUSH_BYTES = 64 * 1024;

interface Batch {
  chunks: Buffer[];
  bytes: number;
  settled: Promise<Error | undefined>;
  resolve: (error: Error | undefined) => void;
}

/**
 * The one JSON-lines writer: appends lines to a 0600 file, in order, batched off the caller's
 * path (the OTLP/JSON file exporters, --events-file and --record-frames all write through it).
 * `append` resolves with the write error, if any, so an exporter can report it as its result;
 * the first error is kept, and `close` resolves with it.
 */
export class JsonLinesFile {
  private fd: number | undefined;
  private batch: Batch | undefined;
  private writing: Promise<unknown> = Promise.resolve();
  private error: Error | undefined;

  /** With `openNow`, a path that cannot be opened fails here, before any run starts. */
  constructor(
    readonly path: string,
    openNow = false,
  ) {
    if (openNow) this.fd = this.open();
  }

  /** Queues one line (a newline is added); resolves once it is written, with the error if it was not. */
  append(line: string | Uint8Array): Promise<Error | undefined> {
    const batch = (this.batch ??= this.newBatch());
    const chunk = Buffer.from(line);
    batch.chunks.push(chunk, NEWLINE);
    batch.bytes += chunk.length + 1;
    if (batch.bytes >= FLUSH_BYTES) this.writeBatch();
    return batch.settled;
  }

  /** Resolves when every line appended so far is written (or failed). */
  async flush(): Promise<void> {
    this.writeBatch();
    await this.writing;
  }

  /**
   * Writes what is queued and closes the file; resolves with the first write error, if any. Not a
   * Component's shutdown: the file is a part of its owners (the file exporters, the events file,
   * the frame recorder), which hold the deadline (`closeWithin`) and report the error.
   */
  async close(): Promise<Error | undefined> {
    await this.flush();
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    return this.error;
  }

  /** A shutdown's close: within the deadline, and a write that failed or did not finish is the error ("every event"). */
  async closeWithin(deadlineMs: number, what: string): Promise<void> {
    const error = await byDeadline(this.close(), deadlineMs, `writing ${what}`);
    if (error) throw new Error(`could not write ${what}: ${error.message}`);
  }

  private newBatch(): Batch {
    let resolve!: (error: Error | undefined) => void;
    const settled = new Promise<Error | undefined>((r) => (resolve = r));
    setImmediate(() => this.writeBatch());
    return { chunks: [], bytes: 0, settled, resolve };
  }

  private writeBatch(): void {
    const batch = this.batch;
    if (!batch) return;
    this.batch = undefined;
    const chunk = Buffer.concat(batch.chunks);
    this.writing = this.writing.then(async () => {
      const error = await this.writeAll(chunk);
      this.error ??= error;
      batch.resolve(error);
    });
  }

  private async writeAll(chunk: Buffer): Promise<Error | undefined> {
    try {
      this.fd ??= this.open();
      for (let offset = 0; offset < chunk.length; ) {
        offset += await new Promise<number>((resolve, reject) =>
          write(this.fd!, chunk, offset, chunk.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))),
        );
      }
      return undefined;
    } catch (error) {
      return error as Error;
    }
  }

  private open(): number {
    try {
      mkdirSync(dirname(this.path), { recursive: true });
      return openSync(this.path, 'a', 0o600);
    } catch (error) {
      throw new Error(`${this.path}: ${(error as Error).message}`);
    }
  }
}

const NEWLINE = Buffer.from('\n');
