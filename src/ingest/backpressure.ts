/**
 * What an ingest server asks before it reads more: is what comes after it (the span export
 * queue) too far behind? While `behind()`, a server keeps its connections paused and reads again
 * once `whenClear()` resolves. The sender's own bounded queue then absorbs the burst (or drops in
 * a counted way), instead of the SDK's export queue overflowing and dropping spans silently.
 *
 * Usage from any server, per connection, after handing on a chunk:
 *
 *     socket.pause();
 *     if (backpressure?.behind()) void backpressure.whenClear().then(() => socket.resume());
 *     else setImmediate(() => socket.resume());
 */
export interface Backpressure {
  behind(): boolean;
  /** Resolves once `behind()` is false (at once if it is already). */
  whenClear(): Promise<void>;
}

/**
 * Behind while `backlog()` is above `limit`; while anyone waits, one timer looks again every
 * `pollMs` (cheap: `backlog()` is a few subtractions), so waiters need no hook into the exporter.
 */
export function backlogPressure(backlog: () => number, limit: number, pollMs = 5): Backpressure {
  let waiters: (() => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  const behind = (): boolean => backlog() > limit;
  const poll = (): void => {
    if (behind()) return;
    clearInterval(timer);
    timer = undefined;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };
  return {
    behind,
    whenClear(): Promise<void> {
      if (!behind()) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push(resolve);
        // unref: a paused server must not keep a shutting-down process alive.
        timer ??= setInterval(poll, pollMs).unref();
      });
    },
  };
}
