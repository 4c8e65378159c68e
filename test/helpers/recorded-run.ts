// Replays a frame stream recorded from a real ansible-playbook run (test/fixtures/*.ndjson,
// see test/fixtures/README.md) through the run model, as the sidecar's pipeline would.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RunModel } from '../../src/model/run-model.js';
import { decodeFrame } from '../../src/protocol/decode.js';
import type { Frame } from '../../src/protocol/frames.js';
import { MemoryWriter, type MemorySpan } from './memory-writer.js';

export const FIXTURES = resolve(import.meta.dirname, '..', 'fixtures');

export interface RecordedRun {
  frames: Frame[];
  w: MemoryWriter;
  model: RunModel<MemorySpan>;
}

/** The fixture's lines, byte for byte (no JSON round trip: `ts` needs more than a double's 53 bits). */
export function recordedLines(name: string): string[] {
  return readFileSync(join(FIXTURES, `${name}.ndjson`), 'utf8')
    .split('\n')
    .filter((line) => line !== '');
}

export function loadFrames(name: string): Frame[] {
  return recordedLines(name).map((line) => decodeFrame(line));
}

/** Every frame of the fixture into a fresh RunModel, then finish() (the connection's EOF). */
export function replay(name: string): RecordedRun {
  const frames = loadFrames(name);
  const w = new MemoryWriter();
  const model = new RunModel(w, frames[0]?.run ?? 'run');
  for (const f of frames) model.apply(f);
  model.finish();
  return { frames, w, model };
}

/** Names from the root down to `s`. */
export function pathOf(s: MemorySpan): string[] {
  const names: string[] = [];
  for (let p: MemorySpan | undefined = s; p; p = p.parent) names.unshift(p.name);
  return names;
}

export function childrenOf(w: MemoryWriter, s: MemorySpan): MemorySpan[] {
  return w.spans.filter((c) => c.parent === s);
}
