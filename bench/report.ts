// BENCHMARKS.md from the results of the sections that ran.
import type { BenchConfig } from './config.js';
import type { Hotspot } from './cpu-profile.js';
import type { LatencyResult } from './latency.js';
import { LOADED_ABOVE, type Machine } from './machine.js';
import type { ManyRunsResult } from './many-runs.js';
import { manyRunsSection } from './many-runs-report.js';
import type { ShimOverheadResult } from './shim-overhead.js';
import { shimSection } from './shim-report.js';
import { fmt } from './stats.js';
import type { PipelineResult, RawSdkResult } from './throughput.js';
import type { TraceSizeResult } from './trace-size.js';
import { traceSizeSection } from './trace-size-report.js';
import { whatIfSection, type WhatIfResult } from './what-if.js';
import type { SoakResult } from './soak.js';
import { soakSection } from './soak-report.js';
import { summarySection } from './summary-report.js';

export interface BenchResults {
  config: BenchConfig;
  machine: Machine;
  startedAt: string;
  minutes: number;
  shim?: ShimOverheadResult;
  pipeline?: PipelineResult;
  pipelineSmall?: PipelineResult;
  raw?: RawSdkResult;
  latency?: LatencyResult;
  sidecarProfile?: { command: string; totalMs: number; spots: Hotspot[] };
  traceSize?: TraceSizeResult;
  manyRuns?: ManyRunsResult;
  whatIf?: WhatIfResult;
  soak?: SoakResult;
}

const GOALS = { framesPerSec: 100_000, vsRaw: 1.5, rssMiB: 200, p99Ms: 2000 };
const verdict = (ok: boolean): string => (ok ? '**met**' : '**missed**');

function machineSection(r: BenchResults): string[] {
  const m = r.machine;
  const [l1, l5, l15] = m.loadAverage;
  const loaded = l1 > LOADED_ABOVE;
  return [
    '## Machine',
    '',
    `- ${m.nproc} CPUs (nproc), ${fmt(m.memoryGiB, 1)} GiB memory, CPU: ${m.cpuModel}`,
    `- node ${m.node}, ${m.python}, ${m.ansible}`,
    `- load average at start: ${fmt(l1, 2)}, ${fmt(l5, 2)}, ${fmt(l15, 2)} (1, 5, 15 min); started ${r.startedAt}, took ${fmt(r.minutes, 1)} min`,
    '',
    loaded
      ? `> **Measured under load**: the 1-minute load average was ${fmt(l1, 2)} (> ${LOADED_ABOVE}) on ${m.nproc} CPUs when the bench started — other processes shared the machine. Absolute figures are pessimistic and noisy; ratios of interleaved runs are the more trustworthy numbers.`
      : '> The machine was quiet when the bench started.',
    '',
  ];
}

function throughputSection(r: BenchResults): string[] {
  const p = r.pipeline as PipelineResult;
  const fps = p.frames / p.endToEndSeconds;
  const sps = p.receivedSpans / p.endToEndSeconds;
  const out = [
    '## 2. Sidecar throughput',
    '',
    `Stream: ${fmt(p.size.hosts)} hosts × ${fmt(p.size.tasks)} tasks = ${fmt(p.frames)} frames (one \`host_result\` per host and task, a \`task_start\` per task; 70 % ok, 20 % changed command results, 10 % skipped), generated while sent over the Unix socket to \`node ${'dist/cli/main.cjs serve --socket S'}\` exporting OTLP http/protobuf (default batch settings) to a loopback receiver in its own process that counts spans by skipping over them in the protobuf.`,
    '',
    '| | spans | received | ingest s (all frames consumed) | end-to-end s (last span received) | frames/s (ingest) | frames/s (end-to-end) | spans/s (end-to-end) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    `| sidecar, whole pipeline | ${fmt(p.expectedSpans)} | ${fmt(p.receivedSpans)} | ${fmt(p.ingestSeconds, 2)} | ${fmt(p.endToEndSeconds, 2)} | ${fmt(p.frames / p.ingestSeconds)} | ${fmt(fps)} | ${fmt(sps)} |`,
  ];
  const raw = r.raw;
  if (raw)
    out.push(
      `| raw OTel SDK (the limit) | ${fmt(raw.spans)} | ${fmt(raw.receivedSpans)} | ${fmt(raw.createSeconds, 2)} (creating) | ${fmt(raw.endToEndSeconds, 2)} | — | — | ${fmt(raw.receivedSpans / raw.endToEndSeconds)} |`,
    );
  out.push('');
  out.push(
    `Raw SDK: \`node dist/bench/raw-sdk.js URL ${p.size.hosts} ${p.size.tasks}\` — BasicTracerProvider + BatchSpanProcessor (the sidecar's settings: queue 65,536, batch 512, delay 1 s) + OTLPTraceExporter (proto) to the same kind of receiver; the same tree and attributes; creation waits when the queue is near full so nothing is dropped.`,
    '',
  );
  out.push(`sidecar output: ${p.sidecarReport.map((l) => `\`${l}\``).join('; ')}`, '');
  out.push(`Goal ≥ ${fmt(GOALS.framesPerSec)} frames/s (end-to-end): ${verdict(fps >= GOALS.framesPerSec)} (${fmt(fps)}).`);
  if (raw) {
    const ratio = p.endToEndSeconds / raw.endToEndSeconds;
    out.push(`Goal within ${GOALS.vsRaw}× of the raw SDK: ${verdict(ratio <= GOALS.vsRaw)} (${fmt(ratio, 2)}× its end-to-end time).`);
  }
  if (p.receivedSpans < p.expectedSpans) out.push(`**${fmt(p.expectedSpans - p.receivedSpans)} spans were lost** (see the sidecar output above).`);
  out.push('');
  return out;
}

function memorySection(r: BenchResults): string[] {
  const p = r.pipeline as PipelineResult;
  const small = r.pipelineSmall;
  const out = [
    '## 3. Sidecar memory',
    '',
    'Peak RSS of the `serve` process (`VmHWM` from `/proc/<pid>/status`, polled every 100 ms) over the stream above and over a stream of a tenth the hosts.',
    '',
    '| stream | frames | peak RSS (MiB) |',
    '|---|---:|---:|',
  ];
  if (small) out.push(`| ${fmt(small.size.hosts)} × ${fmt(small.size.tasks)} | ${fmt(small.frames)} | ${fmt(small.peakRssMiB, 1)} |`);
  out.push(`| ${fmt(p.size.hosts)} × ${fmt(p.size.tasks)} | ${fmt(p.frames)} | ${fmt(p.peakRssMiB, 1)} |`, '');
  out.push(
    `Goal ≤ ${GOALS.rssMiB} MB: ${verdict(p.peakRssMiB * 1.048576 <= GOALS.rssMiB)}.${small ? ` Flat in run size: ${fmt(p.peakRssMiB / small.peakRssMiB, 2)}× the peak for ${fmt(p.frames / small.frames, 0)}× the frames.` : ''}`,
    '',
  );
  return out;
}

function latencySection(l: LatencyResult): string[] {
  return [
    '## 4. Latency: host result frame → span at the receiver',
    '',
    `Default sidecar settings (batch delay 1 s). ${fmt(l.rate)} host results/s for ${l.seconds} s over ${l.hosts} hosts (a \`task_start\` every ${l.hosts} results); frames carry the wall clock; each received host span is matched to its frame by \`ansible.task.host.name\` + \`ansible.task.uuid\`; latency = arrival at the receiver − the moment the frame was written.`,
    '',
    '| sent | matched | p50 ms | p99 ms | max ms |',
    '|---:|---:|---:|---:|---:|',
    `| ${fmt(l.sent)} | ${fmt(l.matched)} | ${fmt(l.p50Ms)} | ${fmt(l.p99Ms)} | ${fmt(l.maxMs)} |`,
    '',
    `Goal p99 ≤ ${GOALS.p99Ms} ms: ${verdict(l.p99Ms <= GOALS.p99Ms)}.`,
    '',
  ];
}

function profileSection(p: NonNullable<BenchResults['sidecarProfile']>): string[] {
  return [
    '## 5. Sidecar CPU profile (throughput stream, smaller)',
    '',
    `\`${p.command}\`; ${fmt(p.totalMs)} ms of samples (idle left out). Top functions by self time:`,
    '',
    '| function | where | self ms | share |',
    '|---|---|---:|---:|',
    ...p.spots.map((s) => `| \`${s.fn}\` | ${s.where ? `\`${s.where}\`` : ''} | ${fmt(s.selfMs)} | ${fmt(s.share * 100, 1)} % |`),
    '',
  ];
}

/** The generated report; the hand-written lab notebook stays in bench/analysis.md, linked from it. */
export function renderReport(r: BenchResults, commands: string[]): string {
  const lines = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/, see bench/main.ts); sizes are set by `BENCH_*` variables or flags (`--shim-reps 1`).',
    '',
    ...summarySection(r),
    ...machineSection(r),
    '## Commands',
    '',
    '```sh',
    ...commands,
    '```',
    '',
  ];
  if (r.shim) lines.push(...shimSection(r.shim));
  if (r.pipeline) lines.push(...throughputSection(r), ...memorySection(r));
  if (r.latency) lines.push(...latencySection(r.latency));
  if (r.sidecarProfile) lines.push(...profileSection(r.sidecarProfile));
  if (r.traceSize) lines.push(...traceSizeSection(r.traceSize));
  if (r.manyRuns) lines.push(...manyRunsSection(r.manyRuns, GOALS.p99Ms));
  if (r.whatIf) lines.push(...whatIfSection(r.whatIf));
  if (r.soak) lines.push(...soakSection(r.soak));
  lines.push('## Lab notebook', '', 'How these figures were measured and read, what was tried, and what is left: [bench/analysis.md](bench/analysis.md).', '');
  return `${lines.join('\n')}\n`;
}
