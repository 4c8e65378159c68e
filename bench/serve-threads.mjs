// The throughput stream once through a build's `serve`, with serve's CPU per thread read from
// /proc/<pid>/task/*/stat while it runs (the main thread is the one whose id is serve's pid).
// Run: npm run build && npx tsc -p bench/tsconfig.json && H=2000 nice node bench/serve-threads.mjs dist ['{"OTEL_X":"y"}']
// (or another tree's dist/, interleaved, for a before and after; the JSON is serve's extra environment).
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'dist');
const { pipelineThroughput } = await import(`${root}/bench/throughput.js`);

/** CPU ms (user + system) and name of a /proc stat file; undefined once the thread is gone. */
function cpu(path) {
  try {
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ms: (Number(fields[11]) + Number(fields[12])) * 10, name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) };
  } catch {
    return undefined;
  }
}

/** This process's child running the build's `serve`. */
function servePid() {
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      if (parent === process.pid && cmd.includes(`${root}/cli/main.cjs`) && cmd.includes('serve')) return Number(p);
    } catch {}
  }
  return undefined;
}

let pid;
const last = new Map();
const timer = setInterval(() => {
  pid ??= servePid();
  if (!pid) return;
  try {
    for (const t of readdirSync(`/proc/${pid}/task`)) {
      const c = cpu(`/proc/${pid}/task/${t}/stat`);
      if (c) last.set(t, { ...c, main: Number(t) === pid });
    }
  } catch {}
}, 100);
const r = await pipelineThroughput({ hosts: Number(process.env.H ?? 2000), tasks: 100 }, { env: JSON.parse(process.argv[3] ?? '{}'), nodeArgs: [] });
clearInterval(timer);
const threads = [...last.values()];
const main = threads.find((t) => t.main)?.ms ?? 0;
const all = threads.reduce((n, t) => n + t.ms, 0);
const others = threads
  .filter((t) => !t.main && t.ms >= 100)
  .map((t) => `${t.name} ${(t.ms / 1000).toFixed(1)}`)
  .join(', ');
console.log(
  `${root}: ${r.endToEndSeconds.toFixed(1)} s, ${r.peakRssMiB.toFixed(1)} MiB, ${r.receivedSpans} spans; serve's CPU: main thread ${(main / 1000).toFixed(1)} s, all threads ${(all / 1000).toFixed(1)} s (others ≥ 0.1 s: ${others})`,
);
