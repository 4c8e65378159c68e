#!/usr/bin/env node
import v8 = require('node:v8');

// The entry point, CommonJS on purpose. libuv sizes its thread pool once, at its first use, from
// UV_THREADPOOL_SIZE, and Node's ESM loader already uses the pool to read an ES module entry:
// only a CommonJS entry (read synchronously) runs before that. The ledgers fsync one file per
// trace for every export batch, off the event loop; with 100 concurrent runs a batch holds 100
// traces, and 4 threads (the default) queue those fsyncs behind each other: frame-to-span p99
// 5.6–5.8 s with 4, a median of 2.2 s with 16, in repeated trials (docs/scale.md §4). A user's own
// setting wins.
//
// The only place that reads process.env: every command resolves its config from the object
// handed here (src/root/config.ts), and `run` starts its command with it.
process.env.UV_THREADPOOL_SIZE ??= '16';

// V8 lets its old generation grow to up to 4× what the last mark-compact kept before it marks
// again. serve keeps 40–60 MB live while a stream promotes objects that die soon after (a span
// lives through two scavenges on its way to an export batch), so most of its peak RSS was that
// slack: 380 MiB at 1,000,105 frames, its time unchanged at 1.5× (263 MiB; the end-of-run
// analysis of a 2,000,000-result run 372 → 215 MiB; bench/analysis.md, issue 31 "night"). A
// user's own `node --heap-growing-percent=…` wins.
if (!process.execArgv.some((a) => a.startsWith('--heap-growing-percent'))) v8.setFlagsFromString('--heap-growing-percent=50');
void import('./program.js').then((cli) => cli.main(process.env));
