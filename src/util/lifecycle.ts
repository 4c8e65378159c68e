// The one lifecycle of every long-lived part of the sidecar (servers, exports, sinks, spool
// replayer, watch hub, scrape endpoint), as the OpenTelemetry Collector's components have:
// the composition root starts them in order and shuts them down in reverse, each within a
// budget in milliseconds — a budget, not a wall-clock instant, so every call site counts the
// same way and a test never depends on the clock.
import { withinDeadline } from './deadline.js';

export interface Component<Report = void> {
  /** What the operator reads when this part did not stop in time ("traces", "events file x"). */
  readonly name: string;
  /** Binds, opens or schedules; a failure is one clear fact, and the sidecar does not start. */
  start(): Promise<void>;
  /** Hands over what is pending within `deadlineMs`, then stops; what is not out is reported, not awaited. */
  shutdown(deadlineMs: number): Promise<Report>;
}

/** Per component that did not stop cleanly: late (still running at the deadline) or failed. */
export interface Straggler {
  name: string;
  error?: unknown;
}

/**
 * Shuts `components` down in parallel within one budget; never throws. Returns what did not
 * make it, so the caller can say it: a component still busy at the deadline is left behind
 * (its timers are unref'd) rather than holding the process.
 */
/**
 * Each component keeps its own deadline and then returns its report: this margin lets it do so
 * rather than be counted late for the milliseconds that takes.
 */
const SETTLE_MS = 250;

export async function shutdownAll(components: readonly Partial<Component<unknown>>[], deadlineMs: number): Promise<Straggler[]> {
  const stragglers: Straggler[] = [];
  await Promise.all(
    components.map(async (c) => {
      const name = c.name ?? 'a component';
      const stopping = Promise.resolve()
        .then(() => c.shutdown?.(deadlineMs))
        .catch((error: unknown) => void stragglers.push({ name, error }));
      if (!(await withinDeadline(stopping, deadlineMs + SETTLE_MS))) stragglers.push({ name });
    }),
  );
  return stragglers;
}

/** "traces: boom" or "events file x: did not finish within 5 s". */
export function stragglerMessage(s: Straggler, deadlineMs: number): string {
  return s.error === undefined ? `${s.name}: did not finish within ${deadlineMs / 1000} s` : `${s.name}: ${(s.error as Error)?.message ?? s.error}`;
}

/**
 * An edge that takes runs from shims (Unix socket, WebSocket). The root drains every edge
 * first — no new runs, the open ones cut — so the runs cut off can be ended as interrupted
 * before the outputs stop. No grace here: `run` already gave the command's last frames theirs
 * (LAST_FRAMES_GRACE_MS, before its shutdown), and a stopped `serve` ends open runs as
 * interrupted at once (docs/reliability.md, "Shutdown").
 */
export interface IngestEdge extends Component {
  drain(): Promise<void>;
}
