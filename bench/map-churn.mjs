// Whether a Map in V8's old generation allocates there when it is emptied and refilled (one
// key set and deleted a million times), against setting the key to undefined or using an array.
// node --expose-gc bench/map-churn.mjs delete|undef|array
import v8 from 'node:v8';
const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
const mode = process.argv[2];
const m = new Map();
const arr = [];
m.set('warm', 1);
// promote the map and its table
for (let i = 0; i < 5; i++) {
  const junk = [];
  for (let j = 0; j < 2e5; j++) junk.push({ j });
  globalThis.gc?.();
}
globalThis.gc();
const before = old();
const keys = Array.from({ length: 100 }, (_, i) => `host${i}`);
for (let i = 0; i < 1e6; i++) {
  const k = keys[i % 100];
  if (mode === 'delete') {
    m.set(k, i);
    m.delete(k);
  } else if (mode === 'undef') {
    m.set(k, i);
    m.set(k, undefined);
  } else {
    arr[i % 100] = i;
    arr[i % 100] = undefined;
  }
}
const after = old();
console.log(mode, 'old space grew by', ((after - before) / 1e6).toFixed(1), 'MB (no GC forced in the loop)');
