// What the shim's bench accounting (bench/shim-stats-callback/otel_sidecar_bench.py, which wraps
// plugin/otel_sidecar.py from outside and writes ANSIBLE_OTEL_BENCH_STATS) reports,
// the cProfile run of bench/shim_profile.py, and the medians over the runs of one mode.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ansiblePython } from './machine.js';
import { ROOT } from './sidecar-process.js';
import { median } from './stats.js';

const run = promisify(execFile);

/** The JSON the wrapped shim writes at exit to the file ANSIBLE_OTEL_BENCH_STATS names. */
export interface ShimStats {
  wall_ns: number;
  main_cpu_ns: number;
  process_cpu_ns: number;
  exit_ns: number;
  frames: number;
  entries: {
    name: string;
    main: boolean;
    calls: number;
    wall_ns: number;
    cpu_ns: number;
    voluntary_switches: number;
    involuntary_switches: number;
    minor_faults?: number;
  }[];
  gc_ns: number;
  gc_in_shim_ns: number;
  writer_cpu_ns: number | null;
  writer_wakeups: number | null;
  writer_minor_faults?: number | null;
}

/** One run's shim figures: the entry points on the main thread, and the writer thread. */
export interface ShimCost {
  calls: number;
  mainWallMs: number;
  mainCpuMs: number;
  /** The shim's CPU time on the main thread over that thread's CPU time. */
  mainShare: number;
  /** The same with the shim's wall time (preemptions and waits included): an upper bound. */
  mainWallShare: number;
  /** The main thread's context switches inside the shim: waits (GIL, lock, I/O) and preemptions. */
  waits: number;
  preemptions: number;
  /** Page faults inside the shim's calls: copy-on-write of pages ansible's forked workers share. */
  faults: number;
  /** Garbage collections that ran inside the shim's calls (counted in mainWallMs). */
  gcInShimMs: number;
  exitMs: number;
  writerCpuMs: number;
  wakeups: number;
  writerFaults: number;
  frames: number;
}

export function shimCost(s: ShimStats): ShimCost {
  const main = s.entries.filter((e) => e.main);
  const sum = (k: 'calls' | 'wall_ns' | 'cpu_ns' | 'voluntary_switches' | 'involuntary_switches' | 'minor_faults'): number =>
    main.reduce((a, e) => a + (e[k] ?? NaN), 0);
  return {
    calls: sum('calls'),
    mainWallMs: sum('wall_ns') / 1e6,
    mainCpuMs: sum('cpu_ns') / 1e6,
    mainShare: sum('cpu_ns') / s.main_cpu_ns,
    mainWallShare: sum('wall_ns') / s.main_cpu_ns,
    waits: sum('voluntary_switches'),
    preemptions: sum('involuntary_switches'),
    faults: sum('minor_faults'),
    gcInShimMs: s.gc_in_shim_ns / 1e6,
    exitMs: s.exit_ns / 1e6,
    writerCpuMs: (s.writer_cpu_ns ?? NaN) / 1e6,
    wakeups: s.writer_wakeups ?? NaN,
    writerFaults: s.writer_minor_faults ?? NaN,
    frames: s.frames,
  };
}

/** The median of each figure over runs. */
export function medianCost(costs: ShimCost[]): ShimCost {
  const m = (k: keyof ShimCost): number => median(costs.map((c) => c[k]));
  return {
    calls: m('calls'),
    mainWallMs: m('mainWallMs'),
    mainCpuMs: m('mainCpuMs'),
    mainShare: m('mainShare'),
    mainWallShare: m('mainWallShare'),
    waits: m('waits'),
    preemptions: m('preemptions'),
    faults: m('faults'),
    writerFaults: m('writerFaults'),
    gcInShimMs: m('gcInShimMs'),
    exitMs: m('exitMs'),
    writerCpuMs: m('writerCpuMs'),
    wakeups: m('wakeups'),
    frames: m('frames'),
  };
}

export interface ShimProfile {
  command: string;
  totalS: number;
  callbacksS: number;
  callbackCalls: number;
  top: { function: string; calls: number; own_s: number; cumulative_s: number }[];
}

const PROFILER = join(ROOT, 'bench', 'shim_profile.py');

/** One cProfile run (where the time goes inside the shim; inflated, so never the headline). */
export async function shimProfile(dir: string, ansible: string[], env: NodeJS.ProcessEnv): Promise<ShimProfile> {
  const out = join(dir, 'shim-profile.json');
  const python = ansiblePython();
  const argv = [(await run('sh', ['-c', 'command -v ansible-playbook'])).stdout.trim(), ...ansible.slice(1)];
  await run(python, [PROFILER, out, '--', ...argv], { env, cwd: dir, maxBuffer: 256 << 20 });
  const r = JSON.parse(readFileSync(out, 'utf8')) as { total_s: number; callbacks_s: number; callback_calls: number; top: ShimProfile['top'] };
  return {
    command: `${python} bench/shim_profile.py OUT.json -- ${argv.join(' ')}`,
    totalS: r.total_s,
    callbacksS: r.callbacks_s,
    callbackCalls: r.callback_calls,
    top: r.top,
  };
}
