/** Polls `check` every 50 ms until it holds; throws after `ms`, naming `what` it waited for. */
export async function until(check: () => boolean | Promise<boolean>, ms = 60_000, what = 'a condition'): Promise<void> {
  for (const end = Date.now() + ms; !(await check()); ) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
