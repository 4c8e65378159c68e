// `npm run bench`: runs the sections, writes BENCHMARKS.md. Sizes: bench/config.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { configVariables, readConfig } from './config.js';
import { hotspots, newestProfile } from './cpu-profile.js';
import { hostSpanLatency } from './latency.js';
import { manyRuns } from './many-runs.js';
import { describeMachine } from './machine.js';
import { benchCacheHome } from './env.js';
import { renderReport, type BenchResults } from './report.js';
import { shimOptions } from './shim-options.js';
import { shimOverhead } from './shim-overhead.js';
import { ROOT, SidecarProcess } from './sidecar-process.js';
import { pipelineThroughput, rawSdkThroughput } from './throughput.js';
import { traceSizes } from './trace-size.js';
import { whatIfAccuracy } from './what-if.js';
import { soak } from './soak.js';

const log = (m: string): void => void process.stderr.write(`bench: ${m}\n`);

/** Results are kept next to the temp dirs, so `--render FILE` can rewrite BENCHMARKS.md (e.g. after a change to the renderer) without measuring again. */
const RESULTS = join(tmpdir(), 'ansible-otel-bench-results.json');

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const config = readConfig(argv, process.env);
  const renderFrom = argv.indexOf('--render') >= 0 ? argv[argv.indexOf('--render') + 1] : undefined;
  if (renderFrom) {
    const saved = JSON.parse(readFileSync(renderFrom, 'utf8')) as BenchResults;
    return write({ ...saved, config: { ...saved.config, sections: new Set(saved.config.sections) } }, resolve(ROOT, config.output));
  }
  const started = Date.now();
  const r: BenchResults = { config, machine: describeMachine(), startedAt: new Date(started).toISOString(), minutes: 0 };
  log(`load average ${r.machine.loadAverage.map((l) => l.toFixed(2)).join(' ')}; sections: ${[...config.sections].join(', ')}`);
  const work = mkdtempSync(join(tmpdir(), 'otel-bench-'));
  const stream = { hosts: config.streamHosts, tasks: config.streamTasks };
  try {
    if (config.sections.has('shim')) {
      log(
        `shim overhead: ${config.shimWorkloads}, ${config.shimPins}, ${config.shimReps} reps of ${config.shimModes}${config.shimBefore ? ` (and before: ${config.shimBefore})` : ''}`,
      );
      r.shim = await shimOverhead(join(work, 'playbook'), shimOptions(config));
      for (const line of r.shim.skipped) log(line);
    }
    if (config.sections.has('throughput')) {
      const small = { hosts: Math.max(1, Math.round(stream.hosts * config.smallFraction)), tasks: stream.tasks };
      log(`throughput: ${small.hosts} × ${small.tasks}, then ${stream.hosts} × ${stream.tasks}, then the raw SDK`);
      r.pipelineSmall = await pipelineThroughput(small);
      r.pipeline = await pipelineThroughput(stream);
      r.raw = await rawSdkThroughput(stream);
    }
    if (config.sections.has('latency')) {
      log(`latency: ${config.latencyRate}/s for ${config.latencySeconds} s`);
      r.latency = await hostSpanLatency({ rate: config.latencyRate, seconds: config.latencySeconds, hosts: config.latencyHosts });
    }
    if (config.sections.has('profile')) {
      const size = { hosts: Math.max(1, Math.round(stream.hosts * config.smallFraction)), tasks: stream.tasks };
      log(`sidecar CPU profile: ${size.hosts} × ${size.tasks}`);
      const dir = join(work, 'cpu-prof');
      await pipelineThroughput(size, { cpuProfDir: dir });
      const profile = hotspots(newestProfile(dir), ROOT, 15);
      r.sidecarProfile = {
        command: `node ${SidecarProcess.command('S', 'DIR')
          .map((a) => a.replace(`${ROOT}/`, ''))
          .join(' ')} (stream ${size.hosts} × ${size.tasks})`,
        ...profile,
      };
    }
    if (config.sections.has('size')) {
      const size = { hosts: Math.max(1, Math.round(stream.hosts * config.smallFraction)), tasks: stream.tasks };
      log(`trace size: a recorded run, then a generated ${size.hosts} × ${size.tasks}, replayed plain and gzip`);
      r.traceSize = await traceSizes(size, stream);
    }
    if (config.sections.has('runs')) {
      log(`many runs: ${config.runsCounts.join(', ')} concurrent runs on one serve, each ${config.runsRate} host results/s for ${config.runsSeconds} s`);
      r.manyRuns = await manyRuns({ counts: config.runsCounts, rate: config.runsRate, seconds: config.runsSeconds, hosts: config.runsHosts });
    }
    if (config.sections.has('whatif')) {
      log(`what-if: ${config.whatifHosts} hosts at forks ${config.whatifFrom} and ${config.whatifTo}, ${config.whatifPairs} pairs`);
      r.whatIf = await whatIfAccuracy({
        dir: join(work, 'what-if'),
        hosts: config.whatifHosts,
        from: config.whatifFrom,
        to: config.whatifTo,
        pairs: config.whatifPairs,
        scale: config.whatifScale,
      });
    }
    if (config.sections.has('soak')) {
      log(`soak: ${config.soakRuns} runs one after the other through one serve, every output on`);
      r.soak = await soak({ runs: config.soakRuns, every: config.soakEvery }, log);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
    rmSync(benchCacheHome(), { recursive: true, force: true });
  }
  r.minutes = (Date.now() - started) / 60_000;
  writeFileSync(RESULTS, JSON.stringify({ ...r, config: { ...config, sections: [...config.sections] } }));
  write(r, resolve(ROOT, config.output));
}

function write(r: BenchResults, out: string): void {
  const { config } = r;
  const commands = [
    '# everything (builds first); any size can be changed, e.g.:',
    `# ${configVariables().join(' ')}`,
    'npm run bench',
    `BENCH_SHIM_REPS=${config.shimReps} BENCH_SHIM_WORKLOADS=${config.shimWorkloads} BENCH_SHIM_MODES=${config.shimModes} BENCH_SHIM_PINS=${config.shimPins}${config.shimBefore ? ` BENCH_SHIM_BEFORE=${config.shimBefore}` : ''} BENCH_STREAM_HOSTS=${config.streamHosts} BENCH_STREAM_TASKS=${config.streamTasks} BENCH_LATENCY_RATE=${config.latencyRate} BENCH_LATENCY_SECONDS=${config.latencySeconds} npm run bench   # this run`,
    '# one section: BENCH_SECTIONS=throughput npm run bench  (shim, throughput, latency, profile, size, runs, whatif, soak)',
    '# the shim beside its peers: BENCH_SECTIONS=shim BENCH_SHIM_MODES=live,ara,cg npm run bench  (ara: apt-get install python3-ara ara-server; cg: sh bench/peers/build-cg.sh; bench/README.md)',
    `# the what-if accuracy alone (section 8): npm run bench -- --sections whatif --whatif-pairs ${config.whatifPairs} --output whatif.md`,
    '# the shim micro-benchmark: /usr/bin/python3 test/shim/bench_shim.py 20000',
    "# a callback right after a fork of ansible's (copy-on-write faults): /usr/bin/python3 test/shim/bench_fork.py 150",
  ];
  writeFileSync(out, renderReport(r, commands));
  log(`wrote ${out} (${r.minutes.toFixed(1)} min; results also in ${RESULTS}, re-render with --render)`);
}

await main();
