import type { RunObserver } from '../model/run-observer.js';

/**
 * An output fed by the run model's lifecycle events (console formats, event files, Slack,
 * webhooks, reports, metrics). One file per sink; adding one touches no other.
 */
export interface Sink extends RunObserver {
  readonly name: string;
  /** Deliver what is still pending (notifications, files) within the deadline. */
  shutdown?(deadlineMs: number): Promise<void>;
}

/** Shuts every sink down in parallel within one deadline; a sink that fails is reported, not fatal. */
export async function shutdownSinks(sinks: Sink[], deadlineMs: number, onError: (sink: string, error: unknown) => void): Promise<void> {
  await Promise.all(
    sinks.map(async (s) => {
      try {
        await s.shutdown?.(deadlineMs);
      } catch (error) {
        onError(s.name, error);
      }
    }),
  );
}
