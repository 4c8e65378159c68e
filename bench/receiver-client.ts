// Starts the loopback receiver process and asks it for what it has seen.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Arrival, ReceiverMessage, ReceiverMode, ReceiverRequest, ReceiverStats } from './receiver.js';

export class LoopbackReceiver {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(mode: ReceiverMode): Promise<LoopbackReceiver> {
    const child = fork(join(import.meta.dirname, 'receiver.js'), [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const [m] = (await once(child, 'message')) as [ReceiverMessage];
    if (m.type !== 'ready') throw new Error(`receiver: unexpected ${m.type}`);
    return new LoopbackReceiver(child, m.url);
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  private ask<T extends ReceiverMessage['type']>(request: ReceiverRequest, type: T): Promise<Extract<ReceiverMessage, { type: T }>> {
    return new Promise((resolve) => {
      const onMessage = (m: ReceiverMessage): void => {
        if (m.type !== type) return;
        this.child.off('message', onMessage);
        resolve(m as Extract<ReceiverMessage, { type: T }>);
      };
      this.child.on('message', onMessage);
      this.child.send(request);
    });
  }

  async stats(): Promise<ReceiverStats> {
    return (await this.ask({ type: 'stats' }, 'stats')).stats;
  }

  async arrivals(): Promise<Arrival[]> {
    return (await this.ask({ type: 'arrivals' }, 'arrivals')).arrivals;
  }

  /** Resolves once `spans` spans have arrived, or when none arrived for `quietMs` (some were lost). */
  async waitForSpans(spans: number, quietMs: number, pollMs = 50): Promise<ReceiverStats> {
    let last = await this.stats();
    let lastChange = Date.now();
    while (last.spans < spans && Date.now() - lastChange < quietMs) {
      await new Promise((r) => setTimeout(r, pollMs));
      const now = await this.stats();
      if (now.spans !== last.spans) lastChange = Date.now();
      last = now;
    }
    return last;
  }

  async stop(): Promise<void> {
    const exited = once(this.child, 'exit');
    this.child.disconnect();
    await exited;
  }
}
