// One generated run sent over the sidecar's socket at a steady rate of host results, every frame
// stamped with the wall clock as it is written, remembering when each host result left: what the
// latency sections (4 and 7) measure from.
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { wallMs } from './clock.js';
import { FrameWriter, helloBody, hostName, hostResultBody, playbookStartBody, playStartBody, taskStartBody, taskUuid } from './frame-stream.js';
import type { Arrival } from './receiver.js';

export interface SteadyRate {
  /** Host result frames per second. */
  rate: number;
  seconds: number;
  /** Hosts per task: a `task_start` every this many results. */
  hosts: number;
}

const TICK_MS = 10;
const wallNs = (): number => Math.round(wallMs() * 1e6);

export class SteadyRun {
  /** `host|task uuid` → wall clock ms when its host result was written. */
  private readonly sentAt = new Map<string, number>();
  private readonly w: FrameWriter;

  private constructor(
    private readonly client: Socket,
    readonly o: SteadyRate,
    run: number,
  ) {
    this.w = new FrameWriter(run);
  }

  /** Connects as run number `run` and sends its opening frames (hello, playbook, play). */
  static async open(socket: string, o: SteadyRate, run = 0): Promise<SteadyRun> {
    const client = connect(socket);
    await once(client, 'connect');
    const s = new SteadyRun(client, o, run);
    client.write(s.w.line(helloBody(), wallNs()) + s.w.line(playbookStartBody(), wallNs()) + s.w.line(playStartBody(), wallNs()));
    return s;
  }

  get total(): number {
    return Math.round(this.o.rate * this.o.seconds);
  }

  /** Spans the run gives: a host span per result, a task span per task, the play and the playbook. */
  get spans(): number {
    return this.total + Math.ceil(this.total / this.o.hosts) + 2;
  }

  /** Sends every host result at the rate (catching up each tick to where the rate should be by now). */
  async send(): Promise<void> {
    const { rate, hosts } = this.o;
    const r = this.w.run;
    const start = wallMs();
    for (let sent = 0; sent < this.total; ) {
      const due = Math.min(this.total, Math.floor(((wallMs() - start) / 1000) * rate) + 1);
      let chunk = '';
      for (; sent < due; sent++) {
        const t = Math.floor(sent / hosts);
        const h = sent % hosts;
        if (h === 0) chunk += this.w.line(taskStartBody(t, r), wallNs());
        const host = hostName(h);
        chunk += this.w.line(hostResultBody(t, h, host, r), wallNs());
        this.sentAt.set(`${host}|${taskUuid(t, r)}`, wallMs());
      }
      if (chunk) this.client.write(chunk);
      await new Promise((res) => setTimeout(res, TICK_MS));
    }
  }

  /** The run's end (stats, bye) and the connection's. */
  end(): void {
    this.client.end(this.w.line(`"t":"stats","hosts":{}`, wallNs()) + this.w.line(`"t":"bye","dropped":0`, wallNs()));
  }

  /** Arrival − write time, in ms, of every host span of this run among `arrivals`. */
  latencies(arrivals: Arrival[]): number[] {
    const out: number[] = [];
    for (const [host, task, at] of arrivals) {
      const sent = this.sentAt.get(`${host}|${task}`);
      if (sent !== undefined) out.push(at - sent);
    }
    return out;
  }
}
