import type { WebSocket } from 'ws';
import type { RunObserver } from '../model/run-observer.js';
import { LiveState, type FinishedTask, type LiveRun } from './live-state.js';
import type { Component } from '../util/lifecycle.js';

/** What the sidecar sends to a watcher (docs/protocol.md, "Live watch"). */
export type WatchMessage = { type: 'state'; nowNs: number; runs: LiveRun[] } | ({ type: 'task' } & FinishedTask) | { type: 'ended'; run: LiveRun };

export interface WatchHubOptions {
  /** How often watchers get the state while something runs. */
  intervalMs: number;
  /** A watcher with more than this queued unsent is skipped until it catches up (states replace each other). */
  maxBufferedBytes?: number;
  now?: () => number;
}

/**
 * Feeds the live state from the run model and sends it to every watcher: the whole state on
 * connect, then at most every `intervalMs` while it changes or something runs, and each finished
 * task and ended playbook once, final.
 */
export class WatchHub implements Component {
  readonly name = 'watch hub';
  readonly state = new LiveState();
  private readonly watchers = new Set<WebSocket>();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly o: WatchHubOptions) {
    this.now = o.now ?? (() => Date.now() * 1e6);
  }

  get observer(): RunObserver {
    return this.state;
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => this.tick(), this.o.intervalMs);
    this.timer.unref();
  }

  add(ws: WebSocket): void {
    this.watchers.add(ws);
    ws.on('close', () => this.watchers.delete(ws));
    ws.on('message', () => {}); // watchers have nothing to say; their messages are ignored
    ws.send(JSON.stringify(this.stateMessage()));
  }

  /** Sends what ended last, then closes every watcher with 1001 (going away). */
  async shutdown(_deadlineMs: number): Promise<void> {
    clearInterval(this.timer);
    this.tick();
    for (const ws of this.watchers) ws.close(1001, 'sidecar shutting down');
  }

  private tick(): void {
    const finished = this.state.takeFinishedTasks();
    const ended = this.state.takeEnded();
    if (!this.watchers.size) return;
    for (const task of finished) this.broadcast({ type: 'task', ...task }, true);
    for (const run of ended) this.broadcast({ type: 'ended', run }, true);
    if (this.state.dirty || this.state.running > 0) this.broadcast(this.stateMessage(), false);
  }

  private stateMessage(): WatchMessage {
    const nowNs = this.now();
    return { type: 'state', nowNs, runs: this.state.snapshot(nowNs) };
  }

  /** A state replaces the one before: a watcher that is behind skips it. Finished tasks and runs are always sent. */
  private broadcast(message: WatchMessage, always: boolean): void {
    const text = JSON.stringify(message);
    for (const ws of this.watchers) {
      if (ws.readyState !== ws.OPEN) continue;
      if (!always && ws.bufferedAmount > (this.o.maxBufferedBytes ?? 1 << 20)) continue;
      ws.send(text);
    }
  }
}
