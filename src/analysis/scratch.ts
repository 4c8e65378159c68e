// Typed columns the analyses fill and read within one call, reused from call to call. A run of
// 1,000,000 host results is analysed task by task, and fresh arrays there were 100 tasks × a few
// 80 KB buffers for the collector: malloc'd outside V8's heap, and the most of serve's RSS at a
// run's end that the analysis added. Bounded: a larger request (a whole free play's host runs)
// gets an array of its own, so a serve keeps at most MAX_KEPT numbers per column after any run.

/** The most numbers a column keeps between calls (512 KiB). */
export const MAX_KEPT = 1 << 16;

/** One reusable column: `take(n)` is valid until the next `take` of the same column. */
export class ScratchColumn {
  private kept = new Float64Array(0);

  /** n numbers (their values are whatever was left: fill before reading). */
  take(n: number): Float64Array {
    if (n > MAX_KEPT) return new Float64Array(n);
    if (this.kept.length < n) this.kept = new Float64Array(Math.min(MAX_KEPT, Math.max(n, 2 * this.kept.length)));
    return this.kept.subarray(0, n);
  }
}
