// The live state of running playbooks for watchers: a RunObserver, no I/O, clock passed in.
// Views are filled field by field from the events: an optional field may hold `undefined`, which
// the JSON sent to watchers leaves out.
import type { CicdResult, HostSpanStatus } from '../model/attributes.js';
import type {
  HostResultEvent,
  HostStartEvent,
  PlayStartEvent,
  PlaybookEndEvent,
  PlaybookStartEvent,
  RunObserver,
  TaskStartEvent,
} from '../model/run-observer.js';

/** One task instance as watchers see it. */
export interface LiveTask {
  name: string;
  play: string;
  handler: boolean;
  startNs: number;
  hostsDone: number;
  /** Hosts expected: the batch minus hosts already out of the play; undefined when unknown (handlers, old shims). */
  hostsTotal?: number | undefined;
  hostsRunning: number;
  failed: number;
  durationMs: number;
  /** The host that took (or is taking) longest on this task. */
  slowest?: { host: string; ms: number; running: boolean } | undefined;
}

/** One playbook (one trace) of a run. */
export interface LiveRun {
  traceId: string;
  runId: string;
  playbook: string;
  controller?: string | undefined;
  user?: string | undefined;
  startNs: number;
  elapsedMs: number;
  state: 'running' | 'ended';
  result?: CicdResult | undefined;
  play?: string | undefined;
  batch?: number | undefined;
  task?: LiveTask | undefined;
  tasksDone: number;
  /** Failed or unreachable host results so far (not ignored, not rescued). */
  failures: number;
  hostsSeen: number;
}

const FAILING: ReadonlySet<HostSpanStatus> = new Set(['failed', 'unreachable']);

interface TaskState {
  uuid: string;
  name: string;
  play: string;
  handler: boolean;
  startNs: number;
  endNs: number;
  hostsTotal?: number | undefined;
  done: number;
  failed: number;
  running: Map<string, number>;
  slowestDone?: { host: string; ns: number };
}

interface RunState {
  ref: { traceId: string; runId: string; playbook: string; controller: string | undefined; user: string | undefined };
  startNs: number;
  lastNs: number;
  endNs?: number;
  result?: CicdResult;
  play?: string;
  batch?: number;
  batchHosts?: number | undefined;
  /** Hosts out of the current play batch (failed or unreachable); ansible runs no more tasks on them. */
  out: Set<string>;
  task?: TaskState | undefined;
  tasksDone: number;
  failures: number;
  hosts: Set<string>;
}

const ms = (ns: number): number => Math.max(0, Math.round(ns / 1e6));

/** A task instance that ended (the next one started, or its playbook ended), final. */
export interface FinishedTask {
  traceId: string;
  runId: string;
  playbook: string;
  task: LiveTask;
}

/** Tracks every open playbook; `snapshot(now)` is what a watcher is sent. */
export class LiveState implements RunObserver {
  private readonly runs = new Map<string, RunState>();
  /** Playbooks that ended since the last `takeEnded()`, final. */
  private ended: LiveRun[] = [];
  /** Tasks that ended since the last `takeFinishedTasks()`: states are sampled, these are not. */
  private finished: FinishedTask[] = [];
  /** Something changed since the last snapshot. */
  dirty = false;

  playbookStart(e: PlaybookStartEvent): void {
    this.runs.set(e.traceId, {
      ref: { traceId: e.traceId, runId: e.runId, playbook: e.playbook, controller: e.controller, user: e.user },
      startNs: e.startNs,
      lastNs: e.startNs,
      out: new Set(),
      tasksDone: 0,
      failures: 0,
      hosts: new Set(),
    });
    this.dirty = true;
  }

  playStart(e: PlayStartEvent): void {
    const run = this.touch(e.traceId, e.startNs);
    if (!run) return;
    this.closeTask(run, e.startNs);
    run.play = e.play;
    run.batch = e.batch;
    run.batchHosts = e.hostCount;
    run.out.clear();
  }

  taskStart(e: TaskStartEvent): void {
    const run = this.touch(e.traceId, e.startNs);
    if (!run) return;
    this.closeTask(run, e.startNs);
    const total = e.handler || run.batchHosts === undefined ? undefined : Math.max(0, run.batchHosts - run.out.size);
    run.task = {
      uuid: e.taskUuid,
      name: e.task,
      play: e.play,
      handler: e.handler,
      startNs: e.startNs,
      endNs: e.startNs,
      hostsTotal: total,
      done: 0,
      failed: 0,
      running: new Map(),
    };
  }

  hostStart(e: HostStartEvent): void {
    const run = this.touch(e.traceId, e.startNs);
    if (!run) return;
    run.hosts.add(e.host);
    if (run.task?.uuid === e.taskUuid) run.task.running.set(e.host, e.startNs);
  }

  hostResult(e: HostResultEvent): void {
    const run = this.touch(e.traceId, e.endNs);
    if (!run) return;
    run.hosts.add(e.host);
    const failing = FAILING.has(e.status);
    if (failing) {
      run.failures += 1;
      run.out.add(e.host);
    }
    const task = run.task;
    if (task?.uuid !== e.taskUuid) return;
    task.running.delete(e.host);
    task.done += 1;
    if (failing) task.failed += 1;
    task.endNs = Math.max(task.endNs, e.endNs);
    const took = e.endNs - e.startNs;
    if (!task.slowestDone || took > task.slowestDone.ns) task.slowestDone = { host: e.host, ns: took };
  }

  playbookEnd(e: PlaybookEndEvent): void {
    const run = this.runs.get(e.traceId);
    if (!run) return;
    this.closeTask(run, e.endNs);
    run.endNs = e.endNs;
    run.lastNs = Math.max(run.lastNs, e.endNs);
    run.result = e.result;
    this.runs.delete(e.traceId);
    this.ended.push(this.view(run, e.endNs));
    this.dirty = true;
  }

  /** The running playbooks, oldest first, as of `nowNs` (the sidecar's clock, for what is still running). */
  snapshot(nowNs: number): LiveRun[] {
    this.dirty = false;
    return [...this.runs.values()].map((run) => this.view(run, nowNs));
  }

  get running(): number {
    return this.runs.size;
  }

  takeFinishedTasks(): FinishedTask[] {
    const finished = this.finished;
    this.finished = [];
    return finished;
  }

  takeEnded(): LiveRun[] {
    const ended = this.ended;
    this.ended = [];
    return ended;
  }

  private touch(traceId: string, ts: number): RunState | undefined {
    const run = this.runs.get(traceId);
    if (run) {
      run.lastNs = Math.max(run.lastNs, ts);
      this.dirty = true;
    }
    return run;
  }

  private closeTask(run: RunState, ts: number): void {
    const task = run.task;
    if (!task) return;
    const { traceId, runId, playbook } = run.ref;
    this.finished.push({ traceId, runId, playbook, task: taskView(task, task.running.size ? Math.max(task.endNs, ts) : task.endNs) });
    run.tasksDone += 1;
    run.task = undefined;
  }

  private view(run: RunState, nowNs: number): LiveRun {
    const now = Math.max(nowNs, run.lastNs);
    return {
      ...run.ref,
      startNs: run.startNs,
      elapsedMs: ms((run.endNs ?? now) - run.startNs),
      state: run.endNs === undefined ? 'running' : 'ended',
      result: run.result,
      play: run.play,
      batch: run.batch,
      task: run.task && taskView(run.task, now),
      tasksDone: run.tasksDone,
      failures: run.failures,
      hostsSeen: run.hosts.size,
    };
  }
}

function taskView(t: TaskState, nowNs: number): LiveTask {
  let slowest = t.slowestDone && { host: t.slowestDone.host, ms: ms(t.slowestDone.ns), running: false };
  for (const [host, startNs] of t.running) {
    const took = ms(nowNs - startNs);
    if (!slowest || took > slowest.ms) slowest = { host, ms: took, running: true };
  }
  return {
    name: t.name,
    play: t.play,
    handler: t.handler,
    startNs: t.startNs,
    hostsDone: t.done,
    hostsTotal: t.hostsTotal,
    hostsRunning: t.running.size,
    failed: t.failed,
    durationMs: ms((t.running.size ? nowNs : t.endNs) - t.startNs),
    slowest,
  };
}
