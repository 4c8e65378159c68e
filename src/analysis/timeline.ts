// One playbook's timing as the analyses need it, and nothing more: per play its strategy, per
// task instance its start, per host its worker start and its result. Built from the run model's
// lifecycle events, so a live run, a replayed frame recording and a traces file (its spans turned
// back into events, report/replay-spans.ts) give the same timeline and the same answers.
// Held as columns of numbers until the playbook ends: once a linear play's task is over, typed
// arrays of 20 bytes a host result.
import type { HostResultEvent, HostStartEvent, PlayStartEvent, PlaybookStartEvent, TaskStartEvent } from '../model/run-observer.js';

export type StrategyKind = 'linear' | 'free' | 'host_pinned';

/**
 * How a strategy schedules, by its name: `free` and `host_pinned` run each host's tasks on their
 * own (also `mitogen_free`, `mitogen_host_pinned`); everything else (linear, debug, mitogen_linear,
 * none given) waits at each task for every host.
 */
export function strategyKind(name: string | null | undefined): StrategyKind {
  const s = (name ?? '').toLowerCase();
  if (s.includes('host_pinned')) return 'host_pinned';
  if (s.includes('free')) return 'free';
  return 'linear';
}

export interface TimelineTask {
  name: string;
  uuid: string;
  /** The task span: a task uuid can run more than once (serial batches, handlers, the free strategy). */
  spanId: string;
  handler: boolean;
  role?: string | undefined;
  startNs: number;
  /** The play's serial batch it ran in, from 1. */
  batch: number;
  /** Its `throttle`, 0 for none (or unknown). */
  throttle: number;
  /** CPU seconds the run's finished workers had used when it started, if the shim said. */
  workerCpu?: number | undefined;
  /** The controller process's own CPU seconds, and the busy seconds of its CPUs since boot, if the shim said. */
  controllerCpu?: number | undefined;
  machineCpu?: number | undefined;
  /**
   * Per host, in dispatch order: the host (index into Timeline.hosts), its worker start, its
   * result (NaN: none came). Arrays while the task can still get results; typed arrays of their
   * length once a linear play's next task starts (see `TimelineRecorder.seal`).
   */
  host: number[] | Uint32Array;
  start: number[] | Float64Array;
  end: number[] | Float64Array;
  /** Position → delegate host, for the few delegated results. */
  delegated?: Map<number, string>;
}

export interface TimelinePlay {
  name: string;
  strategy: StrategyKind;
  startNs: number;
  /** The next play's start, or the playbook's end. */
  endNs: number;
  /** The play has `serial` batches (set, or more than one batch ran). */
  serial: boolean;
  batches: number;
  /** The largest batch's host count the shim reported. */
  batchHosts?: number | undefined;
  tasks: TimelineTask[];
}

export interface Timeline {
  playbook: string;
  traceId: string;
  startNs: number;
  endNs: number;
  interrupted: boolean;
  /** The run's forks as the shim reported them; undefined for older shims, imports and traces without it. */
  forks?: number | undefined;
  /** The controller's CPUs, if the shim said. */
  cpus?: number | undefined;
  /** Mean CPU seconds of one host's worker per task (to the µs), from the tasks' `workerCpu`; undefined if unknown. */
  workerCpu?: number | undefined;
  /** Mean CPUs other processes kept busy of the controller's while the tasks ran (to 10⁻⁴); undefined if unknown. */
  otherCpu?: number | undefined;
  hosts: string[];
  plays: TimelinePlay[];
}

/** A task's host count. */
export const hostCount = (t: TimelineTask): number => t.host.length;

/** A host's end: its result, or (cut off, no result) the end of its play. */
export const hostEnd = (t: TimelineTask, i: number, openEndNs: number): number => {
  const e = t.end[i] as number;
  return Number.isNaN(e) ? Math.max(openEndNs, t.start[i] as number) : e;
};

/**
 * Records one playbook at a time from run events. Memory: the columns above, plus two slots per
 * host of the playbook (the task it runs now) and one entry per task instance of the playbook
 * (to place a result on its task).
 */
/** The run reference of the events a timeline makes up for frames it never saw the start of. */
const NO_RUN = { runId: '', pipelineRunId: '', playbook: '', playbookPath: '', traceId: '', rootSpanId: '' } as const;

export class TimelineRecorder {
  private current: Timeline | undefined;
  private hostIndex = new Map<string, number>();
  private readonly tasksBySpan = new Map<string, TimelineTask>();
  private readonly latestByUuid = new Map<string, TimelineTask>();
  // Host index → the task it runs now (worker started, no result yet) and its entry's place there.
  // Columns, not a Map: a task of 10,000 hosts started at once and ending one by one made a Map
  // rehash into a table half its size each time deletes left it a quarter full.
  private readonly runningTask: (TimelineTask | undefined)[] = [];
  private readonly runningAt: number[] = [];
  private playUuid: string | undefined;

  playbookStart(e: PlaybookStartEvent): void {
    this.current = {
      playbook: e.playbook,
      traceId: e.traceId,
      startNs: e.startNs,
      endNs: e.startNs,
      interrupted: false,
      forks: e.forks,
      cpus: e.cpus,
      workerCpu: e.workerCpu,
      otherCpu: e.otherCpu,
      hosts: [],
      plays: [],
    };
    this.hostIndex = new Map();
    this.tasksBySpan.clear();
    this.latestByUuid.clear();
    this.runningTask.length = 0;
    this.runningAt.length = 0;
    this.playUuid = undefined;
  }

  playStart(e: PlayStartEvent): void {
    const tl = this.timeline(e.startNs);
    const play = tl.plays[tl.plays.length - 1];
    if (play && e.batch > 1 && this.playUuid === e.playUuid) {
      play.batches = Math.max(play.batches, e.batch);
      play.serial = true;
      if (e.hostCount !== undefined) play.batchHosts = Math.max(play.batchHosts ?? 0, e.hostCount);
      return;
    }
    this.playUuid = e.playUuid;
    tl.plays.push({
      name: e.play,
      strategy: strategyKind(e.strategy),
      startNs: e.startNs,
      endNs: e.startNs,
      serial: e.serial === true,
      batches: Math.max(1, e.batch),
      batchHosts: e.hostCount,
      tasks: [],
    });
  }

  taskStart(e: TaskStartEvent): void {
    const play = this.play(e.startNs, e.play);
    const before = play.tasks[play.tasks.length - 1];
    if (before && play.strategy === 'linear') seal(before);
    const task: TimelineTask = {
      name: e.task,
      uuid: e.taskUuid,
      spanId: e.spanId,
      handler: e.handler,
      role: e.role,
      startNs: e.startNs,
      batch: play.batches,
      throttle: e.throttle ?? 0,
      workerCpu: e.workerCpu,
      controllerCpu: e.controllerCpu,
      machineCpu: e.machineCpu,
      host: [],
      start: [],
      end: [],
    };
    play.tasks.push(task);
    this.tasksBySpan.set(e.spanId, task);
    this.latestByUuid.set(e.taskUuid, task);
  }

  hostStart(e: HostStartEvent): void {
    const task = this.taskOf(e.taskSpanId, e.taskUuid, e.task, e.startNs);
    const h = this.host(e.host);
    this.runningTask[h] = task;
    this.runningAt[h] = this.push(task, h, e.startNs, Number.NaN);
  }

  hostResult(e: HostResultEvent): void {
    const task = this.taskOf(e.taskSpanId, e.taskUuid, e.task, e.startNs);
    const h = this.host(e.host);
    const running = this.runningTask[h] === task;
    let at = running ? (this.runningAt[h] as number) : -1;
    if (running && Number.isNaN(task.end[at] as number)) task.end[at] = e.endNs;
    // no worker start seen (a traces file, an import): the result brings both
    else at = this.push(task, h, e.startNs, e.endNs);
    if (running) this.runningTask[h] = undefined;
    if (e.delegatedTo) (task.delegated ??= new Map()).set(at, e.delegatedTo);
  }

  /** The playbook's timeline, its plays' ends filled in; the recorder lets it go. */
  finish(endNs: number, interrupted: boolean): Timeline | undefined {
    const tl = this.current;
    if (!tl) return undefined;
    this.current = undefined;
    this.tasksBySpan.clear();
    this.latestByUuid.clear();
    this.runningTask.length = 0;
    this.runningAt.length = 0;
    tl.endNs = Math.max(endNs, tl.startNs);
    tl.interrupted = interrupted;
    tl.plays.forEach((p, i) => {
      p.endNs = Math.max(p.startNs, i + 1 < tl.plays.length ? (tl.plays[i + 1] as TimelinePlay).startNs : tl.endNs);
    });
    tl.workerCpu ??= workerCpuPerResult(tl);
    tl.otherCpu ??= otherCpu(tl);
    return tl;
  }

  /** The timeline so far (for the run model's flags while the playbook runs). */
  get open(): Timeline | undefined {
    return this.current;
  }

  private timeline(ts: number): Timeline {
    if (!this.current) this.playbookStart({ ...NO_RUN, startNs: ts, spanId: '' });
    return this.current as Timeline;
  }

  private play(ts: number, name = ''): TimelinePlay {
    const tl = this.timeline(ts);
    const last = tl.plays[tl.plays.length - 1];
    if (last) return last;
    this.playStart({ ...NO_RUN, play: name, playUuid: '', startNs: ts, batch: 1, spanId: '' });
    return tl.plays[0] as TimelinePlay;
  }

  private taskOf(spanId: string | undefined, uuid: string, name: string, ts: number): TimelineTask {
    const known = (spanId !== undefined ? this.tasksBySpan.get(spanId) : undefined) ?? this.latestByUuid.get(uuid);
    if (known) return known;
    this.taskStart({
      ...NO_RUN,
      play: '',
      task: name,
      taskUuid: uuid,
      handler: false,
      startNs: ts,
      spanId: spanId ?? uuid,
    });
    return this.latestByUuid.get(uuid) as TimelineTask;
  }

  private host(name: string): number {
    let i = this.hostIndex.get(name);
    if (i === undefined) {
      const tl = this.timeline(0);
      i = tl.hosts.length;
      tl.hosts.push(name);
      this.hostIndex.set(name, i);
    }
    return i;
  }

  private push(task: TimelineTask, h: number, startNs: number, endNs: number): number {
    // a sealed task that gets a result after all (a file's events out of order): arrays again
    if (!Array.isArray(task.host)) Object.assign(task, { host: Array.from(task.host), start: Array.from(task.start), end: Array.from(task.end) });
    (task.host as number[]).push(h);
    (task.start as number[]).push(startNs);
    (task.end as number[]).push(endNs);
    return task.host.length - 1;
  }
}

/**
 * A task that is over as a linear play goes (the next one started): its columns as typed arrays of
 * their length, 20 bytes a host result outside V8's heap, instead of arrays grown by push (24
 * bytes and up to half again, in the old generation, which V8 then lets grow by its factor).
 * The same numbers: a double is a double in either.
 */
function seal(t: TimelineTask): void {
  if (!Array.isArray(t.host)) return;
  t.host = Uint32Array.from(t.host);
  t.start = Float64Array.from(t.start);
  t.end = Float64Array.from(t.end);
}

/**
 * Mean CPU seconds of one host's worker per task: what the finished workers used between the
 * first and the last task start the shim measured, over the host results of the tasks between.
 * A worker counts once reaped, which happens when the next worker starts, so the tasks just before
 * the last start are short of at most a pool of workers. Rounded to the µs: the same value as
 * the root span carries (ansible.run.worker_cpu), so a traces file gives the same estimate.
 */
function workerCpuPerResult(tl: Timeline): number | undefined {
  const tasks = tl.plays.flatMap((p) => p.tasks).filter((t) => t.workerCpu !== undefined);
  if (tasks.length < 2) return undefined;
  const first = tasks[0] as TimelineTask;
  const last = tasks[tasks.length - 1] as TimelineTask;
  let results = 0;
  for (const t of tl.plays.flatMap((p) => p.tasks)) if (t.startNs >= first.startNs && t.startNs < last.startNs) results += t.host.length;
  const cpu = (last.workerCpu as number) - (first.workerCpu as number);
  return results > 0 && cpu > 0 ? Math.round((cpu / results) * 1e6) / 1e6 : undefined;
}

/**
 * The mean CPUs other processes (the sidecar among them) kept busy of the controller's CPUs
 * between the first and the last task start the shim measured: the CPUs' busy seconds less the
 * controller's and its finished workers' own, over the seconds between. At least 0, and at most
 * what the run left of its CPUs. Rounded to 10⁻⁴: the same value as the root span carries
 * (ansible.run.other_cpu), so a traces file gives the same estimate.
 */
function otherCpu(tl: Timeline): number | undefined {
  const tasks = tl.plays.flatMap((p) => p.tasks).filter((t) => t.workerCpu !== undefined && t.controllerCpu !== undefined && t.machineCpu !== undefined);
  if (tasks.length < 2 || tl.cpus === undefined) return undefined;
  const first = tasks[0] as TimelineTask;
  const last = tasks[tasks.length - 1] as TimelineTask;
  const seconds = (last.startNs - first.startNs) / 1e9;
  if (seconds <= 0) return undefined;
  const ours = ((last.workerCpu as number) - (first.workerCpu as number) + (last.controllerCpu as number) - (first.controllerCpu as number)) / seconds;
  const busy = ((last.machineCpu as number) - (first.machineCpu as number)) / seconds;
  const others = Math.min(busy - ours, tl.cpus - ours);
  return Math.round(Math.max(0, others) * 1e4) / 1e4;
}
