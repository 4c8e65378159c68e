// An encoder thread: compact batches in, the OTLP protobuf bytes out, moved back (transferred,
// not copied), in the order they came. bench/encode-crossing.ts runs it; the sidecar's own use
// (otlp-encoder.ts in c576837) was reverted until it wins end to end (bench/analysis.md, issue 31).
import { parentPort } from 'node:worker_threads';
import { encodeCompact, type CompactBatch } from './compact-batch.js';

export interface EncodeRequest {
  id: number;
  batch: CompactBatch;
}

export type EncodeReply = { id: number; bytes: ArrayBuffer } | { id: number; error: string };

parentPort?.on('message', ({ id, batch }: EncodeRequest) => {
  let reply: EncodeReply;
  try {
    const bytes = encodeCompact(batch) ?? new Uint8Array(0);
    // The writer sizes its buffer exactly; copy only if it did not, so the whole buffer moves.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
    reply = { id, bytes: whole.buffer as ArrayBuffer };
    parentPort?.postMessage(reply, [reply.bytes]);
  } catch (error) {
    reply = { id, error: (error as Error)?.message ?? String(error) };
    parentPort?.postMessage(reply);
  }
});
