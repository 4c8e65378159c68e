// Cost of validating frames at the edge, per frame, on the recorded fixtures (real shim output).
//   npx tsc -p tsconfig.json && node bench/frame-validation.mjs
// With AJV=<path to ajv's dist/ajv.js> (e.g. `npm install --prefix /tmp/ajv ajv`), ajv compiles
// the same schemas for comparison. Results and the choice: bench/analysis.md, "Frame validation".
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { checkFrame, decodeFrame, frameTypes } from '../dist/protocol/decode.js';
import { FRAMES } from '../dist/protocol/schema.js';

const dir = new URL('../test/fixtures/', import.meta.url);
const lines = readdirSync(dir)
  .filter((f) => f.endsWith('.ndjson'))
  .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split('\n').filter(Boolean));
const ROUNDS = Number(process.env.ROUNDS ?? 300);

const values = lines.map((l) => JSON.parse(l));

/** Best of 7 timings of `fn` over every input ROUNDS times, in ns per frame. */
function nsPerFrame(fn, inputs = lines) {
  let best = Infinity;
  for (let rep = 0; rep < 7; rep++) {
    const t0 = process.hrtime.bigint();
    for (let r = 0; r < ROUNDS; r++) for (const x of inputs) fn(x);
    best = Math.min(best, Number(process.hrtime.bigint() - t0) / (ROUNDS * inputs.length));
  }
  return best;
}

const results = {
  'JSON.parse only': nsPerFrame((l) => JSON.parse(l)),
  'decodeFrame (JSON.parse + TypeBox check)': nsPerFrame(decodeFrame),
  'TypeBox TypeCompiler check only (checkFrame)': nsPerFrame(checkFrame, values),
};
if (process.env.AJV) {
  const Ajv = createRequire(import.meta.url)(process.env.AJV).default;
  const ajv = new Ajv({ strict: false });
  const byType = new Map();
  for (const schema of Object.values(FRAMES)) {
    const check = ajv.compile(schema);
    for (const t of frameTypes(schema)) byType.set(t, check);
  }
  results['ajv check only (same schemas)'] = nsPerFrame((f) => {
    if (!byType.get(f.t)(f)) throw new Error(ajv.errorsText(byType.get(f.t).errors));
  }, values);
}
console.log(`${lines.length} recorded frames × ${ROUNDS} rounds, node ${process.version}`);
for (const [name, ns] of Object.entries(results))
  console.log(`${name.padEnd(50)} ${ns.toFixed(0).padStart(6)} ns/frame  ${(1e9 / ns / 1000).toFixed(0).padStart(6)} k frames/s`);
