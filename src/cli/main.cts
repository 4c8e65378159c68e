#!/usr/bin/env node
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
void import('./program.js').then((cli) => cli.main(process.env));
