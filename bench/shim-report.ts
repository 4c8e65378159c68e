// The shim section of BENCHMARKS.md: per workload and pinning, wall/CPU ratios of interleaved
// pairs, the controller's main thread, RSS, and the shim's own accounting.
import { modeLabel, modeName, type ShimOverheadResult, type ShimSample } from './shim-overhead.js';
import { medianCost, shimCost } from './shim-stats.js';
import { fmt, median } from './stats.js';

const GOALS = { live: 1.02, absent: 1.03, mainShare: 0.01, addedRssMiB: 5 };
const verdict = (ok: boolean): string => (ok ? '**met**' : '**missed**');
export const range = (v: number[]): string => `${fmt(Math.min(...v), 3)}–${fmt(Math.max(...v), 3)}`;

/** Per repetition: the mode's figure over the baseline's of the same repetition (an interleaved pair). */
export function pairRatios(runs: ShimSample[], base: ShimSample[], k: 'wallS' | 'cpuS'): number[] {
  return runs.flatMap((s) => {
    const b = base.find((x) => x.rep === s.rep);
    return b ? [s[k] / b[k]] : [];
  });
}

/** Per repetition: the mode's figure minus the other mode's of the same repetition. */
export function pairDiffs(runs: ShimSample[], base: ShimSample[], k: 'mainCpuS'): number[] {
  return runs.flatMap((s) => {
    const b = base.find((x) => x.rep === s.rep);
    return b && s[k] !== null && b[k] !== null ? [s[k] - b[k]] : [];
  });
}

export const signed = (v: number): string => `${v >= 0 ? '+' : '−'}${fmt(Math.abs(v), 2)}`;

function block(s: ShimOverheadResult, workload: string, pin: string): string[] {
  const of = (mode: string): ShimSample[] => s.samples.filter((x) => x.workload === workload && x.pin === pin && x.mode === mode);
  const base = of('none');
  const baseRss = median(base.map((x) => x.vmHwmKiB)) / 1024;
  const out = [
    `### ${workload} (hosts x tasks, forks), ${pin}`,
    '',
    '| mode | median wall s | wall × baseline, median of pairs (min–max) | median CPU s (ansible + workers) | CPU × baseline (min–max) | main-thread CPU s | main-thread voluntary switches | peak RSS MiB | added MiB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const ratios: Record<string, number> = {};
  for (const mode of s.modes) {
    const runs = of(modeName(mode));
    if (!runs.length) continue;
    const wr = pairRatios(runs, base, 'wallS');
    const cr = pairRatios(runs, base, 'cpuS');
    const rss = median(runs.map((x) => x.vmHwmKiB)) / 1024;
    ratios[modeName(mode)] = median(wr);
    out.push(
      `| ${modeLabel(mode)} | ${fmt(median(runs.map((x) => x.wallS)), 2)} | ${fmt(median(wr), 3)} (${range(wr)}) | ${fmt(median(runs.map((x) => x.cpuS)), 2)} | ${fmt(median(cr), 3)} (${range(cr)}) | ${fmt(median(runs.map((x) => x.mainCpuS ?? NaN)), 2)} | ${fmt(median(runs.map((x) => x.mainSwitches ?? NaN)))} | ${fmt(rss, 1)} | ${fmt(rss - baseRss, 1)} |`,
    );
  }
  const accounted = s.samples.some((x) => x.workload === workload && x.pin === pin && x.stats);
  if (accounted)
    out.push(
      '',
      "The shim's own accounting (medians; the shim wrapped from outside by `bench/shim-stats-callback/otel_sidecar_bench.py`, which writes `ANSIBLE_OTEL_BENCH_STATS`): entry points timed with `perf_counter_ns` on the controller's main thread, their CPU time and its share of that thread's CPU time (in brackets: their wall time over it, an upper bound that counts preemption); garbage collections that ran inside them; the main thread's voluntary context switches inside them (waits: the GIL, a lock, I/O) and involuntary ones (preempted by the OS) and its minor page faults there (`getrusage(RUSAGE_THREAD)`); the writer thread's CPU clock, wake-ups and minor page faults (`/proc/self/task/<tid>/stat`).",
      '',
      '| mode | frames | entry calls | shim main-thread ms (wall) | of it CPU ms | of it GC ms | CPU µs per call | share of main-thread CPU (wall: upper bound) | main thread in the shim: waits / preempted | page faults in the shim | exit handler ms | writer CPU ms | writer wake-ups | writer page faults |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    );
  const shares: Record<string, number> = {};
  for (const mode of s.modes) {
    const costs = of(modeName(mode)).flatMap((x) => (x.stats ? [shimCost(x.stats)] : []));
    if (!costs.length) continue;
    const c = medianCost(costs);
    shares[modeName(mode)] = c.mainShare;
    out.push(
      `| ${modeLabel(mode)} | ${fmt(c.frames)} | ${fmt(c.calls)} | ${fmt(c.mainWallMs, 1)} | ${fmt(c.mainCpuMs, 1)} | ${fmt(c.gcInShimMs, 1)} | ${fmt((c.mainCpuMs * 1000) / c.calls, 1)} | ${fmt(c.mainShare * 100, 2)} % (${fmt(c.mainWallShare * 100, 1)} %) | ${fmt(c.waits)} / ${fmt(c.preemptions)} | ${fmt(c.faults)} | ${fmt(c.exitMs, 0)} | ${fmt(c.writerCpuMs, 1)} | ${fmt(c.wakeups)} | ${fmt(c.writerFaults)} |`,
    );
  }
  out.push('');
  const goals: string[] = [];
  if (ratios.live !== undefined) goals.push(`wall ≤ ${GOALS.live}× with a live sidecar: ${verdict(ratios.live <= GOALS.live)} (${fmt(ratios.live, 3)}×)`);
  if (ratios.absent !== undefined) goals.push(`≤ ${GOALS.absent}× spooling: ${verdict(ratios.absent <= GOALS.absent)} (${fmt(ratios.absent, 3)}×)`);
  if (shares.live !== undefined)
    goals.push(`shim ≤ ${GOALS.mainShare * 100} % of the main thread: ${verdict(shares.live <= GOALS.mainShare)} (${fmt(shares.live * 100, 2)} %)`);
  if (goals.length) out.push(`Goals (this tree's shim): ${goals.join('; ')}.`, '');
  // The shim's own part: over an empty callback, which pays what ansible spends on any callback.
  const floor = of('floor');
  const overFloor = ['live', 'absent'].flatMap((m) => {
    const runs = of(m);
    if (!floor.length || !runs.length) return [];
    const wr = pairRatios(runs, floor, 'wallS');
    const main = pairDiffs(runs, floor, 'mainCpuS');
    return [
      `${modeLabel({ sidecar: m as 'live', before: false })}: wall ${fmt(median(wr), 3)}× (${range(wr)}), main-thread CPU ${signed(median(main))} s (${signed(Math.min(...main))} to ${signed(Math.max(...main))})`,
    ];
  });
  if (overFloor.length) out.push(`Over the empty callback (pairs of the same repetition): ${overFloor.join('; ')}.`, '');
  return out;
}

export function shimSection(s: ShimOverheadResult): string[] {
  const out = [
    '## 1. Shim overhead (ansible-playbook wall time, CPU, controller main thread and RSS)',
    '',
    `Playbooks: ${s.workloads.map((w) => `${w.hosts} hosts × ${w.tasks} tasks at forks ${w.forks}`).join('; ')} (\`ansible_connection=local\`; set_fact, debug, skipped, debug, set_fact, command in turn; \`gather_facts: false\`). ${s.reps} repetitions per mode, modes interleaved (order rotated each repetition); a ratio is taken per repetition against the baseline run of the same repetition (a pair), then the median and the range over pairs.${s.before ? ` "before" is the shim in \`${s.before}\`, run interleaved with this tree's.` : ''}`,
    `Each run: \`${s.command}\`. Pinned: \`taskset -c 0\` for the playbook (controller and workers), the sidecar and the receiver moved to CPU 1 (\`taskset -a -p -c 1\`); unpinned: everything on both CPUs. CPU is user + system time of ansible-playbook and its reaped workers; main-thread CPU and voluntary context switches are the controller's main thread alone (\`/proc/<pid>/task/<pid>\`, last reading before exit); RSS is the controller's \`VmHWM\`.`,
    '',
  ];
  for (const w of [...new Set(s.samples.map((x) => x.workload))]) for (const p of s.pins) out.push(...block(s, w, p));
  for (const line of s.skipped ?? []) out.push(`${line}.`, '');
  const bad = s.samples.filter((x) => x.exit);
  if (bad.length) out.push(`**Runs that failed**: ${bad.map((x) => `${x.workload}/${x.pin}/${x.mode}#${x.rep} exit ${x.exit}`).join(', ')}.`, '');
  out.push(
    `All samples (wall s / CPU s): ${s.samples.map((x) => `${x.workload}/${x.pin}/${x.mode}#${x.rep} ${fmt(x.wallS, 2)} / ${fmt(x.cpuS, 2)}`).join(', ')}.`,
    '',
  );
  if (s.profile) {
    const p = s.profile;
    out.push(
      '### Shim profile (cProfile, controller main thread, live sidecar, first workload)',
      '',
      `\`${p.command}\` — the shim's entry points took ${fmt(p.callbacksS * 1000, 0)} ms cumulative over ${fmt(p.callbackCalls)} calls, ${fmt((p.callbacksS / p.totalS) * 100, 2)} % of the ${fmt(p.totalS, 1)} s profiled on the main thread (cProfile inflates small Python functions: where the time goes, not how much).`,
      '',
      '| shim function | calls | own ms | cumulative ms |',
      '|---|---:|---:|---:|',
      ...p.top.map((t) => `| \`${t.function}\` | ${fmt(t.calls)} | ${fmt(t.own_s * 1000, 1)} | ${fmt(t.cumulative_s * 1000, 1)} |`),
      '',
    );
  }
  return out;
}
