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
