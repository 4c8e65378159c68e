// The shim section's options from the bench configuration (validated here, at the edge).
import type { BenchConfig } from './config.js';
import { type BenchMode, parseWorkloads, type Pinning, SHIM_MODES, type ShimBenchOptions } from './shim-overhead.js';

const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function shimOptions(c: BenchConfig): ShimBenchOptions {
  const modes = list(c.shimModes);
  for (const m of modes)
    if (!(SHIM_MODES as readonly string[]).includes(m)) throw new Error(`BENCH_SHIM_MODES: unknown mode "${m}" (${SHIM_MODES.join(', ')})`);
  const pins = list(c.shimPins);
  for (const p of pins) if (p !== 'pinned' && p !== 'unpinned') throw new Error(`BENCH_SHIM_PINS: "${p}" is neither pinned nor unpinned`);
  return {
    workloads: parseWorkloads(c.shimWorkloads),
    // the baseline always runs: every ratio is taken against it
    modes: ['none', ...modes.filter((m) => m !== 'none')] as BenchMode[],
    pins: pins as Pinning[],
    reps: c.shimReps,
    before: c.shimBefore || undefined,
    profile: c.sections.has('profile'),
  };
}
