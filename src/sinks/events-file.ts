// `--events-file PATH`: every event as one JSON line appended to a file, the same lines as
// `--format json`. Lines are buffered and written off the event loop's hot path; shutdown
// writes what is left.
import { closeSync, mkdirSync, openSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { jsonLines } from './event-json.js';
import type { Sink } from './sink.js';

/** Buffered lines go out once this many bytes are waiting, or on the next turn of the loop. */
const FLUSH_BYTES = 64 * 1024;

/** The file's sink: the JSON-lines observer plus a shutdown that writes what is buffered. */
export function eventsFileSink(path: string): Sink {
  const file = new EventsFile(path);
  return { name: `events file ${path}`, ...jsonLines((line) => file.push(line)), shutdown: () => file.close() };
}

class EventsFile {
  private readonly fd: number;
  private buffered: string[] = [];
  private bufferedBytes = 0;
  private scheduled = false;
  private writing: Promise<void> = Promise.resolve();
  private error: Error | undefined;

  /** Opens (creates, 0600, appending) the file now, so a bad path fails before the run starts. */
  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(path, 'a', 0o600);
    } catch (error) {
      throw new Error(`events file ${path}: ${(error as Error).message}`);
    }
  }

  push(line: string): void {
    this.buffered.push(line);
    this.bufferedBytes += line.length;
    if (this.bufferedBytes >= FLUSH_BYTES) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    this.scheduled = false;
    if (this.buffered.length === 0) return;
    const chunk = Buffer.from(this.buffered.join(''));
    this.buffered = [];
    this.bufferedBytes = 0;
    this.writing = this.writing.then(() => this.writeAll(chunk));
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    let offset = 0;
    while (offset < chunk.length && !this.error) {
      try {
        offset += await new Promise<number>((resolve, reject) => write(this.fd, chunk, offset, chunk.length - offset, null, (err, n) => (err ? reject(err) : resolve(n))));
      } catch (error) {
        this.error = error as Error;
      }
    }
  }

  async close(): Promise<void> {
    this.flush();
    await this.writing;
    closeSync(this.fd);
    if (this.error) throw new Error(`could not write every event: ${this.error.message}`);
  }
}
