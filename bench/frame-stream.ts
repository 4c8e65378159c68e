// A synthetic run as an NDJSON frame stream (docs/protocol.md), generated while it is sent:
// hello, playbook_start, play_start, then per task a task_start and one host_result per host
// (the model opens a host span on a result without host_start), then stats and bye.
// Results mix ok (70 %), changed command results (20 %) and skipped (10 %).

export interface StreamSize {
  hosts: number;
  tasks: number;
}

/** Run `r` of several at once: its own run id, so its own trace and span ids. */
export const runId = (r: number): string => `bench${String(r).padStart(27, '0')}`;
export const T0_NS = 1_700_000_000_000_000_000;

/** Frames and spans of a stream of this size (host spans + task spans + play + playbook). */
export function streamShape(size: StreamSize): { frames: number; hostFrames: number; spans: number } {
  const hostFrames = size.hosts * size.tasks;
  return { frames: hostFrames + size.tasks + 5, hostFrames, spans: hostFrames + size.tasks + 2 };
}

export const hostName = (i: number): string => `host${String(i).padStart(5, '0')}`;
/** Task `t` of run `r`: distinct per run, as ansible's are, so a received span names its run. */
export const taskUuid = (t: number, r = 0): string => `0242ac11-0002-${String(t).padStart(4, '0')}-${String(r).padStart(4, '0')}-00000000bench`;

/** Builds frame lines of run `r`; `ts` is the caller's (a fixed clock for throughput, the wall clock for latency). */
export class FrameWriter {
  private seq = 0;
  private readonly head: string;

  constructor(readonly run = 0) {
    this.head = `{"v":1,"run":"${runId(run)}","seq":`;
  }

  line(body: string, ts: number): string {
    return `${this.head}${this.seq++},"ts":${ts},${body}}\n`;
  }

  get frames(): number {
    return this.seq;
  }
}

export function helloBody(): string {
  return `"t":"hello","ansible_version":"2.14.18","shim_version":"bench","python":"3.11","pid":1,"argv":["ansible-playbook","fleet.yml"],"cwd":"/bench","user":"bench","hostname":"bench","check":false,"diff":false,"traceparent":null,"tracestate":null`;
}

export function playbookStartBody(): string {
  return `"t":"playbook_start","path":"/bench/fleet.yml","name":"fleet.yml"`;
}

export function playStartBody(): string {
  return `"t":"play_start","play":"play-0","name":"Fleet","hosts":["all"],"strategy":"linear","serial":null,"check":null`;
}

export function taskStartBody(t: number, r = 0): string {
  const cmd = t % 5 === 4;
  const action = cmd ? 'ansible.builtin.command' : 'ansible.builtin.debug';
  const args = cmd ? `{"cmd":"/usr/bin/systemctl restart app-${t}"}` : `{"msg":"step ${t}"}`;
  return `"t":"task_start","task":"${taskUuid(t, r)}","play":"play-0","name":"step ${t}","action":"${action}","handler":false,"path":"/bench/fleet.yml:${t * 3 + 4}","role":null,"tags":[],"no_log":false,"args":${args},"scopes":[]`;
}

export function hostResultBody(t: number, h: number, host: string, r = 0): string {
  const k = (t * 7 + h) % 10;
  const head = `"t":"host_result","task":"${taskUuid(t, r)}","host":"${host}"`;
  if (k < 7)
    return `${head},"status":"ok","changed":false,"ignored":false,"rescued":false,"action":"ansible.builtin.debug","delegated_to":null,"no_log":false,"res":{"msg":"step ${t} on ${host}"}`;
  if (k < 9)
    return `${head},"status":"ok","changed":true,"ignored":false,"rescued":false,"action":"ansible.builtin.command","delegated_to":null,"no_log":false,"res":{"rc":0,"stdout":"Restarted app.service","stderr":"","changed":true,"msg":""}`;
  return `${head},"status":"skipped","changed":false,"ignored":false,"rescued":false,"action":"ansible.builtin.debug","delegated_to":null,"no_log":false,"res":{"skip_reason":"Conditional result was False","changed":false}`;
}

/** The whole stream in chunks of about `chunkBytes`, generated lazily (nothing is held). */
export function* frameChunks(size: StreamSize, chunkBytes = 256 * 1024): Generator<string> {
  const w = new FrameWriter();
  const hosts = Array.from({ length: size.hosts }, (_, i) => hostName(i));
  let ts = T0_NS;
  const step = 1000; // 1 µs a frame
  let chunk = w.line(helloBody(), ts) + w.line(playbookStartBody(), (ts += step)) + w.line(playStartBody(), (ts += step));
  for (let t = 0; t < size.tasks; t++) {
    chunk += w.line(taskStartBody(t), (ts += step));
    for (let h = 0; h < size.hosts; h++) {
      chunk += w.line(hostResultBody(t, h, hosts[h] as string), (ts += step));
      if (chunk.length >= chunkBytes) {
        yield chunk;
        chunk = '';
      }
    }
  }
  chunk += w.line(`"t":"stats","hosts":{}`, (ts += step)) + w.line(`"t":"bye","dropped":0`, (ts += step));
  yield chunk;
}
