// One throughput stream through a built tree's serve (section 2's pipeline, by hand): end-to-end
// seconds and serve's peak RSS. `H` hosts × 100 tasks (default 2,000: 200,105 frames); an optional
// JSON object of environment variables for serve; NODE_ARGS, node's own options for serve (V8's,
// which NODE_OPTIONS does not take). Build the tree first (npm run build && npx tsc -p
// bench/tsconfig.json); run trees interleaved, e.g.
//   for t in /tmp/before "$PWD" /tmp/before "$PWD"; do H=10000 node bench/probe-tree.mjs $t; done
//   for a in --heap-growing-percent=0 ''; do NODE_ARGS=$a H=10000 node bench/probe-tree.mjs; done
// PROF_DIR=<dir>: serve writes a V8 CPU profile there when it exits (bench/profile-parts.mjs reads it).
const tree = process.argv[2] ?? process.cwd();
const { pipelineThroughput } = await import(`${tree}/dist/bench/throughput.js`);
const env = JSON.parse(process.argv[3] ?? '{}');
const nodeArgs = (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean);
const cpuProfDir = process.env.PROF_DIR || undefined;
const r = await pipelineThroughput({ hosts: Number(process.env.H ?? 2000), tasks: 100 }, { env, nodeArgs, cpuProfDir });
console.log(tree, nodeArgs.join(' '), r.endToEndSeconds.toFixed(1), 's', r.peakRssMiB.toFixed(1), 'MiB', r.receivedSpans, 'spans');
