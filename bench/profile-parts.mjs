// Serve's CPU by part of the pipeline, from a V8 CPU profile (.cpuprofile): each sample's own
// function is put in the first part whose pattern its script's URL matches (GC and "(program)"
// by name), idle left out. The parts are issue 31's table: OTLP encoding, span SDK, ledger, …
//   PROF_DIR=/tmp/prof H=10000 node bench/probe-tree.mjs && node bench/profile-parts.mjs /tmp/prof/*.cpuprofile
import { readFileSync } from 'node:fs';

const PARTS = [
  ['OTLP encoding (otlp-transformer)', /otlp-transformer/],
  ['span SDK (sdk-trace, context)', /sdk-trace|@opentelemetry\/api|context-async-hooks|async_hooks/],
  ['log records (sdk-logs, run-logs)', /sdk-logs|run-logs|otel-log-writer|api-logs/],
  ['metrics (sdk-metrics, recorder, histogram)', /sdk-metrics|metrics-recorder|duration-histogram|summed-counter/],
  ['ledger', /export\/ledger/],
  ['decode (decodeFrame, JSON.parse, schema)', /protocol\//],
  ['ingest (splitter, socket, streams)', /ingest\/|node:net|streams\/|node:events|stream_base/],
  ['run model', /dist\/model\//],
  ['analysis (timeline, critical path, what-if)', /dist\/analysis\//],
  ['export plumbing (durable, hand-off, sender, http)', /dist\/export\/|node:http|_http|otlp-exporter-base/],
];

/** A package and its first folder, or a node: module: what an unassigned part is named by. */
const shortUrl = (url) =>
  url
    .replace(/.*node_modules\//, '')
    .split('/')
    .slice(0, 2)
    .join('/');

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const byPart = new Map();
let total = 0;
profile.samples.forEach((id, i) => {
  const { functionName: fn, url } = nodes.get(id).callFrame;
  if (fn === '(idle)') return;
  const us = profile.timeDeltas[i] ?? 0;
  total += us;
  let part = fn === '(garbage collector)' ? 'GC' : fn === '(program)' ? '(program)' : PARTS.find(([, re]) => re.test(url))?.[0];
  part ??= url ? `other: ${shortUrl(url)}` : `other (native ${fn})`;
  byPart.set(part, (byPart.get(part) ?? 0) + us);
});
console.log(`| part | CPU ms | share |\n|---|---:|---:|`);
for (const [part, us] of [...byPart].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 14)))
  console.log(`| ${part} | ${(us / 1000).toFixed(0)} | ${((100 * us) / total).toFixed(1)} % |`);
console.log(`| all (idle left out) | ${(total / 1000).toFixed(0)} | |`);
