// Section 1: what the shim costs ansible-playbook. The same generated playbook runs without any
// callback and with the shim against a live sidecar, against no sidecar (socket absent) and, on
// request, against a sidecar that accepts and never reads — interleaved, each under
// bench/max_rss.py (wall, CPU, the controller's main thread, peak RSS). Pinned runs put the
// playbook on CPU 0 and the sidecar and its receiver on CPU 1, so the sidecar's CPU cannot show up
// as shim overhead. With a "before" plugin directory, its shim runs interleaved with this one.
// The peers (ARA, community.general.opentelemetry: bench/peers.ts) run in the same rotation.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchEnv } from './env.js';
import { writePlaybook } from './playbook.js';
import { isPeer, PEER_MODES, type Peer, type PeerMode, preparePeer } from './peers.js';
import { LoopbackReceiver } from './receiver-client.js';
import { type ShimStats, shimProfile, type ShimProfile } from './shim-stats.js';
import { ROOT, SidecarProcess } from './sidecar-process.js';
import { stalledSidecar } from './stalled-sidecar.js';

const run = promisify(execFile);

export const SIDECAR_MODES = ['none', 'floor', 'live', 'absent', 'stalled'] as const;
export type SidecarMode = (typeof SIDECAR_MODES)[number];
/** Every mode of the section: the shim's and its peers'. */
export const SHIM_MODES = [...SIDECAR_MODES, ...PEER_MODES] as const;
export type BenchMode = (typeof SHIM_MODES)[number];
export type Pinning = 'pinned' | 'unpinned';

export const MODE_LABEL: Record<BenchMode, string> = {
  none: 'no callback (baseline)',
  floor: 'empty callback (what ansible spends on any)',
  live: 'shim + live sidecar',
  absent: 'shim, no sidecar (spooling)',
  stalled: 'shim + sidecar that stops reading',
  ara: 'ARA (offline client, sqlite)',
  cg: 'community.general.opentelemetry (OTLP http)',
};

/** One playbook size: hosts × tasks at forks. */
export interface Workload {
  hosts: number;
  tasks: number;
  forks: number;
}

/** A mode: which sidecar, and which shim (this tree's, or the "before" one). */
export interface ShimMode {
  sidecar: BenchMode;
  before: boolean;
}

export const modeName = (m: ShimMode): string => (m.before ? `before:${m.sidecar}` : m.sidecar);
export const modeLabel = (m: ShimMode): string => (m.before ? `before: ${MODE_LABEL[m.sidecar]}` : MODE_LABEL[m.sidecar]);

export interface ShimSample {
  workload: string;
  pin: Pinning;
  mode: string;
  rep: number;
  wallS: number;
  /** CPU time of ansible-playbook and its workers. */
  cpuS: number;
  /** The controller's main thread alone, and how often it went off the CPU waiting. */
  mainCpuS: number | null;
  mainSwitches: number | null;
  vmHwmKiB: number;
  exit: number;
  stats?: ShimStats | undefined;
}

export interface ShimOverheadResult {
  workloads: Workload[];
  pins: Pinning[];
  modes: ShimMode[];
  reps: number;
  before?: string | undefined;
  command: string;
  samples: ShimSample[];
  /** Peers asked for but not run, each with why and how to get it. */
  skipped: string[];
  profile?: ShimProfile | undefined;
}

export interface ShimBenchOptions {
  workloads: Workload[];
  modes: BenchMode[];
  pins: Pinning[];
  reps: number;
  /** A plugin directory with the shim to compare against (e.g. main's, copied to /tmp). */
  before?: string | undefined;
  profile: boolean;
}

const WRAPPER = join(ROOT, 'bench', 'max_rss.py');
const PLUGIN_DIR = join(ROOT, 'plugin');
const FLOOR_DIR = join(ROOT, 'bench', 'floor-callback');
/** The shim wrapped from outside with the bench's accounting (bench/shim-stats-callback/otel_sidecar_bench.py). */
const STATS_DIR = join(ROOT, 'bench', 'shim-stats-callback');
/** Modes without the shim: no stats file, and no "before" twin. */
const withoutShim = (m: BenchMode): boolean => m === 'none' || m === 'floor' || isPeer(m);
export const workloadName = (w: Workload): string => `${w.hosts}x${w.tasks}f${w.forks}`;

export function parseWorkloads(spec: string): Workload[] {
  return spec.split(',').map((s) => {
    const m = /^(\d+)x(\d+)f(\d+)$/.exec(s.trim());
    if (!m) throw new Error(`BENCH_SHIM_WORKLOADS: "${s}" is not HOSTSxTASKSfFORKS (e.g. 40x30f10)`);
    return { hosts: Number(m[1]), tasks: Number(m[2]), forks: Number(m[3]) };
  });
}

/** The empty callback must take the events the shim takes, or it is not the shim's floor. */
export function checkFloorEvents(): void {
  const shim = new Set([...readFileSync(join(PLUGIN_DIR, 'otel_sidecar.py'), 'utf8').matchAll(/^ {4}def (v2_\w+)\(/gm)].map((m) => m[1] as string));
  const list = readFileSync(join(FLOOR_DIR, 'otel_floor.py'), 'utf8').split('for _event in (')[1]?.split(')')[0] ?? '';
  const floor = new Set([...list.matchAll(/'(\w+)'/g)].map((m) => `v2_${m[1]}`));
  const differ = [...shim].filter((e) => !floor.has(e)).concat([...floor].filter((e) => !shim.has(e)));
  if (differ.length) throw new Error(`bench/floor-callback/otel_floor.py and the shim take different events: ${differ.join(', ')}`);
}

function modeEnv(mode: ShimMode, dir: string, statsFile: string, before?: string, peer?: Peer): NodeJS.ProcessEnv {
  if (peer) return benchEnv(peer.env);
  if (mode.sidecar === 'none') return benchEnv();
  if (mode.sidecar === 'floor') return benchEnv({ ANSIBLE_CALLBACK_PLUGINS: FLOOR_DIR, ANSIBLE_CALLBACKS_ENABLED: 'otel_floor' });
  return benchEnv({
    ANSIBLE_CALLBACK_PLUGINS: STATS_DIR,
    ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar_bench',
    ANSIBLE_OTEL_BENCH_SHIM: join(mode.before && before ? before : PLUGIN_DIR, 'otel_sidecar.py'),
    ANSIBLE_OTEL_SOCKET: join(dir, `${mode.sidecar}.sock`),
    ANSIBLE_OTEL_BENCH_STATS: statsFile,
  });
}

/** CPU affinity of running processes, all their threads (taskset -a -p). */
async function pin(pids: number[], cpus: string): Promise<void> {
  for (const pid of pids) await run('taskset', ['-a', '-p', '-c', cpus, String(pid)]);
}

export async function shimOverhead(dir: string, o: ShimBenchOptions): Promise<ShimOverheadResult> {
  const peers = new Map<PeerMode, Peer>();
  const skipped: string[] = [];
  for (const m of o.modes.filter(isPeer)) {
    const peer = await preparePeer(m, dir);
    if (typeof peer === 'string') skipped.push(peer);
    else peers.set(m, peer);
  }
  const runnable = o.modes.filter((m) => !isPeer(m) || peers.has(m));
  const modes: ShimMode[] = runnable.flatMap((sidecar): ShimMode[] =>
    withoutShim(sidecar) || !o.before
      ? [{ sidecar, before: false }]
      : [
          { sidecar, before: true },
          { sidecar, before: false },
        ],
  );
  if (o.modes.includes('floor')) checkFloorEvents();
  const receiver = await LoopbackReceiver.start('count');
  const live = await SidecarProcess.start(join(dir, 'live.sock'), receiver.url);
  const stalled = await stalledSidecar(join(dir, 'stalled.sock'));
  const samples: ShimSample[] = [];
  let command = '';
  let profile: ShimProfile | undefined;
  try {
    for (const w of o.workloads) {
      const pb = writePlaybook(join(dir, workloadName(w)), w);
      const ansible = ['ansible-playbook', '-f', String(w.forks), '-i', pb.inventory, pb.playbook];
      for (const p of o.pins) {
        await pin([receiver.pid, live.pid, ...[...peers.values()].flatMap((x) => x.pids)], p === 'pinned' ? '1' : '0,1');
        const prefix = p === 'pinned' ? ['taskset', '-c', '0'] : [];
        command = `[taskset -c 0] python3 bench/max_rss.py OUT.json -- ${ansible.join(' ')}`;
        for (let rep = 0; rep < o.reps; rep++) {
          // Rotate the order each repetition so no mode always runs first.
          const order = modes.map((_, i) => modes[(i + rep) % modes.length] as ShimMode);
          for (const mode of order) {
            const base = join(dir, `${workloadName(w)}-${p}-${modeName(mode).replace(':', '-')}-${rep}`);
            const argv = [...prefix, 'python3', WRAPPER, `${base}.json`, '--', ...ansible];
            const peer = isPeer(mode.sidecar) ? peers.get(mode.sidecar) : undefined;
            const recorded = await peer?.recorded();
            const out = await run(argv[0] as string, argv.slice(1), {
              env: modeEnv(mode, dir, `${base}.stats.json`, o.before, peer),
              cwd: dir,
              maxBuffer: 64 << 20,
            });
            // A callback that fails to load is only a warning to ansible: a peer that recorded nothing was not measured.
            if (peer && (await peer.recorded()) === recorded)
              throw new Error(`${mode.sidecar} recorded nothing in ${workloadName(w)}#${rep}:\n${out.stdout.slice(-2000)}${out.stderr.slice(-2000)}`);
            const r = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as {
              wall_s: number;
              vm_hwm_kib: number;
              cpu_s: number;
              main_cpu_s: number | null;
              main_ctxt_switches: number | null;
              exit: number;
            };
            const stats = withoutShim(mode.sidecar) ? undefined : (JSON.parse(readFileSync(`${base}.stats.json`, 'utf8')) as ShimStats);
            samples.push({
              workload: workloadName(w),
              pin: p,
              mode: modeName(mode),
              rep,
              wallS: r.wall_s,
              cpuS: r.cpu_s,
              mainCpuS: r.main_cpu_s,
              mainSwitches: r.main_ctxt_switches,
              vmHwmKiB: r.vm_hwm_kib,
              exit: r.exit,
              stats,
            });
          }
        }
      }
      if (o.profile && !profile) profile = await shimProfile(dir, ansible, modeEnv({ sidecar: 'live', before: false }, dir, join(dir, 'profile.stats.json')));
    }
    return { workloads: o.workloads, pins: o.pins, modes, reps: o.reps, before: o.before, command, samples, skipped, profile };
  } finally {
    for (const peer of peers.values()) await peer.close();
    await stalled.close();
    await live.stop();
    await receiver.stop();
  }
}
