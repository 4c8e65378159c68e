/** Waits for `work` or `deadlineMs`, whichever comes first; true when the work finished in time (failed or not). */
export function withinDeadline(work: Promise<unknown>, deadlineMs: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return byDeadline(settled, deadlineMs, 'the work').catch(() => false);
}

/**
 * `work`'s result, or, once `deadlineMs` has passed, a rejection saying that `what` did not finish
 * (the work goes on, unawaited): a shutdown keeps its deadline and says what it left undone.
 */
export async function byDeadline<T>(work: Promise<T>, deadlineMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${deadlineMs / 1000} s`)), deadlineMs);
    timer.unref();
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
