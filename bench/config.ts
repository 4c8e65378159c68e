// Benchmark sizes: defaults are the full bench; every one can be changed by an environment
// variable (BENCH_*) or a flag of the same name (--shim-hosts 2).

export interface BenchConfig {
  /** Which sections to run: shim, throughput, latency, profile, size, runs, whatif, soak. */
  sections: Set<string>;
  /** Playbooks of the shim section: HOSTSxTASKSfFORKS, comma-separated. */
  shimWorkloads: string;
  /** Modes of the shim section: none (always), floor (an empty callback), live, absent, stalled, and the peers ara and cg (bench/peers.ts). */
  shimModes: string;
  /** pinned, unpinned or both. */
  shimPins: string;
  /** A plugin directory whose shim runs interleaved with this tree's ("before"); '' for none. */
  shimBefore: string;
  shimReps: number;
  streamHosts: number;
  streamTasks: number;
  /** The memory-flatness run is this fraction of the stream. */
  smallFraction: number;
  latencyRate: number;
  latencySeconds: number;
  latencyHosts: number;
  /** Section runs: counts of concurrent runs on one serve, comma-separated. */
  runsCounts: number[];
  /** Host results per second of each run, for how long, over how many hosts. */
  runsRate: number;
  runsSeconds: number;
  runsHosts: number;
  /** Section whatif: hosts, the forks the estimate is made from and the forks it is checked against, pairs of runs. */
  whatifHosts: number;
  whatifFrom: number;
  whatifTo: number;
  whatifPairs: number;
  whatifScale: number;
  /** Section soak: runs one after the other through one serve, and a sample every this many. */
  soakRuns: number;
  soakEvery: number;
  /** Where BENCHMARKS.md goes. */
  output: string;
}

const DEFAULTS: Record<string, string> = {
  sections: 'shim,throughput,latency,profile,size,runs,whatif,soak',
  shimWorkloads: '40x30f10,200x20f50',
  shimModes: 'none,live,absent',
  shimPins: 'pinned,unpinned',
  shimBefore: '',
  shimReps: '5',
  streamHosts: '10000',
  streamTasks: '100',
  smallFraction: '0.1',
  latencyRate: '2000',
  latencySeconds: '20',
  latencyHosts: '200',
  runsCounts: '1,10,100',
  // 100 runs × 20 = 2,000 host results/s in all: section 4's latency goal load, split 100 ways
  // (at 100 each, 10,000/s, this 2-CPU machine is at its edge: see bench/analysis.md)
  runsRate: '20',
  runsSeconds: '20',
  runsHosts: '50',
  whatifHosts: '20',
  whatifFrom: '2',
  whatifTo: '10',
  whatifPairs: '2',
  whatifScale: '1',
  // issue #23: RSS at 100,000 runs within 10 % of RSS at 1,000
  soakRuns: '100000',
  soakEvery: '1000',
  output: 'BENCHMARKS.md',
};

const kebab = (k: string): string => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (k: string): string => `BENCH_${kebab(k).replace(/-/g, '_').toUpperCase()}`;

/** Flags (--shim-reps 1) win over the environment (BENCH_SHIM_REPS=1), which wins over defaults. */
export function readConfig(argv: string[], env: NodeJS.ProcessEnv): BenchConfig {
  const raw: Record<string, string> = { ...DEFAULTS };
  for (const key of Object.keys(DEFAULTS)) {
    const fromEnv = env[envName(key)];
    if (fromEnv !== undefined && fromEnv !== '') raw[key] = fromEnv;
    const at = argv.indexOf(`--${kebab(key)}`);
    const fromFlag = at >= 0 ? argv[at + 1] : undefined;
    if (fromFlag !== undefined) raw[key] = fromFlag;
  }
  const num = (key: string): number => {
    const n = Number(raw[key]);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${envName(key)} / --${kebab(key)}: not a positive number: ${raw[key]}`);
    return n;
  };
  return {
    sections: new Set(
      (raw.sections ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
    shimWorkloads: raw.shimWorkloads ?? '',
    shimModes: raw.shimModes ?? '',
    shimPins: raw.shimPins ?? '',
    shimBefore: raw.shimBefore ?? '',
    shimReps: num('shimReps'),
    streamHosts: num('streamHosts'),
    streamTasks: num('streamTasks'),
    smallFraction: num('smallFraction'),
    latencyRate: num('latencyRate'),
    latencySeconds: num('latencySeconds'),
    latencyHosts: num('latencyHosts'),
    runsCounts: (raw.runsCounts ?? '').split(',').map((c) => {
      const n = Number(c);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${envName('runsCounts')} / --runs-counts: not a list of positive integers: ${raw.runsCounts}`);
      return n;
    }),
    runsRate: num('runsRate'),
    runsSeconds: num('runsSeconds'),
    runsHosts: num('runsHosts'),
    whatifHosts: num('whatifHosts'),
    whatifFrom: num('whatifFrom'),
    whatifTo: num('whatifTo'),
    whatifPairs: num('whatifPairs'),
    whatifScale: num('whatifScale'),
    soakRuns: num('soakRuns'),
    soakEvery: num('soakEvery'),
    output: raw.output ?? 'BENCHMARKS.md',
  };
}

/** The variable names, for the report ("BENCH_SHIM_REPS=1 npm run bench"). */
export function configVariables(): string[] {
  return Object.keys(DEFAULTS).map(envName);
}
