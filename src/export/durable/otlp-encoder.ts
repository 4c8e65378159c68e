// OTLP protobuf encoding on the second core: one worker thread per process, shared by the
// durable exporters of spans and log records. The ingest thread only reduces a batch to its
// compact form (compact-batch.ts, about a third of what encoding it cost there: bench/analysis.md,
// issue 31); the worker runs the library's serializer and moves the bytes back. When the worker
// cannot run (it died, or this is a source tree without its compiled file) the batch is encoded
// here, as before: same bytes, only on this thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { withinDeadline } from '../../util/deadline.js';
import type { Component } from '../../util/lifecycle.js';
import type { Logger } from '../../util/log.js';
import { compactLogs, compactSpans } from './compact-batch.js';
import type { EncodeReply, EncodeRequest } from './encoder-worker.js';

type Items = { signal: 'traces'; items: ReadableSpan[] } | { signal: 'logs'; items: ReadableLogRecord[] };

interface Waiting {
  what: Items;
  resolve: (bytes: Uint8Array) => void;
  reject: (error: Error) => void;
}

/** The batch's bytes on this thread: the serializer the worker runs, over the batch itself. */
function encodeHere(w: Items): Uint8Array {
  const bytes = w.signal === 'traces' ? ProtobufTraceSerializer.serializeRequest(w.items) : ProtobufLogsSerializer.serializeRequest(w.items);
  return bytes ?? new Uint8Array(0);
}

export class OtlpEncoder implements Component {
  readonly name = 'OTLP encoder';
  private worker: Worker | undefined;
  private next = 0;
  /** Batches at the worker, by request id, oldest first. */
  private readonly waiting = new Map<number, Waiting>();
  private idle: (() => void) | undefined;

  constructor(
    private readonly log: Logger,
    private readonly file = fileURLToPath(new URL('./encoder-worker.js', import.meta.url)),
  ) {}

  /** Whether batches go to the worker (false: encoded on the calling thread). */
  get onWorker(): boolean {
    return this.worker !== undefined;
  }

  async start(): Promise<void> {
    // Running from the TypeScript sources (the unit tests): no compiled worker, encode here.
    if (!existsSync(this.file)) return;
    const worker = new Worker(this.file);
    worker.unref(); // never what holds the process open
    worker.on('message', (reply: EncodeReply) => this.settle(reply));
    worker.on('error', (error) => this.lost(worker, error.message));
    worker.on('exit', (code) => this.lost(worker, `exited with code ${code}`));
    this.worker = worker;
  }

  encodeSpans(items: ReadableSpan[]): Promise<Uint8Array> {
    return this.encode({ signal: 'traces', items });
  }

  encodeLogs(items: ReadableLogRecord[]): Promise<Uint8Array> {
    return this.encode({ signal: 'logs', items });
  }

  private encode(what: Items): Promise<Uint8Array> {
    const worker = this.worker;
    if (!worker) return new Promise((resolve) => resolve(encodeHere(what)));
    const id = this.next++;
    const batch = what.signal === 'traces' ? compactSpans(what.items) : compactLogs(what.items);
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { what, resolve, reject });
      worker.postMessage({ id, batch } satisfies EncodeRequest);
    });
  }

  private settle(reply: EncodeReply): void {
    const w = this.waiting.get(reply.id);
    if (!w) return;
    this.waiting.delete(reply.id);
    if ('bytes' in reply) w.resolve(new Uint8Array(reply.bytes));
    else w.reject(new Error(reply.error));
    if (this.waiting.size === 0) this.idle?.();
  }

  /** The worker is gone: say it once, and encode what it still had (and all that follows) here, in order. */
  private lost(worker: Worker, why: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.log.once('otlp-encoder', `the OTLP encoder thread ${why}: encoding on the main thread from now on`);
    this.encodeWaitingHere();
    this.idle?.();
  }

  /** Batches still at the worker get the deadline (the exporters spilled theirs already); then the thread stops. */
  async shutdown(deadlineMs: number): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    if (this.waiting.size > 0) await withinDeadline(new Promise<void>((resolve) => (this.idle = resolve)), deadlineMs);
    this.worker = undefined; // from here on (a late export) encode here
    this.encodeWaitingHere();
    await worker.terminate();
  }

  /** What is still at the worker is encoded here, oldest first: nothing is left without an answer. */
  private encodeWaitingHere(): void {
    for (const [id, w] of this.waiting) {
      this.waiting.delete(id);
      try {
        w.resolve(encodeHere(w.what));
      } catch (error) {
        w.reject(error as Error);
      }
    }
  }
}
