// Section 7 of BENCHMARKS.md: many concurrent runs on one serve (bench/many-runs.ts).
import type { ManyRunsResult, RunLatency } from './many-runs.js';
import { fmt, median } from './stats.js';

/** The run whose p99 is highest: the one the others' traffic delayed most. */
function worstRun(perRun: RunLatency[]): RunLatency {
  return perRun.reduce((a, b) => (b.p99Ms > a.p99Ms ? b : a));
}

/** A run whose p99 is above this many times the median run's is starved by the others. */
const STARVING = 1.5;

export function manyRunsSection(m: ManyRunsResult, goalP99Ms: number): string[] {
  const counts = m.rows.map((r) => r.runs).join(',');
  const rows = m.rows.map((r) => {
    const worst = worstRun(r.perRun);
    const p99s = r.perRun.map((p) => p.p99Ms);
    return `| ${fmt(r.runs)} | ${fmt(r.runs * m.rate)} | ${fmt(r.expectedSpans)} | ${fmt(r.receivedSpans)} | ${fmt(r.peakRssMiB, 1)} | ${fmt(r.all.p50Ms)} / ${fmt(r.all.p99Ms)} / ${fmt(r.all.maxMs)} | ${fmt(Math.min(...p99s))} / ${fmt(median(p99s))} / ${fmt(worst.p99Ms)} | ${fmt(worst.p50Ms)} / ${fmt(worst.p99Ms)} / ${fmt(worst.maxMs)} | ${r.sidecarExit} |`;
  });
  const worstP99 = Math.max(...m.rows.map((r) => worstRun(r.perRun).p99Ms));
  // Starving: one run's p99 far above its peers' under the same serve and load.
  const starving = m.rows.map((r) => worstRun(r.perRun).p99Ms / median(r.perRun.map((p) => p.p99Ms)));
  const lost = m.rows.filter((r) => r.receivedSpans < r.expectedSpans);
  return [
    '## 7. Many runs per sidecar',
    '',
    `\`BENCH_SECTIONS=runs BENCH_RUNS_COUNTS=${counts} BENCH_RUNS_RATE=${m.rate} BENCH_RUNS_SECONDS=${m.seconds} BENCH_RUNS_HOSTS=${m.hosts} npm run bench\`. For each count, a fresh \`serve\` (default settings, batch delay 1 s, its own disk queue and delivery ledger) and that many generated runs on it at once, one connection each, each its own run id and task uuids: every run sends ${fmt(m.rate)} host results/s for ${m.seconds} s over ${m.hosts} hosts (a \`task_start\` every ${m.hosts} results), frames stamped with the wall clock. Latency = arrival of the host span at the loopback receiver − the moment its frame was written, matched by host and task uuid, per run. Peak RSS: \`VmHWM\` of serve, polled every 100 ms.`,
    '',
    '| concurrent runs | host results/s, all runs | spans expected | spans received | serve peak RSS MiB | all spans p50 / p99 / max ms | runs’ p99: best / median / worst ms | worst run p50 / p99 / max ms | serve exit |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Goal: every run's p99 ≤ ${goalP99Ms} ms at up to ${fmt(m.rate * Math.max(...m.rows.map((r) => r.runs)))} host results/s in all (section 4's goal is set at 2,000): ${worstP99 <= goalP99Ms ? '**met**' : '**missed**'} (worst run's p99 ${fmt(worstP99)} ms).${lost.length ? ` **Spans were lost** at ${lost.map((r) => `${r.runs} runs (${fmt(r.expectedSpans - r.receivedSpans)})`).join(', ')}.` : ' Every span arrived.'}`,
    `Goal: no run starves (the worst run's p99 ≤ ${STARVING}× the median run's, at every count): ${starving.every((x) => x <= STARVING) ? '**met**' : '**missed**'} (${starving.map((x, i) => `${m.rows[i]!.runs} runs ${x.toFixed(2)}×`).join(', ')}).`,
    '',
    `sidecar output: ${m.rows.map((r) => `${r.runs} runs: ${r.sidecarReport.map((l) => `\`${l}\``).join('; ')}`).join('; ')}`,
    '',
  ];
}
