// Section 9 of BENCHMARKS.md: one serve over many runs in a row (bench/soak.ts, issue #23).
import type { SoakResult, SoakSample } from './soak.js';
import { fmt, median } from './stats.js';

/** RSS at the last sample over RSS after 1,000 runs: the goal of #23 is ≤ 1.1. */
const GROWTH_GOAL = 1.1;

export function soakSection(s: SoakResult): string[] {
  const at = (runs: number): SoakSample | undefined => s.samples.find((x) => x.runs === runs);
  const last = s.samples.at(-1)!;
  const base = at(1000) ?? s.samples[Math.min(1, s.samples.length - 1)]!;
  const shown = s.samples.filter((x) => x.runs === 1 || x.runs === 1000 || x.runs % Math.max(s.every, s.runs / 10) === 0 || x === last);
  const rss = s.samples.map((x) => x.rssMiB);
  const loads = s.samples.map((x) => x.load1);
  const growth = last.rssMiB / base.rssMiB;
  const afterBase = s.samples.filter((x) => x.runs >= base.runs).map((x) => x.rssMiB);
  // One sample can sit anywhere on the heap's sawtooth between collections (tens of MiB): the
  // medians of the first and the last fifth after the base say whether the floor moved.
  const fifth = (last.runs - base.runs) / 5;
  const early = s.samples.filter((x) => x.runs >= base.runs && x.runs <= base.runs + fifth).map((x) => x.rssMiB);
  const late = s.samples.filter((x) => x.runs >= last.runs - fifth).map((x) => x.rssMiB);
  return [
    '## 9. One serve over many runs (soak)',
    '',
    `\`BENCH_SECTIONS=soak BENCH_SOAK_RUNS=${s.runs} BENCH_SOAK_EVERY=${s.every} npm run bench\`. \`${s.command}\`, OTLP http/protobuf traces, metrics and logs to a loopback receiver (its own process), the delivery ledger on (default), a live watcher on \`/watch\`. The recorded features run (test/fixtures/features.ndjson: 117 frames, ${s.spansPerRun} spans, 17 log records; its \`hello\` with \`resume\`, as today's shims send it) sent ${fmt(s.runs)} times, one run after the other, each under a fresh run id, each awaiting its ack (exported, in the ledgers, marked done) before the next. Every ${fmt(s.every)} runs: serve's \`VmRSS\`, and the files and disk blocks under its ledger directory.`,
    '',
    '| runs | serve RSS MiB | ledger files | ledger KiB (blocks) | elapsed s | load average (1 min) |',
    '|---:|---:|---:|---:|---:|---:|',
    ...shown.map((x) => `| ${fmt(x.runs)} | ${fmt(x.rssMiB, 1)} | ${fmt(x.ledgerFiles)} | ${fmt(x.ledgerKiB)} | ${fmt(x.seconds)} | ${fmt(x.load1, 2)} |`),
    '',
    `RSS over all ${s.samples.length} samples: ${fmt(Math.min(...rss), 1)}–${fmt(Math.max(...rss), 1)} MiB; from ${fmt(base.runs)} runs on: ${fmt(Math.min(...afterBase), 1)}–${fmt(Math.max(...afterBase), 1)} MiB. Peak (\`VmHWM\`): ${fmt(s.peakRssMiB, 1)} MiB. Load average during the run: ${fmt(Math.min(...loads), 2)}–${fmt(Math.max(...loads), 2)}${Math.max(...loads) > 1 ? ' (other processes shared the machine)' : ''}.`,
    '',
    `Goal RSS at ${fmt(last.runs)} runs ≤ RSS at ${fmt(base.runs)} runs + 10 %: ${growth <= GROWTH_GOAL ? '**met**' : '**missed**'} (${fmt(last.rssMiB, 1)} vs ${fmt(base.rssMiB, 1)} MiB, ${fmt(growth, 3)}×). Spans: ${fmt(s.receivedSpans)} of ${fmt(s.expectedSpans)} received${s.receivedSpans < s.expectedSpans ? ' (**some were lost**)' : ''}; serve exit ${s.sidecarExit}.`,
    '',
    `Median RSS over the first fifth after ${fmt(base.runs)} runs (${early.length} samples) and over the last fifth (${late.length}): ${fmt(median(early), 1)} and ${fmt(median(late), 1)} MiB, ${fmt(median(late) / median(early), 3)}× (single samples move with the heap's collections; the medians show whether memory grows with the runs).`,
    '',
    `sidecar output: ${s.sidecarReport.map((l) => `\`${l}\``).join('; ')}`,
    '',
  ];
}
