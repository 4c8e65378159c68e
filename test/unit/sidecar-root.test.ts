// The root is one Component: its shutdown takes every part down in order within the deadline and
// always writes the report, even when a part throws on the way (that part is named, once).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/root/config.js';
import { SidecarRoot } from '../../src/root/sidecar-root.js';
import type { Sink } from '../../src/sinks/sink.js';
import { Logger } from '../../src/util/log.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function root(sinks: Sink[]): { root: SidecarRoot; lines: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'otel-root-'));
  dirs.push(dir);
  const lines: string[] = [];
  const log = new Logger((line) => lines.push(line));
  const flags = { flushTimeout: 2, tracesFile: join(dir, 'traces.jsonl'), logsFile: join(dir, 'logs.jsonl'), ledgerDir: join(dir, 'ledger'), queueDir: 'off' };
  return { root: new SidecarRoot(resolveConfig(flags, log, {}), log, { sinks, metrics: false }), lines };
}

describe('SidecarRoot.shutdown', () => {
  it('writes the report when a part throws, names that part, and still says whether everything was delivered', async () => {
    const order: string[] = [];
    const broken: Sink = {
      name: 'broken sink',
      start: async () => void order.push('start'),
      shutdown: async () => {
        order.push('shutdown');
        throw new Error('disk full');
      },
    };
    const r = root([broken]);
    await r.root.start();
    expect(await r.root.shutdown(2000)).toBe(true);
    expect(order).toEqual(['start', 'shutdown']);
    const text = r.lines.join('');
    expect(text).toContain('warning: broken sink: disk full');
    expect(text).toMatch(/0 spans → \S+traces\.jsonl \(OTLP\/JSON lines\)/);
    expect(text).toMatch(/logs\.jsonl/);
  });
});
