// Section 7's 100-run row alone, through a built tree: 100 runs at RATE host results/s each
// (default 100: 10,000/s in all) for 20 s over 50 hosts; prints the worst run's p99 and every span
// counted. Trials one after the other; run trees interleaved, e.g.
//   for t in /tmp/before "$PWD" /tmp/before "$PWD"; do node bench/runs-probe.mjs $t; done
const tree = process.argv[2] ?? process.cwd();
const trials = Number(process.argv[3] ?? 1);
const { manyRuns } = await import(`${tree}/dist/bench/many-runs.js`);
for (let i = 0; i < trials; i++) {
  const r = await manyRuns({ counts: [100], rate: Number(process.env.RATE ?? 100), seconds: 20, hosts: 50 });
  const row = r.rows[0];
  const worst = Math.max(...row.perRun.map((p) => p.p99Ms));
  console.log(
    tree,
    `worst run's p99 ${worst.toFixed(0)} ms; all spans p50 ${row.all.p50Ms.toFixed(0)} p99 ${row.all.p99Ms.toFixed(0)} ms; spans ${row.receivedSpans}/${row.expectedSpans}; serve peak RSS ${row.peakRssMiB.toFixed(1)} MiB`,
  );
}
