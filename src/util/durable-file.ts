import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * File writes that count only once they are on disk: the data is fsync'd, and so is the
 * directory when a name appears in it (a new file whose entry is lost on a crash is no file).
 */

/** Makes the directory entries of `dir` (created, renamed files) survive a crash. */
export function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Appends `data` to `path` and returns once it is on disk; `created` says the file is new. */
export function appendSynced(path: string, data: string, created: boolean): void {
  const fd = openSync(path, 'a', 0o600);
  try {
    writeAll(fd, Buffer.from(data));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  if (created) syncDir(dirname(path));
}

/**
 * `appendSynced` off the event loop: the write and the fsync run on libuv's thread pool, several
 * files at once. For a caller with many files per step (a ledger: one per trace), where fsyncs in
 * a row on the main thread would stall ingest.
 */
export async function appendSyncedAsync(path: string, data: string, created: boolean): Promise<void> {
  const file = await open(path, 'a', 0o600);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  if (created) {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** Writes `path` whole or not at all (temp file, fsync, rename, directory fsync). */
export function writeSynced(dir: string, name: string, data: Uint8Array | string, tmpName = `.${name}.tmp`): void {
  const tmp = join(dir, tmpName);
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeAll(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, name));
  syncDir(dir);
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
}
