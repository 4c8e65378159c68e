// The one JSON-lines writer behind the OTLP/JSON files, --events-file and --record-frames.
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JsonLinesFile } from '../../src/util/json-lines-file.js';

const tempDir = (): string => mkdtempSync(join(tmpdir(), 'jsonl-'));

describe('JsonLinesFile', () => {
  it('appends lines in order, each resolved once written, in a 0600 file it creates with its directory', async () => {
    const path = join(tempDir(), 'sub', 'x.jsonl');
    writeFileSync(join(path, '..', '..', 'keep'), '');
    const file = new JsonLinesFile(path);
    const writes = Array.from({ length: 2000 }, (_, i) => file.append(JSON.stringify({ i, pad: 'x'.repeat(100) })));
    expect(await Promise.all(writes)).toEqual(writes.map(() => undefined));
    expect(
      readFileSync(path, 'utf8')
        .split('\n')
        .slice(0, -1)
        .map((l) => JSON.parse(l).i),
    ).toEqual(writes.map((_, i) => i));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(await file.close()).toBeUndefined();
  });

  it('appends to what the file already holds, bytes as they are', async () => {
    const path = join(tempDir(), 'x.jsonl');
    writeFileSync(path, '{"old":1}\n');
    const file = new JsonLinesFile(path, true);
    void file.append(Buffer.from('{"new":2}'));
    await file.close();
    expect(readFileSync(path, 'utf8')).toBe('{"old":1}\n{"new":2}\n');
  });

  it('opened now, says which path it cannot open', () => {
    const notADir = join(tempDir(), 'file');
    writeFileSync(notADir, '');
    expect(() => new JsonLinesFile(join(notADir, 'x.jsonl'), true)).toThrow(`${join(notADir, 'x.jsonl')}: EEXIST`);
  });

  it('opened on first use, resolves the append and the close with the error instead of throwing', async () => {
    const notADir = join(tempDir(), 'file');
    writeFileSync(notADir, '');
    const file = new JsonLinesFile(join(notADir, 'x.jsonl'));
    expect((await file.append('{}'))?.message).toContain('EEXIST');
    expect((await file.close())?.message).toContain('EEXIST');
  });

  it("closed by its owner's shutdown, fails with what it could not write, in the owner's words", async () => {
    const notADir = join(tempDir(), 'file');
    writeFileSync(notADir, '');
    const file = new JsonLinesFile(join(notADir, 'x.jsonl'));
    void file.append('{}');
    await expect(file.closeWithin(1000, 'every event')).rejects.toThrow(/^could not write every event: .*EEXIST/);
    const fine = new JsonLinesFile(join(tempDir(), 'y.jsonl'));
    void fine.append('{}');
    await expect(fine.closeWithin(1000, 'every event')).resolves.toBeUndefined();
  });
});
