// Section 1: what the shim costs ansible-playbook. The same generated playbook runs without any
// callback and with the shim against a live sidecar, against no sidecar (socket absent) and
// against a sidecar that accepts and never reads — interleaved, each under bench/max_rss.py
// (wall time and the controller's peak RSS).
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { benchEnv } from './env.js';
import { writePlaybook, type PlaybookSize } from './playbook.js';
import { LoopbackReceiver } from './receiver-client.js';
import { ROOT, SidecarProcess } from './sidecar-process.js';
import { median } from './stats.js';
import { ansiblePython } from './machine.js';

const run = promisify(execFile);

export const SHIM_MODES = ['none', 'live', 'absent', 'stalled'] as const;
export type ShimMode = (typeof SHIM_MODES)[number];

export const MODE_LABEL: Record<ShimMode, string> = {
  none: 'no callback (baseline)',
  live: 'shim + live sidecar',
  absent: 'shim, no sidecar (socket absent)',
  stalled: 'shim + sidecar that stops reading',
};

export interface ShimSample {
  mode: ShimMode;
  rep: number;
  wallS: number;
  vmHwmKiB: number;
  /** CPU time of ansible-playbook and its workers. */
  cpuS: number;
  exit: number;
}

export interface ShimModeResult {
  mode: ShimMode;
  medianWallS: number;
  wallRatio: number;
  medianCpuS: number;
  cpuRatio: number;
  medianRssMiB: number;
  addedRssMiB: number;
}

export interface ShimOverheadResult {
  size: PlaybookSize & { forks: number; reps: number };
  command: string;
  samples: ShimSample[];
  modes: ShimModeResult[];
  profile?: ShimProfile;
}

export interface ShimProfile {
  command: string;
  totalS: number;
  callbacksS: number;
  callbackCalls: number;
  top: { function: string; calls: number; own_s: number; cumulative_s: number }[];
}

const WRAPPER = join(ROOT, 'bench', 'max_rss.py');
const PROFILER = join(ROOT, 'bench', 'shim_profile.py');
const PLUGIN_DIR = join(ROOT, 'plugin');

function shimEnv(socket: string): NodeJS.ProcessEnv {
  return benchEnv({ ANSIBLE_CALLBACK_PLUGINS: PLUGIN_DIR, ANSIBLE_CALLBACKS_ENABLED: 'otel_sidecar', ANSIBLE_OTEL_SOCKET: socket });
}

/** A sidecar that accepts connections and never reads from them. */
function stalledSidecar(path: string): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    s.pause();
    sockets.add(s);
  });
  return new Promise((resolve) =>
    server.listen(path, () =>
      resolve({
        close: () => {
          for (const s of sockets) s.destroy();
          return new Promise<void>((r) => server.close(() => r()));
        },
      }),
    ),
  );
}

export async function shimOverhead(dir: string, size: PlaybookSize & { forks: number; reps: number }, o: { profile: boolean }): Promise<ShimOverheadResult> {
  const pb = writePlaybook(dir, size);
  const ansible = ['ansible-playbook', '-f', String(size.forks), '-i', pb.inventory, pb.playbook];
  const receiver = await LoopbackReceiver.start('count');
  const live = await SidecarProcess.start(join(dir, 'live.sock'), receiver.url);
  const stalled = await stalledSidecar(join(dir, 'stalled.sock'));
  const env: Record<ShimMode, NodeJS.ProcessEnv> = {
    none: benchEnv(),
    live: shimEnv(join(dir, 'live.sock')),
    absent: shimEnv(join(dir, 'absent.sock')),
    stalled: shimEnv(join(dir, 'stalled.sock')),
  };
  const samples: ShimSample[] = [];
  try {
    for (let rep = 0; rep < size.reps; rep++) {
      // Rotate the order each repetition so no mode always runs first.
      const order = SHIM_MODES.map((_, i) => SHIM_MODES[(i + rep) % SHIM_MODES.length] as ShimMode);
      for (const mode of order) {
        const out = join(dir, `${mode}-${rep}.json`);
        await run('python3', [WRAPPER, out, '--', ...ansible], { env: env[mode], cwd: dir, maxBuffer: 64 << 20 });
        const r = JSON.parse(readFileSync(out, 'utf8')) as { wall_s: number; vm_hwm_kib: number; cpu_s: number; exit: number };
        samples.push({ mode, rep, wallS: r.wall_s, vmHwmKiB: r.vm_hwm_kib, cpuS: r.cpu_s, exit: r.exit });
      }
    }
    const profile = o.profile ? await profileShim(dir, ansible, env.live) : undefined;
    return { size, command: `python3 bench/max_rss.py OUT.json -- ${ansible.join(' ')}`, samples, modes: summarize(samples), profile };
  } finally {
    await stalled.close();
    await live.stop();
    await receiver.stop();
  }
}

function summarize(samples: ShimSample[]): ShimModeResult[] {
  const of = (mode: ShimMode): ShimSample[] => samples.filter((s) => s.mode === mode);
  const baseWall = median(of('none').map((s) => s.wallS));
  const baseRss = median(of('none').map((s) => s.vmHwmKiB)) / 1024;
  const baseCpu = median(of('none').map((s) => s.cpuS));
  return SHIM_MODES.map((mode) => {
    const medianWallS = median(of(mode).map((s) => s.wallS));
    const medianCpuS = median(of(mode).map((s) => s.cpuS));
    const medianRssMiB = median(of(mode).map((s) => s.vmHwmKiB)) / 1024;
    return {
      mode,
      medianWallS,
      wallRatio: medianWallS / baseWall,
      medianCpuS,
      cpuRatio: medianCpuS / baseCpu,
      medianRssMiB,
      addedRssMiB: medianRssMiB - baseRss,
    };
  });
}

async function profileShim(dir: string, ansible: string[], env: NodeJS.ProcessEnv): Promise<ShimProfile> {
  const out = join(dir, 'shim-profile.json');
  const python = ansiblePython();
  const argv = [await whichAnsible(), ...ansible.slice(1)];
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

async function whichAnsible(): Promise<string> {
  return (await run('sh', ['-c', 'command -v ansible-playbook'])).stdout.trim();
}
