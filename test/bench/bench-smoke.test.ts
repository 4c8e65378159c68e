// The benchmark code at tiny sizes, only to prove it works: shapes and counts, never timings.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../src/protocol/decode.js';

type Mod<T> = Promise<T>;
const ROOT = resolve(import.meta.dirname, '..', '..');
const dist = (name: string): string => join(ROOT, 'dist', 'bench', `${name}.js`);
// The bench forks its own compiled files (receiver, raw SDK): test what `npm run bench` runs.
const load = {
  wire: (): Mod<typeof import('../../bench/otlp-wire.js')> => import(dist('otlp-wire')),
  stream: (): Mod<typeof import('../../bench/frame-stream.js')> => import(dist('frame-stream')),
  throughput: (): Mod<typeof import('../../bench/throughput.js')> => import(dist('throughput')),
  latency: (): Mod<typeof import('../../bench/latency.js')> => import(dist('latency')),
  manyRuns: (): Mod<typeof import('../../bench/many-runs.js')> => import(dist('many-runs')),
  manyRunsReport: (): Mod<typeof import('../../bench/many-runs-report.js')> => import(dist('many-runs-report')),
  soak: (): Mod<typeof import('../../bench/soak.js')> => import(dist('soak')),
  soakReport: (): Mod<typeof import('../../bench/soak-report.js')> => import(dist('soak-report')),
  shim: (): Mod<typeof import('../../bench/shim-overhead.js')> => import(dist('shim-overhead')),
  profile: (): Mod<typeof import('../../bench/cpu-profile.js')> => import(dist('cpu-profile')),
  report: (): Mod<typeof import('../../bench/report.js')> => import(dist('report')),
  config: (): Mod<typeof import('../../bench/config.js')> => import(dist('config')),
  machine: (): Mod<typeof import('../../bench/machine.js')> => import(dist('machine')),
  whatIf: (): Mod<typeof import('../../bench/what-if.js')> => import(dist('what-if')),
};

let work: string;
beforeAll(() => {
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'bench', 'tsconfig.json')], { stdio: 'inherit' });
  work = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
}, 120_000);
afterAll(async () => {
  rmSync(work, { recursive: true, force: true });
  const { benchCacheHome } = (await import(dist('env'))) as typeof import('../../bench/env.js');
  rmSync(benchCacheHome(), { recursive: true, force: true }); // the shim's spool files of the 'absent' mode
});

describe('benchmark building blocks', () => {
  it('counts and picks spans in an OTLP protobuf request without decoding it all', async () => {
    const { countSpans, pickSpans } = await load.wire();
    const memory = new InMemorySpanExporter();
    const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer('t');
    for (let i = 0; i < 3; i++) tracer.startSpan(`s${i}`, { attributes: { 'ansible.task.host.name': `h${i}`, 'ansible.task.uuid': 'u', n: i } }).end();
    const body = Buffer.from(ProtobufTraceSerializer.serializeRequest(memory.getFinishedSpans()) as Uint8Array);
    expect(countSpans(body)).toBe(3);
    const picked = pickSpans(body, new Set(['ansible.task.host.name', 'ansible.task.uuid']));
    expect(picked.map((p) => p.attributes)).toEqual([0, 1, 2].map((i) => ({ 'ansible.task.host.name': `h${i}`, 'ansible.task.uuid': 'u' })));
    expect(picked.every((p) => p.endNs > 0)).toBe(true);
  });

  it('generates a frame stream of the announced shape, every frame valid', async () => {
    const { frameChunks, streamShape } = await load.stream();
    const size = { hosts: 7, tasks: 3 };
    const lines = [...frameChunks(size, 100)].join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(streamShape(size).frames);
    expect(lines.map((l) => decodeFrame(l).seq)).toEqual(lines.map((_, i) => i));
  });

  it('reads sizes from flags over the environment over defaults', async () => {
    const { readConfig } = await load.config();
    const c = readConfig(['--shim-reps', '2'], { BENCH_SHIM_REPS: '5', BENCH_STREAM_HOSTS: '10' });
    expect([c.shimReps, c.streamHosts, c.streamTasks]).toEqual([2, 10, 100]);
    expect(() => readConfig([], { BENCH_SHIM_REPS: 'x' })).toThrow(/BENCH_SHIM_REPS/);
    expect(readConfig(['--runs-counts', '1,5'], {}).runsCounts).toEqual([1, 5]);
    expect(() => readConfig([], { BENCH_RUNS_COUNTS: '1,x' })).toThrow(/BENCH_RUNS_COUNTS/);
  });
});

describe('benchmarks at tiny sizes', () => {
  it('shim overhead: every mode runs the playbook, pinned and not; the shim accounts for its calls and its writer', async () => {
    const { shimOverhead, SIDECAR_MODES } = await load.shim();
    const r = await shimOverhead(join(work, 'shim'), {
      workloads: [{ hosts: 2, tasks: 3, forks: 2 }],
      modes: [...SIDECAR_MODES],
      pins: ['pinned', 'unpinned'],
      reps: 1,
      profile: true,
    });
    expect(r.samples.map((s) => [s.pin, s.mode, s.exit])).toEqual(['pinned', 'unpinned'].flatMap((p) => SIDECAR_MODES.map((m) => [p, m, 0])));
    expect(r.samples.every((s) => s.wallS > 0 && s.vmHwmKiB > 0 && s.cpuS > 0 && (s.mainCpuS ?? 0) > 0)).toBe(true);
    const withoutShim = new Set(['none', 'floor']); // no callback; an empty one (bench/floor-callback)
    const shim = r.samples.filter((s) => !withoutShim.has(s.mode));
    // hello + play_start + 3 task_start + 6 host_start + 6 host_result + stats + bye, at least
    expect(shim.every((s) => (s.stats?.frames ?? 0) >= 19 && s.stats?.entries.some((e) => e.name === 'v2_runner_on_ok' && e.main && e.calls >= 4))).toBe(true);
    expect(shim.every((s) => (s.stats?.writer_wakeups ?? 0) > 0 && (s.stats?.writer_cpu_ns ?? 0) > 0)).toBe(true);
    expect(r.samples.filter((s) => withoutShim.has(s.mode)).map((s) => [s.mode, s.stats])).toEqual(
      ['pinned', 'unpinned'].flatMap(() => [
        ['none', undefined],
        ['floor', undefined],
      ]),
    );
    expect(r.profile?.callbackCalls).toBeGreaterThan(0);
  });

  it('peers: ARA and community.general.opentelemetry run in the rotation, each recording the run, or are skipped saying how to get them', async () => {
    const { shimOverhead } = await load.shim();
    const r = await shimOverhead(join(work, 'peers'), {
      workloads: [{ hosts: 2, tasks: 3, forks: 2 }],
      modes: ['none', 'ara', 'cg'],
      pins: ['pinned'],
      reps: 1,
      profile: false,
    });
    // shimOverhead throws when a peer that ran recorded nothing (no playbook in ARA's database, no span at cg's receiver)
    const ran = r.samples.map((s) => s.mode);
    for (const peer of ['ara', 'cg']) expect([peer, ran.includes(peer)]).toEqual([peer, !r.skipped.some((l) => l.startsWith(`${peer} skipped:`))]);
    expect(r.samples.every((s) => s.exit === 0 && s.stats === undefined && s.wallS > 0)).toBe(true);
    const { renderReport } = await load.report();
    const { readConfig } = await load.config();
    const { describeMachine } = await load.machine();
    const md = renderReport({ config: readConfig([], {}), machine: describeMachine(), startedAt: '2026-12-07T13:00:00Z', minutes: 0, shim: r }, [
      'npm run bench',
    ]);
    const row = (label: string): string => md.split('\n').find((l) => l.startsWith(`| ${label}`)) ?? '';
    expect(row('this project')).toContain('not in this run');
    expect(row('community.general')).toMatch(ran.includes('cg') ? /wall \d\.\d{3}× .*2x3f2 pinned, 1 pairs/ : /not in this run/);
    expect(row('ARA')).toMatch(ran.includes('ara') ? /wall \d\.\d{3}× .*controller RSS/ : /not in this run/);
    expect(md).toContain('[bench/analysis.md](bench/analysis.md)');
  });

  it('throughput: 20,000 frames through serve arrive as every span; the raw SDK sends the same number', async () => {
    const { pipelineThroughput, rawSdkThroughput } = await load.throughput();
    const { streamShape } = await load.stream();
    const size = { hosts: 200, tasks: 100 };
    const p = await pipelineThroughput(size);
    expect(p.frames).toBe(streamShape(size).frames);
    expect(p.receivedSpans, p.sidecarReport.join('\n')).toBe(p.expectedSpans);
    expect(p.sidecarExit, p.sidecarReport.join('\n')).toBe(0);
    expect(p.peakRssMiB).toBeGreaterThan(0);
    expect(p.receivedBytes).toBeGreaterThan(p.receivedSpans * 100); // OTLP protobuf: hundreds of bytes a span
    const raw = await rawSdkThroughput(size);
    expect(raw.receivedSpans).toBe(p.expectedSpans);
  });

  it('latency: every host result sent is matched to its span', async () => {
    const { hostSpanLatency } = await load.latency();
    const l = await hostSpanLatency({ rate: 200, seconds: 1, hosts: 20 });
    expect(l.sent).toBe(200);
    expect(l.matched).toBe(200);
    expect(l.p99Ms).toBeGreaterThanOrEqual(l.p50Ms);
  });

  it('what-if: runs the playbook at both fork counts and holds the estimate against the measured run', async () => {
    const { whatIfAccuracy, whatIfSection } = await load.whatIf();
    const r = await whatIfAccuracy({ dir: join(work, 'what-if'), hosts: 2, from: 1, to: 2, pairs: 1, scale: 0.02 });
    expect(r.runs.map((m) => [m.forks, m.estimateS === undefined])).toEqual([
      [1, false],
      [2, true],
    ]);
    for (const m of r.runs) expect(m.wallS).toBeGreaterThan(0);
    expect(r.errors).toHaveLength(1);
    const md = whatIfSection(r).join('\n');
    expect(md).toContain('## 8. What-if forks: the estimate against a measured run');
    expect(md).toMatch(/Goal within 15 %: \*\*(met|missed)\*\*/);
  });

  it('many runs: each concurrent run on one serve gets every span, matched to its own frames only', async () => {
    const { manyRuns } = await load.manyRuns();
    const { manyRunsSection } = await load.manyRunsReport();
    const m = await manyRuns({ counts: [1, 3], rate: 40, seconds: 1, hosts: 8 });
    expect(m.rows.map((r) => [r.runs, r.sent, r.perRun.length, r.sidecarExit])).toEqual([
      [1, 40, 1, 0],
      [3, 120, 3, 0],
    ]);
    for (const r of m.rows) {
      // 40 host spans, 5 task spans, the play and the playbook per run
      expect(r.expectedSpans).toBe(r.runs * 47);
      expect(r.receivedSpans, r.sidecarReport.join('\n')).toBe(r.expectedSpans);
      // a run's task uuids are its own: it matches its 40 spans, none of another run's
      expect(r.perRun.map((p) => p.matched)).toEqual(r.perRun.map(() => 40));
      expect(r.all.matched).toBe(r.sent);
      expect(r.peakRssMiB).toBeGreaterThan(0);
    }
    const md = manyRunsSection(m, 2000).join('\n');
    expect(md).toContain('## 7. Many runs per sidecar');
    expect(md).toContain('Every span arrived.');
    expect(md).toMatch(/Goal: no run starves .*: \*\*(met|missed)\*\* \(1 runs 1\.00×, 3 runs \d+\.\d\d×\)/);
  });

  it('soak: runs one after the other through one serve with every output on, sampled; the ledger keeps a mark a run', async () => {
    const { soak } = await load.soak();
    const { soakSection } = await load.soakReport();
    const s = await soak({ runs: 20, every: 10 });
    expect(s.samples.map((x) => x.runs)).toEqual([1, 10, 20]);
    expect(s.receivedSpans, s.sidecarReport.join('\n')).toBe(20 * 71);
    expect(s.sidecarExit).toBe(0);
    expect(s.samples.every((x) => x.rssMiB > 0)).toBe(true);
    // settled runs leave their line in runs/ and no trace files: one file (this hour's, rarely two)
    expect(s.samples.at(-1)!.ledgerFiles).toBeLessThanOrEqual(2);
    const md = soakSection(s).join('\n');
    expect(md).toContain('## 9. One serve over many runs (soak)');
    expect(md).toMatch(/Goal RSS at 20 runs ≤ RSS at 10 runs \+ 10 %: \*\*(met|missed)\*\*/);
    expect(md).toMatch(/Median RSS over the first fifth after 10 runs \(1 samples\) and over the last fifth \(1\): [\d.]+ and [\d.]+ MiB, [\d.]+×/);
  });

  it('profile and report: a CPU profile of serve yields hotspots, and the report has every section', async () => {
    const { pipelineThroughput } = await load.throughput();
    const { hotspots, newestProfile } = await load.profile();
    const dir = join(work, 'prof');
    const p = await pipelineThroughput({ hosts: 20, tasks: 5 }, { cpuProfDir: dir });
    const prof = hotspots(newestProfile(dir), ROOT, 5);
    expect(prof.spots.length).toBeGreaterThan(0);
    const { renderReport } = await load.report();
    const { readConfig } = await load.config();
    const { describeMachine } = await load.machine();
    const md = renderReport(
      {
        config: readConfig([], {}),
        machine: describeMachine(),
        startedAt: 'now',
        minutes: 0,
        pipeline: p,
        pipelineSmall: p,
        sidecarProfile: { command: 'x', ...prof },
      },
      ['npm run bench'],
    );
    for (const heading of ['## At a glance', '## Machine', '## Commands', '## 2. Sidecar throughput', '## 3. Sidecar memory', '## 5. Sidecar CPU profile'])
      expect(md).toContain(heading);
  });
});
