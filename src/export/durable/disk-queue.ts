import { mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { syncDir, writeSynced } from '../../util/durable-file.js';

export interface QueuedBatch {
  name: string;
  bytes: Uint8Array;
  /** Items (spans, data points) in the batch, for reporting. */
  items: number;
}

/**
 * Serialized OTLP requests waiting for their backend, one file each, oldest first. Size-capped:
 * over the cap the oldest batches are evicted (and counted) so an outage cannot fill the disk.
 * Survives restarts: a new sidecar finds and sends what an old one left. A batch is fsync'd
 * before `push` returns (the delivery ledger counts it as taken from then on) and removed right
 * after the backend's 200: a crash between that 200 and the unlink sends it once more.
 */
export class DiskQueue {
  private files: { name: string; size: number; items: number }[] = [];
  private total = 0;
  private seq = 0;
  evictedBatches = 0;
  evictedItems = 0;

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of readdirSync(dir)
      .filter((n) => n.endsWith('.otlp'))
      .sort()) {
      const size = statSync(join(dir, name)).size;
      this.files.push({ name, size, items: itemsOf(name) });
      this.total += size;
    }
  }

  get length(): number {
    return this.files.length;
  }

  get items(): number {
    return this.files.reduce((n, f) => n + f.items, 0);
  }

  push(bytes: Uint8Array, items: number): void {
    // Sortable names: time, then a counter for batches within the same millisecond.
    const name = `${String(Date.now()).padStart(15, '0')}-${String(this.seq++ % 1e6).padStart(6, '0')}-${items}.otlp`;
    writeSynced(this.dir, name, bytes);
    this.files.push({ name, size: bytes.length, items });
    this.total += bytes.length;
    while (this.total > this.maxBytes && this.files.length > 1) {
      const old = this.files[0]!;
      this.remove(old.name);
      this.evictedBatches += 1;
      this.evictedItems += old.items;
    }
  }

  oldest(): QueuedBatch | undefined {
    const f = this.files[0];
    return f && { name: f.name, items: f.items, bytes: readFileSync(join(this.dir, f.name)) };
  }

  remove(name: string): void {
    const i = this.files.findIndex((f) => f.name === name);
    if (i < 0) return;
    this.total -= this.files[i]!.size;
    this.files.splice(i, 1);
    try {
      unlinkSync(join(this.dir, name));
      syncDir(this.dir); // a machine crash must not bring back a batch the backend took
    } catch {
      // already gone: nothing to send
    }
  }
}

function itemsOf(name: string): number {
  return Number(/-(\d+)\.otlp$/.exec(name)?.[1] ?? 0);
}
