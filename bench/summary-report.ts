// The first screen of BENCHMARKS.md: one table of what a user asks first. What the shim costs
// ansible-playbook next to its peers (community.general.opentelemetry, ARA), each against no
// callback in the same interleaved run; and what the sidecar costs next to the raw OTel SDK
// (throughput, memory, latency). A row whose section did not run says so.
import type { LatencyResult } from './latency.js';
import { modeName, type ShimOverheadResult, type ShimSample } from './shim-overhead.js';
import { pairDiffs, pairRatios, range, signed } from './shim-report.js';
import { fmt, median } from './stats.js';
import type { PipelineResult, RawSdkResult } from './throughput.js';

export interface SummaryInput {
  startedAt: string;
  machine: { loadAverage: number[] };
  shim?: ShimOverheadResult;
  pipeline?: PipelineResult;
  pipelineSmall?: PipelineResult;
  raw?: RawSdkResult;
  latency?: LatencyResult;
}

const ROWS: [mode: string, label: string][] = [
  ['live', 'this project: shim + live sidecar'],
  ['cg', 'community.general.opentelemetry (exporting OTLP http)'],
  ['ara', 'ARA (offline client, sqlite)'],
];
const NOT_RUN = 'not in this run';

/** The shim section's first workload, pinned if it ran pinned: the one the table reports. */
function shimRows(s: ShimOverheadResult | undefined, when: string): string[] {
  const pin = s?.pins.includes('pinned') ? 'pinned' : s?.pins[0];
  const workload = s?.samples[0]?.workload;
  const of = (mode: string): ShimSample[] => s?.samples.filter((x) => x.workload === workload && x.pin === pin && x.mode === mode) ?? [];
  const base = of('none');
  const where = `${when}, ${workload} ${pin}, ${base.length} pairs`;
  return ROWS.map(([mode, label]) => {
    const runs = s?.modes.some((m) => modeName(m) === mode) ? of(mode) : [];
    if (!runs.length || !base.length) return `| ${label} | no callback | ${NOT_RUN} (\`BENCH_SHIM_MODES=${mode}\`) | | | | |`;
    const wall = pairRatios(runs, base, 'wallS');
    const cpu = pairRatios(runs, base, 'cpuS');
    const main = pairDiffs(runs, base, 'mainCpuS');
    const baseMain = median(base.map((x) => x.mainCpuS ?? NaN));
    const rss = (median(runs.map((x) => x.vmHwmKiB)) - median(base.map((x) => x.vmHwmKiB))) / 1024;
    return `| ${label} | no callback | wall ${fmt(median(wall), 3)}× (${range(wall)}) | main thread +${fmt((median(main) / baseMain) * 100, 1)} % (${signed(median(main))} s, ${signed(Math.min(...main))} to ${signed(Math.max(...main))}); all threads ${fmt(median(cpu), 3)}× | controller RSS +${fmt(rss, 1)} MiB | | ${where} |`;
  });
}

export function summarySection(r: SummaryInput): string[] {
  const when = r.startedAt.slice(0, 16).replace('T', ' ');
  const load = `load average ${fmt(r.machine.loadAverage[0] ?? NaN, 1)} at the start`;
  const p = r.pipeline;
  const raw = r.raw;
  const l = r.latency;
  const throughput =
    p && raw
      ? `| sidecar (\`serve\`), ${fmt(p.frames)} frames | raw OTel JS SDK, the same spans | end-to-end ${fmt(p.endToEndSeconds / raw.endToEndSeconds, 2)}× its time (${fmt(p.receivedSpans / p.endToEndSeconds)} vs ${fmt(raw.receivedSpans / raw.endToEndSeconds)} spans/s) | | | | ${when} |`
      : `| sidecar (\`serve\`) | raw OTel JS SDK, the same spans | ${NOT_RUN} (section 2) | | | | |`;
  const memory = p
    ? `| sidecar memory | ${r.pipelineSmall ? `a run ${fmt(p.frames / r.pipelineSmall.frames)}× smaller` : ''} | | | peak RSS ${fmt(p.peakRssMiB, 1)} MiB at ${fmt(p.frames)} frames${r.pipelineSmall ? `, ${fmt(r.pipelineSmall.peakRssMiB, 1)} MiB at ${fmt(r.pipelineSmall.frames)}` : ''} | | ${when} |`
    : `| sidecar memory | | ${NOT_RUN} (section 3) | | | | |`;
  const latency = l
    ? `| sidecar latency, ${fmt(l.rate)} host results/s | frame written → span at an OTLP receiver | | | | p50 ${fmt(l.p50Ms)} ms, p99 ${fmt(l.p99Ms)} ms | ${when} |`
    : `| sidecar latency | frame written → span at an OTLP receiver | ${NOT_RUN} (section 4) | | | | |`;
  return [
    '## At a glance',
    '',
    '| | against | time | CPU (controller) | memory | latency | measured (UTC) |',
    '|---|---|---|---|---|---|---|',
    ...shimRows(r.shim, `${when}, ${load}`),
    throughput,
    memory,
    latency,
    '',
    'Callback rows: ansible-playbook with each callback against the same playbook without one, in the same bench run, modes interleaved; median of the per-pair ratios (min–max). "main thread" is the CPU the controller\'s main thread spent over the baseline\'s, "all threads" the CPU of ansible-playbook and its workers (a callback\'s export threads included), RSS the controller\'s peak. The details are in section 1, the machine and the commands right below; how each figure was reached and what is left is in the lab notebook, [bench/analysis.md](bench/analysis.md).',
    '',
  ];
}
