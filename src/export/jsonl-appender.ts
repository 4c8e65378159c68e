import { closeSync, mkdirSync, openSync, write } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Appends lines to a 0600 file opened on first use, one write at a time and in order: the
 * OTLP/JSON-lines file exporters of traces and metrics share it.
 */
export class JsonLinesAppender {
  private fd: number | undefined;
  private pending: Promise<void> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Resolves with the error, if any: exporters report it as their result. */
  append(payload: Uint8Array | undefined): Promise<Error | undefined> {
    const line = Buffer.concat([Buffer.from(payload ?? new Uint8Array()), Buffer.from('\n')]);
    const done = this.pending.then(
      () =>
        new Promise<Error | undefined>((resolve) => {
          try {
            this.fd ??= this.open();
          } catch (error) {
            return resolve(error as Error);
          }
          write(this.fd, line, (error) => resolve(error ?? undefined));
        }),
    );
    this.pending = done.then(() => {});
    return done;
  }

  private open(): number {
    mkdirSync(dirname(this.path), { recursive: true });
    return openSync(this.path, 'a', 0o600);
  }

  async flush(): Promise<void> {
    await this.pending;
  }

  async close(): Promise<void> {
    await this.pending;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
