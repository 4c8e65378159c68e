// Slack incoming-webhook notifications. Failures are throttled per playbook: the first one is
// sent at once, the ones after it are rolled up into one update per window, so a task failing
// on 500 hosts gives two messages, not 500. The final summary closes the playbook.
import type { HostResultEvent, PlaybookEndEvent, PlaybookStartEvent, RunRef } from '../model/run-observer.js';
import { traceLink } from '../model/trace-url.js';
import type { Delivery } from './http-delivery.js';
import type { Sink } from './sink.js';
import { alertMessage, rollupMessage, summaryMessage, type Failure, type MessageContext } from './slack-messages.js';

export interface SlackOptions {
  delivery: Delivery;
  channel?: string | undefined;
  /** Also announce playbooks that succeeded (failures and interruptions always are). */
  notifyOnSuccess: boolean;
  /** ANSIBLE_OTEL_TRACE_URL: `{trace_id}` is replaced. */
  traceUrl?: string | undefined;
  /** After a message, further failures wait this long and go out together. */
  rollupWindowMs?: number;
  /** Its name in the output marks (output-marks.ts), so a replayed run is not announced again. */
  mark?: string;
}

interface PlaybookState {
  context: MessageContext;
  controller?: string | undefined;
  pending: Failure[];
  /** Set while a window is open: failures are held, not sent. */
  timer?: NodeJS.Timeout | undefined;
}

export class SlackSink implements Sink {
  readonly name = 'slack';
  readonly mark: string | undefined;
  private readonly playbooks = new Map<string, PlaybookState>();
  private readonly windowMs: number;
  /** taken() callers waiting for held failures to be sent (resolved when no window holds any). */
  private heldWaiters: (() => void)[] = [];

  constructor(private readonly o: SlackOptions) {
    this.windowMs = o.rollupWindowMs ?? 10_000;
    this.mark = o.mark;
  }

  /** Everything handed so far is sent: failures a rollup window holds first go out with it. */
  async taken(): Promise<void> {
    if (this.holding()) await new Promise<void>((resolve) => this.heldWaiters.push(resolve));
    await this.o.delivery.settled();
  }

  private holding(): boolean {
    for (const st of this.playbooks.values()) if (st.pending.length) return true;
    return false;
  }

  /** A window sent what it held: taken() waiters go on once no window holds anything. */
  private sentHeld(): void {
    if (this.holding() || !this.heldWaiters.length) return;
    for (const resolve of this.heldWaiters.splice(0)) resolve();
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.state(e).controller = e.user && e.controller ? `${e.user}@${e.controller}` : e.controller;
  }

  hostResult(e: HostResultEvent): void {
    if (e.status !== 'failed' && e.status !== 'unreachable') return;
    const st = this.state(e);
    const failure: Failure = { host: e.host, task: e.task, status: e.status, message: e.message };
    if (st.timer) {
      st.pending.push(failure);
      return;
    }
    this.o.delivery.send({ body: alertMessage(st.context, failure) });
    this.openWindow(st);
  }

  playbookEnd(e: PlaybookEndEvent): void {
    const st = this.state(e);
    this.flush(st);
    this.playbooks.delete(e.traceId);
    if (e.result === 'success' && !e.interrupted && !this.o.notifyOnSuccess) return;
    this.o.delivery.send({ body: summaryMessage(st.context, e, st.controller) });
  }

  async shutdown(deadlineMs: number): Promise<void> {
    for (const st of this.playbooks.values()) this.flush(st);
    this.playbooks.clear();
    await this.o.delivery.shutdown(deadlineMs);
  }

  private openWindow(st: PlaybookState): void {
    st.timer = setTimeout(() => {
      st.timer = undefined;
      if (!st.pending.length) return; // quiet window: the next failure alerts at once again
      this.o.delivery.send({ body: rollupMessage(st.context, st.pending.splice(0)) });
      this.sentHeld();
      this.openWindow(st);
    }, this.windowMs);
    st.timer.unref();
  }

  /** Sends what the open window holds, before the summary or at shutdown. */
  private flush(st: PlaybookState): void {
    clearTimeout(st.timer);
    st.timer = undefined;
    if (st.pending.length) this.o.delivery.send({ body: rollupMessage(st.context, st.pending.splice(0)) });
    this.sentHeld();
  }

  private state(e: RunRef): PlaybookState {
    let st = this.playbooks.get(e.traceId);
    if (!st) {
      st = { context: { playbook: e.playbook, runId: e.runId, channel: this.o.channel, traceLink: traceLink(this.o.traceUrl, e) }, pending: [] };
      this.playbooks.set(e.traceId, st);
    }
    return st;
  }
}
