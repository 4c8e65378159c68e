import type { Frame, FrameOf, HostStats, Scope } from '../protocol/frames.js';
import { ATTR, PIPELINE_ACTION, type CicdResult, type HostSpanStatus } from './attributes.js';
import { argsAttributes, asText, codeAttributes, exceptionAttributes, resultMessage } from './result-text.js';
import { SpanNode } from './span-node.js';
import { CountingTraceWriter } from './counting-writer.js';
import { DeferredSpan } from './deferred-span.js';
import { isHostSpanChoice, PROBLEM_STATUSES, SLOWEST_HOSTS, Slowest, TaskHostFacts, taskMode, type HostSpanChoice } from './host-spans.js';
import { hostResultAttributes, hostSpanStatus, hostStartAttributes, isErrorStatus } from './host-span.js';
import type { Attributes, SpanStatus, TraceWriter } from './trace-writer.js';
import type { RunObserver, RunRef } from './run-observer.js';
import type { HeldHost, HostState, PlayState, PlaybookState, RunSummary, ScopeState, TaskState } from './run-state.js';
import { CriticalPathObserver } from '../analysis/path-observer.js';
import { chainHostOf, endsLater, taskOnPath } from '../analysis/critical-path.js';
import { strategyKind } from '../analysis/timeline.js';
import { rootAttributes } from '../analysis/playbook-analysis.js';

export type { RunSummary, TraceSummary } from './run-state.js';

/** Shared: a host span's end status, once per frame. */
const UNSET: SpanStatus = Object.freeze({ code: 'unset' });
/** A number from module output (`res`), which may hold anything. */
const finiteOrUndefined = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const INTERRUPTED = 'run ended before this finished (ansible-playbook killed, or its connection lost)';

export interface RunModelOptions {
  /** Which host spans a task gets (--host-spans); the run's `hello` may choose for itself. Default `all`. */
  hostSpans?: HostSpanChoice;
}

/**
 * The run state machine: frames of one ansible-playbook command in, span operations out.
 * Pure: no I/O, no clock; every timestamp comes from a frame. Spans end as soon as their work
 * does, so a live run streams.
 */
export class RunModel<S> {
  private hello: FrameOf<'hello'> | undefined;
  private playbook: PlaybookState<S> | undefined;
  private readonly openHostByName = new Map<string, HostState<S>>();
  private readonly hostByJob = new Map<string, HostState<S>>();
  private readonly pendingIncludes = new Map<string, number>();
  private readonly openNodes = new Set<SpanNode<S>>();
  private nextSeq = 0;
  private lastTs = 0;
  private done = false;
  private hostSpanChoice: HostSpanChoice;
  private readonly summary: RunSummary;
  private readonly writer: CountingTraceWriter<S>;
  /** The observer, behind the analyses that see its events first (src/analysis). */
  private readonly observer: RunObserver;
  private readonly paths: CriticalPathObserver;

  constructor(
    writer: TraceWriter<S>,
    readonly runId: string,
    observer: RunObserver = {},
    options: RunModelOptions = {},
  ) {
    this.paths = new CriticalPathObserver(observer);
    this.observer = this.paths;
    this.writer = new CountingTraceWriter(writer);
    this.summary = { runId, traces: [], hostResults: {}, interrupted: false, framesMissing: 0, shimDropped: 0 };
    this.hostSpanChoice = options.hostSpans ?? 'all';
  }

  /** Which host spans this run's tasks get: the run's own choice, else the sidecar's. */
  get hostSpans(): HostSpanChoice {
    return this.hostSpanChoice;
  }

  get finished(): boolean {
    return this.done;
  }

  result(): RunSummary {
    return this.summary;
  }

  apply(frame: Frame): void {
    if (this.done) return;
    if (frame.seq > this.nextSeq) this.onGap(frame.seq - this.nextSeq);
    this.nextSeq = Math.max(this.nextSeq, frame.seq + 1);
    if (frame.ts > this.lastTs) this.lastTs = frame.ts;
    switch (frame.t) {
      case 'hello':
        this.hello = frame;
        // The shim's `host_spans` wins over the sidecar's; a value this sidecar does not know is no choice.
        if (isHostSpanChoice(frame.host_spans)) this.hostSpanChoice = frame.host_spans;
        return;
      case 'playbook_start':
        return this.onPlaybookStart(frame);
      case 'vars_prompt':
        return this.ensurePlaybook(frame.ts).node.event('ansible.vars_prompt', frame.ts, {
          'ansible.vars_prompt.name': frame.varname,
          'ansible.vars_prompt.private': frame.private,
        });
      case 'play_start':
        return this.onPlayStart(frame);
      case 'task_start':
        return this.onTaskStart(frame);
      case 'host_start':
        this.openHost(frame.task, frame.host, frame.ts); // a span already open for it is kept
        return;
      case 'host_result':
        return this.onHostResult(frame);
      case 'item_result':
        return this.onItemResult(frame);
      case 'retry':
        return this.onRetry(frame);
      case 'async_poll':
      case 'async_ok':
      case 'async_failed':
        return this.onAsync(frame);
      case 'notify':
        return this.onNotify(frame);
      case 'include':
        // A looped include sends one frame per file: its span starts at the first.
        if (!this.pendingIncludes.has(frame.task)) this.pendingIncludes.set(frame.task, frame.ts);
        return;
      case 'file_diff':
        return this.onFileDiff(frame);
      case 'no_hosts_matched':
      case 'no_hosts_remaining': {
        const target = this.playbook?.play?.node ?? this.playbook?.node;
        target?.event(`ansible.${frame.t}`, frame.ts);
        return;
      }
      case 'stats':
        return this.onStats(frame);
      case 'bye':
        this.summary.shimDropped += frame.dropped ?? 0;
        return this.finish();
    }
  }

  /** Frames went missing: every span open now may lack some of its events or children. */
  private onGap(missing: number): void {
    this.summary.framesMissing += missing;
    const play = this.playbook?.play;
    const open = [
      this.playbook?.node,
      play?.node,
      ...(play?.scopes.map((s) => s.node) ?? []),
      ...[...(play?.openTasks ?? [])].flatMap((t) => [t.node, ...[...t.hosts.values()].map((h) => h.node)]),
    ];
    for (const node of open) if (node && !node.ended) node.set({ [ATTR.RUN_GAPS]: this.summary.framesMissing });
  }

  /** Ends the run. Anything still open was cut off: it ends at the last timestamp seen, as ERROR. */
  finish(): void {
    if (this.done) return;
    if (this.playbook) {
      this.summary.interrupted = true;
      this.closePlaybook(this.lastTs, true);
    }
    this.done = true;
  }

  /**
   * Ends the run because applying a frame threw: every open span ends as ERROR, interrupted, with
   * the failure named. The state may be half-updated, so what the usual close leaves open (or
   * cannot reach) is ended from the registry of open spans, children first.
   */
  abort(failure: string): void {
    if (this.done) return;
    this.done = true;
    this.summary.interrupted = true;
    this.summary.failure = failure;
    const attrs = { [ATTR.RUN_INTERRUPTED]: true, [ATTR.RUN_FAILURE]: failure };
    for (const node of this.openNodes) node.set(attrs);
    try {
      this.closePlaybook(this.lastTs, true);
    } catch {
      // the broken state broke the close too: the sweep below ends the rest
    }
    for (const node of [...this.openNodes].reverse()) {
      try {
        node.end(this.lastTs, { code: 'error', message: failure });
      } catch {
        // ended (marked) before the writer threw: the sweep goes on
      }
    }
  }

  // ---- playbook and play -------------------------------------------------------------------

  private onPlaybookStart(f: FrameOf<'playbook_start'>): void {
    if (this.playbook) this.closePlaybook(f.ts, false);
    const name = f.name ?? f.path.split('/').pop() ?? f.path;
    const h = this.hello;
    const node = SpanNode.root(
      this.writer,
      `${this.runId}/${this.summary.traces.length}`,
      {
        name: `${PIPELINE_ACTION} ${name}`,
        kind: 'server',
        startNs: f.ts,
        remoteParent: h?.traceparent ? { traceparent: h.traceparent, tracestate: h.tracestate ?? undefined } : undefined,
        attributes: {
          [ATTR.PLAYBOOK_PATH]: f.path,
          [ATTR.PLAYBOOK_NAME]: name,
          [ATTR.VERSION]: h?.ansible_version,
          [ATTR.SESSION]: this.runId,
          [ATTR.HOST_NAME]: h?.hostname,
          [ATTR.HOST_USER]: h?.user ?? undefined,
          [ATTR.CHECK_MODE]: h?.check,
          [ATTR.DIFF_MODE]: h?.diff,
          [ATTR.PROCESS_PID]: h?.pid,
          [ATTR.CICD_PIPELINE_NAME]: name,
          [ATTR.CICD_PIPELINE_ACTION_NAME]: PIPELINE_ACTION,
          [ATTR.CICD_PIPELINE_RUN_ID]: this.runId,
          [ATTR.RUN_FORKS]: h?.forks ?? undefined,
          [ATTR.RUN_CPUS]: h?.cpus ?? undefined,
        },
      },
      this.openNodes,
    );
    // Frozen: V8 spreads a frozen object into an event literal ≈ 30× faster (≈ 0.1 µs against ≈ 2.8 µs
    // per event, node 20), and every observer event starts with a spread of it.
    const ref: RunRef = Object.freeze({ runId: this.runId, playbook: name, playbookPath: f.path, traceId: node.traceId });
    this.playbook = { node, name, ref, stats: {}, spansBefore: this.writer.started - 1 };
    this.observer.playbookStart?.({
      ...ref,
      startNs: f.ts,
      ansibleVersion: h?.ansible_version,
      check: h?.check,
      controller: h?.hostname,
      user: h?.user ?? undefined,
      spanId: node.spanId,
      forks: h?.forks ?? undefined,
      cpus: h?.cpus ?? undefined,
    });
  }

  private ensurePlaybook(ts: number): PlaybookState<S> {
    // Frames before playbook_start (a sidecar started mid-run) still get a root.
    if (!this.playbook) this.onPlaybookStart({ v: 1, t: 'playbook_start', run: this.runId, seq: -1, ts, path: 'unknown playbook' });
    return this.playbook as PlaybookState<S>;
  }

  /** The current playbook, for observer events (a playbook is always open when this is asked). */
  private ref(): RunRef {
    return this.ensurePlaybook(this.lastTs).ref;
  }

  private onPlayStart(f: FrameOf<'play_start'>): void {
    const pb = this.ensurePlaybook(f.ts);
    const current = pb.play;
    if (current && !current.node.ended && current.uuid === f.play) {
      // `serial`: ansible-core starts the same play again for each batch.
      current.batches += 1;
      current.hostCount = f.host_count ?? undefined;
      current.node.event('ansible.play.batch', f.ts, { [ATTR.PLAY_BATCHES]: current.batches });
      current.node.set({ [ATTR.PLAY_BATCHES]: current.batches });
      this.observer.playStart?.({
        ...pb.ref,
        play: current.name,
        playUuid: f.play,
        startNs: f.ts,
        batch: current.batches,
        hostCount: f.host_count ?? undefined,
        spanId: current.node.spanId,
        strategy: f.strategy ?? undefined,
        serial: f.serial != null,
      });
      return;
    }
    if (current) this.closePlay(current, f.ts, false);
    const node = pb.node.child({
      name: f.name || 'play',
      kind: 'internal',
      startNs: f.ts,
      attributes: {
        [ATTR.PLAY_NAME]: f.name,
        [ATTR.PLAY_UUID]: f.play,
        [ATTR.PLAY_HOSTS]: f.hosts,
        [ATTR.PLAY_STRATEGY]: f.strategy ?? undefined,
        [ATTR.PLAY_BATCHES]: 1,
      },
    });
    pb.play = {
      node,
      uuid: f.play,
      name: f.name,
      batches: 1,
      hostCount: f.host_count ?? undefined,
      scopes: [],
      tasks: new Map(),
      openTasks: new Set(),
      failedHosts: new Set(),
      linear: strategyKind(f.strategy) === 'linear',
    };
    this.observer.playStart?.({
      ...pb.ref,
      play: f.name,
      playUuid: f.play,
      startNs: f.ts,
      batch: 1,
      hostCount: f.host_count ?? undefined,
      spanId: node.spanId,
      strategy: f.strategy ?? undefined,
      serial: f.serial != null,
    });
  }

  private ensurePlay(ts: number): PlayState<S> {
    const pb = this.ensurePlaybook(ts);
    if (!pb.play || pb.play.node.ended) this.onPlayStart({ v: 1, t: 'play_start', run: this.runId, seq: -1, ts, play: 'unknown', name: 'unknown play' });
    return pb.play as PlayState<S>;
  }

  private onStats(f: FrameOf<'stats'>): void {
    const pb = this.ensurePlaybook(f.ts);
    const totals: Record<keyof HostStats, number> = { ok: 0, changed: 0, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
    const failed: string[] = [];
    const unreachable: string[] = [];
    for (const [host, s] of Object.entries(f.hosts)) {
      for (const k of Object.keys(totals) as (keyof HostStats)[]) totals[k] += Number(s[k] ?? 0);
      if ((s.failures ?? 0) > 0) failed.push(host);
      if ((s.unreachable ?? 0) > 0) unreachable.push(host);
    }
    const attrs: Attributes = { [ATTR.FAILED_HOSTS]: failed, [ATTR.UNREACHABLE_HOSTS]: unreachable };
    for (const [k, n] of Object.entries(totals)) attrs[ATTR.STATS_PREFIX + k] = n;
    pb.node.set(attrs);
    pb.stats = f.hosts;
    this.closePlaybook(f.ts, false, failed.length + unreachable.length > 0 ? { failed, unreachable } : undefined);
  }

  private closePlaybook(ts: number, interrupted: boolean, failure?: { failed: string[]; unreachable: string[] }): void {
    const pb = this.playbook;
    if (!pb) return;
    if (pb.play) this.closePlay(pb.play, ts, interrupted);
    if (this.summary.framesMissing) pb.node.set({ [ATTR.RUN_GAPS]: this.summary.framesMissing });
    // Where the time went: known now, on the root before it ends (src/analysis)
    const analysis = this.paths.analyze(Math.max(ts, pb.node.lastNs), interrupted);
    if (analysis) pb.node.set(rootAttributes(analysis));
    else if (this.paths.failure) pb.node.set({ [ATTR.RUN_CP_FAILURE]: this.paths.failure });
    let result: CicdResult = 'success';
    if (interrupted) {
      result = 'error';
      pb.node.set({ [ATTR.RUN_INTERRUPTED]: true, [ATTR.ERROR_TYPE]: 'interrupted', [ATTR.CICD_PIPELINE_RESULT]: result });
      pb.node.end(ts, { code: 'error', message: INTERRUPTED });
    } else if (failure) {
      result = 'failure';
      const parts = [];
      if (failure.failed.length) parts.push(`failed on ${failure.failed.join(', ')}`);
      if (failure.unreachable.length) parts.push(`unreachable: ${failure.unreachable.join(', ')}`);
      pb.node.set({ [ATTR.CICD_PIPELINE_RESULT]: result, [ATTR.ERROR_TYPE]: failure.failed.length ? 'failed' : 'unreachable' });
      pb.node.end(ts, { code: 'error', message: parts.join('; ') });
    } else {
      pb.node.set({ [ATTR.CICD_PIPELINE_RESULT]: result });
      pb.node.end(ts, { code: 'ok' });
    }
    this.summary.traces.push({
      traceId: pb.node.traceId,
      playbook: pb.name,
      result,
      spans: this.writer.started - pb.spansBefore,
      hostSpans: this.hostSpanChoice,
      analysis,
    });
    this.observer.playbookEnd?.({
      ...pb.ref,
      startNs: pb.node.startNs,
      endNs: Math.max(ts, pb.node.lastNs),
      result,
      interrupted,
      stats: pb.stats,
      failedHosts: failure?.failed ?? [],
      unreachableHosts: failure?.unreachable ?? [],
      spanId: pb.node.spanId,
      analysis,
    });
    this.playbook = undefined;
    this.openHostByName.clear();
    this.hostByJob.clear();
    this.pendingIncludes.clear();
  }

  private closePlay(play: PlayState<S>, ts: number, interrupted: boolean): void {
    for (const task of play.openTasks) this.closeTask(play, task, ts, interrupted);
    this.closeScopes(play, 0, ts, interrupted);
    const tl = this.paths.timeline;
    const tlPlay = tl?.plays[tl.plays.length - 1];
    // free / host_pinned: the path is the chain that ended last, known only now (docs/critical-path.md)
    if (!play.linear && tl && tlPlay) play.node.set({ [ATTR.PLAY_CP_HOST]: chainHostOf(tl, { ...tlPlay, endNs: ts }) });
    if (interrupted) {
      play.node.set({ [ATTR.RUN_INTERRUPTED]: true });
      play.node.end(ts, { code: 'error', message: INTERRUPTED });
    } else if (play.failedHosts.size > 0) {
      play.node.end(ts, { code: 'error', message: `failed hosts: ${[...play.failedHosts].join(', ')}` });
    } else {
      play.node.end(ts, { code: 'unset' });
    }
  }

  // ---- scopes (roles, includes) and tasks -------------------------------------------------

  private onTaskStart(f: FrameOf<'task_start'>): void {
    const play = this.ensurePlay(f.ts);
    for (const open of play.openTasks) {
      if (open.openHosts === 0) this.closeTask(play, open, f.ts, false);
      else open.superseded = true; // free strategy: hosts still busy on it
    }
    const parent = this.syncScopes(play, f.scopes ?? [], f.ts);
    const argsAttrs = argsAttributes(f.args);
    // ansible shows role tasks as "role : name"; under a role span the plain name reads better.
    const name = (f.role && f.name?.startsWith(`${f.role} : `) ? f.name.slice(f.role.length + 3) : f.name) || f.action || 'task';
    const node = parent.child({
      name,
      kind: 'internal',
      startNs: f.ts,
      attributes: {
        [ATTR.TASK_NAME]: name,
        [ATTR.TASK_UUID]: f.task,
        [ATTR.TASK_MODULE]: f.action,
        [ATTR.TASK_ACTION]: f.action,
        [ATTR.TASK_ROLE]: f.role ?? undefined,
        [ATTR.TASK_TAGS]: f.tags?.length ? f.tags.map(String) : undefined,
        [ATTR.TASK_HANDLER]: f.handler ?? false,
        [ATTR.TASK_NO_LOG]: f.no_log || undefined,
        [ATTR.PLAY_NAME]: play.name,
        [ATTR.CICD_PIPELINE_TASK_NAME]: name,
        [ATTR.CICD_PIPELINE_TASK_RUN_ID]: f.task,
        // A check-mode run only tests what would change; any other run deploys it.
        [ATTR.CICD_PIPELINE_TASK_TYPE]: this.hello?.check ? 'test' : 'deploy',
        [ATTR.TASK_THROTTLE]: f.throttle || undefined,
        ...codeAttributes(f.path),
        ...argsAttrs,
      },
    });
    const role = f.role ?? undefined;
    const handler = f.handler ?? false;
    const spanMode = taskMode(this.hostSpanChoice, play.hostCount);
    const task: TaskState<S> = {
      node,
      uuid: f.task,
      name,
      action: f.action,
      role,
      handler,
      argsAttrs,
      hosts: new Map(),
      openHosts: 0,
      superseded: false,
      results: {},
      facts: new TaskHostFacts(),
      slowest: new Slowest(spanMode === 'problems' ? SLOWEST_HOSTS : 0),
      spanMode,
    };
    play.tasks.set(f.task, task);
    play.openTasks.add(task);
    this.observer.taskStart?.({
      ...this.ref(),
      play: play.name,
      task: name,
      taskUuid: f.task,
      action: f.action,
      role,
      handler,
      startNs: f.ts,
      spanId: node.spanId,
      throttle: f.throttle || undefined,
      workerCpu: f.worker_cpu ?? undefined,
    });
  }

  /** Brings the open role/include spans in line with a task's scopes; returns the task's parent. */
  private syncScopes(play: PlayState<S>, scopes: Scope[], ts: number): SpanNode<S> {
    let keep = 0;
    while (keep < play.scopes.length && keep < scopes.length && play.scopes[keep]?.id === scopes[keep]?.id) keep++;
    this.closeScopes(play, keep, ts, false);
    let parent = play.scopes[keep - 1]?.node ?? play.node;
    for (const scope of scopes.slice(keep)) {
      const startNs = this.pendingIncludes.get(scope.id) ?? ts;
      const node = parent.child({
        name: scope.kind === 'include' ? `include ${scope.name}` : `role ${scope.name}`,
        kind: 'internal',
        startNs: Math.min(startNs, ts),
        attributes: {
          [ATTR.SCOPE_KIND]: scope.kind,
          [ATTR.SCOPE_NAME]: scope.name,
          [ATTR.SCOPE_VIA]: scope.via,
          [ATTR.TASK_ROLE]: scope.kind === 'role' ? scope.name : undefined,
        },
      });
      play.scopes.push({ node, id: scope.id });
      parent = node;
    }
    return parent;
  }

  private closeScopes(play: PlayState<S>, from: number, ts: number, interrupted: boolean): void {
    while (play.scopes.length > from) {
      const scope = play.scopes.pop() as ScopeState<S>;
      if (interrupted) {
        scope.node.set({ [ATTR.RUN_INTERRUPTED]: true });
        scope.node.end(ts, { code: 'error', message: INTERRUPTED });
      } else {
        // Ends with its last task, not when the next task outside it starts.
        scope.node.end(scope.node.lastNs, { code: 'unset' });
      }
    }
  }

  private taskFor(uuid: string, ts: number): TaskState<S> {
    const play = this.ensurePlay(ts);
    const task = play.tasks.get(uuid);
    if (task && !task.node.ended) return task;
    // A result for a task whose start we never saw (or that already closed): give it a span.
    this.onTaskStart({ v: 1, t: 'task_start', run: this.runId, seq: -1, ts, task: uuid, name: task?.name ?? `task ${uuid}`, action: task?.action });
    return play.tasks.get(uuid) as TaskState<S>;
  }

  private closeTask(play: PlayState<S>, task: TaskState<S>, ts: number, interrupted: boolean): void {
    const mode = task.spanMode;
    const path = play.linear ? this.taskOnPath(task, ts) : undefined;
    if (path) {
      task.node.set({
        [ATTR.CRITICAL_PATH]: true,
        [ATTR.TASK_CP_HOST]: path.host,
        [ATTR.TASK_CP_FORK_WAIT]: path.forkWaitNs / 1e9,
        [ATTR.TASK_CP_HOST_WORK]: path.workNs / 1e9,
      });
    }
    const held = task.held;
    task.held = undefined;
    if (held) this.release(held, held.hs.host === path?.host && !task.hosts.has(held.hs.host));
    for (const hs of task.hosts.values()) {
      if (hs.node.ended) continue;
      // A host the task ended without a result for is a problem: `problems` keeps its span.
      if (mode === 'problems') hs.node.create();
      if (hs.host === path?.host) {
        hs.node.set({ [ATTR.CRITICAL_PATH]: true });
        hs.node.create();
      }
      if (interrupted) {
        hs.node.set({ [ATTR.RUN_INTERRUPTED]: true, [ATTR.TASK_HOST_STATUS]: 'failed' });
        hs.node.event('exception', ts, exceptionAttributes('ansible.interrupted', undefined, INTERRUPTED));
        hs.node.end(ts, { code: 'error', message: INTERRUPTED });
      } else {
        hs.node.end(ts, { code: 'unset' });
      }
      this.forgetHost(hs);
    }
    play.openTasks.delete(task);
    task.hosts.clear();
    for (const slow of task.slowest.take()) slow.create();
    task.node.set({ ...task.facts.attributes(), [ATTR.TASK_HOSTS_SPANS]: mode });
    task.facts = new TaskHostFacts(); // the durations go: play.tasks keeps the task itself until the play ends
    const r = task.results;
    // A rescued failure is ERROR on its host span only (the block's rescue handled it).
    const failures = (r.failed ?? 0) + (r.unreachable ?? 0);
    const total = Object.values(r).reduce((a, b) => a + (b ?? 0), 0);
    let result: CicdResult = failures ? 'failure' : total > 0 && r.skipped === total ? 'skip' : 'success';
    if (interrupted) result = 'error';
    // error.type, conditionally required on a failed or errored task run: the same values as the root's.
    const errorType = interrupted ? 'interrupted' : failures ? (r.failed ? 'failed' : 'unreachable') : undefined;
    task.node.set({ [ATTR.CICD_PIPELINE_TASK_RUN_RESULT]: result, [ATTR.ERROR_TYPE]: errorType, ...(interrupted ? { [ATTR.RUN_INTERRUPTED]: true } : {}) });
    const endNs = interrupted ? ts : task.node.lastNs;
    if (interrupted) task.node.end(endNs, { code: 'error', message: INTERRUPTED });
    else if (failures) task.node.end(endNs, { code: 'error', message: `failed on ${failures} host${failures === 1 ? '' : 's'}` });
    else task.node.end(endNs, { code: 'unset' });
  }

  /** A linear task ending at `ts`: the host it waited for (src/analysis decides), if it had hosts. */
  private taskOnPath(task: TaskState<S>, ts: number): ReturnType<typeof taskOnPath> {
    const tl = this.paths.timeline;
    const play = tl?.plays[tl.plays.length - 1];
    if (!tl || !play) return undefined;
    const spanId = task.node.spanId;
    for (let i = play.tasks.length - 1; i >= 0; i--) {
      const t = play.tasks[i];
      if (t?.spanId === spanId) return taskOnPath(tl, play, t, ts);
    }
    return undefined;
  }

  // ---- hosts and items ---------------------------------------------------------------------

  private startHost(task: TaskState<S>, host: string, ts: number): HostState<S> {
    const node = new DeferredSpan(task.node, task.node.reserveKey(), {
      name: host,
      kind: 'internal',
      startNs: ts,
      attributes: hostStartAttributes(host, task),
    });
    if (task.spanMode === 'all') node.create();
    const hs: HostState<S> = { node, task, host, itemEndNs: ts, items: 0, polls: 0, retries: 0 };
    task.hosts.set(host, hs);
    task.openHosts += 1;
    this.openHostByName.set(host, hs);
    this.observer.hostStart?.({ ...this.ref(), task: task.name, taskUuid: task.uuid, host, startNs: ts, taskSpanId: task.node.spanId });
    return hs;
  }

  private openHost(taskUuid: string, host: string, ts: number): HostState<S> {
    // The free strategy starts a task once per host: a host's frames belong to the instance the
    // host started on, which need not be the latest one.
    const busy = this.openHostByName.get(host);
    if (busy && busy.task.uuid === taskUuid && !busy.node.ended) return busy;
    const task = this.taskFor(taskUuid, ts);
    const hs = task.hosts.get(host);
    return hs && !hs.node.ended ? hs : this.startHost(task, host, ts);
  }

  /** A host span ended: nothing keeps it (memory follows open spans, not a task's finished hosts). */
  private forgetHost(hs: HostState<S>): void {
    hs.task.openHosts -= 1;
    if (this.openHostByName.get(hs.host) === hs) this.openHostByName.delete(hs.host);
    if (hs.task.hosts.get(hs.host) === hs) hs.task.hosts.delete(hs.host);
  }

  private onHostResult(f: FrameOf<'host_result'>): void {
    const hs = this.openHost(f.task, f.host, f.ts);
    const play = this.playbook?.play as PlayState<S>;
    const status = hostSpanStatus(f);
    const isError = isErrorStatus(status);
    const message = resultMessage(f.res, isError || status === 'ignored' ? f.status : undefined);
    const t = hs.task;
    const module = f.action ?? t.action;
    hs.node.set(hostResultAttributes(f, status, module, message));
    if (isError) hs.node.event('exception', f.ts, exceptionAttributes(`ansible.${f.status}`, f.res, message ?? f.status));
    const end = isError ? { code: 'error' as const, message } : UNSET;
    // linear: whether this host is the one its task waits for is known at the next result or the task's end
    const hold = play.linear;
    if (hold) hs.node.touch(f.ts);
    else hs.node.end(f.ts, end);
    this.forgetHost(hs);
    const durationNs = hs.node.lastNs - hs.node.startNs;
    t.facts.add(f.host, status, durationNs);
    // Decided before the observer hears of it: its records point at the span this host keeps.
    if (hold) this.hold({ hs, endNs: f.ts, end, status, durationNs });
    else this.settleHostSpan(hs, status, durationNs);
    if (this.observer.hostResult) {
      // Field by field, not even a spread of the frozen ref: this runs once per frame.
      const ref = this.ref();
      const rc = f.res?.rc;
      this.observer.hostResult({
        runId: ref.runId,
        playbook: ref.playbook,
        playbookPath: ref.playbookPath,
        traceId: ref.traceId,
        play: play.name,
        task: t.name,
        taskUuid: t.uuid,
        module,
        role: t.role,
        handler: t.handler,
        host: f.host,
        status,
        startNs: hs.node.startNs,
        endNs: f.ts,
        message,
        rc: typeof rc === 'number' ? rc : undefined,
        items: hs.items,
        retries: hs.retries,
        spanId: hs.node.spanId,
        changed: f.changed ?? false,
        result: f.res,
        taskSpanId: t.node.spanId,
        delegatedTo: f.delegated_to ?? undefined,
      });
    }
    hs.task.results[status] = (hs.task.results[status] ?? 0) + 1;
    this.summary.hostResults[status] = (this.summary.hostResults[status] ?? 0) + 1;
    if (status === 'failed' || status === 'unreachable') play.failedHosts.add(f.host);
    if (hs.task.superseded && hs.task.openHosts === 0) this.closeTask(play, hs.task, f.ts, false);
  }

  /**
   * A linear task's host span waits for the task's next result (then it is not the last) or the
   * task's end (then it may be the one the task waited for: its critical path). One per task.
   */
  private hold(h: HeldHost<S>): void {
    const t = h.hs.task;
    // a problem keeps its span at once, so its records point at it
    if (t.spanMode === 'problems' && PROBLEM_STATUSES.has(h.status)) h.hs.node.create();
    const held = t.held;
    if (held && endsLater(held.endNs, held.hs.node.startNs, held.hs.host, h.endNs, h.hs.node.startNs, h.hs.host)) return this.release(h, false);
    t.held = h;
    if (held) this.release(held, false);
  }

  private release(h: HeldHost<S>, onPath: boolean): void {
    if (onPath) {
      h.hs.node.set({ [ATTR.CRITICAL_PATH]: true });
      h.hs.node.create(); // kept in every --host-spans mode
    }
    h.hs.node.end(h.endNs, h.end);
    this.settleHostSpan(h.hs, h.status, h.durationNs);
  }

  /** `problems` and `none`: whether the host that just ended keeps its span. */
  private settleHostSpan(hs: HostState<S>, status: HostSpanStatus, durationNs: number): void {
    const mode = hs.task.spanMode;
    if (mode === 'all') return;
    if (mode === 'none') return hs.node.discard();
    // A problem among the slowest counts as one of them: the N slowest of all the task's hosts.
    if (PROBLEM_STATUSES.has(status)) hs.node.create();
    hs.task.slowest.offer(durationNs, hs.node)?.discard(); // a no-op on a span already created
  }

  private onItemResult(f: FrameOf<'item_result'>): void {
    const hs = this.openHost(f.task, f.host, f.ts);
    hs.items += 1;
    const label = f.label ?? `item ${hs.items}`;
    const failed = f.status === 'failed';
    // A failed item fails its host's result (failed, ignored or rescued): `problems` keeps it, so
    // the span exists now and the item's records point at the item's own span.
    if (failed && hs.task.spanMode === 'problems') hs.node.create();
    const message = resultMessage(f.res, failed ? 'failed' : undefined);
    const startNs = Math.min(hs.itemEndNs, f.ts);
    const options = {
      name: label.length > 120 ? `${label.slice(0, 119)}…` : label,
      kind: 'internal' as const,
      startNs,
      attributes: {
        [ATTR.TASK_ITEM_LABEL]: label,
        [ATTR.TASK_ITEM_INDEX]: hs.items - 1,
        [ATTR.TASK_HOST_NAME]: f.host,
        [ATTR.TASK_NAME]: hs.task.name,
        [ATTR.TASK_HOST_STATUS]: f.status === 'ok' && f.changed ? 'changed' : f.status,
        [ATTR.TASK_MESSAGE]: message,
        [ATTR.TASK_RESULT]: typeof f.res?.rc === 'number' ? f.res.rc : undefined,
        [ATTR.TASK_CHANGED]: f.changed ?? false,
        [ATTR.TASK_NO_LOG]: f.no_log || undefined,
      },
    };
    let spanId = hs.node.spanId;
    hs.node.with((host) => {
      const item = host.child(options);
      if (failed) item.event('exception', f.ts, exceptionAttributes('ansible.failed', f.res, message ?? 'failed'));
      item.end(f.ts, failed ? { code: 'error', message } : { code: 'unset' });
      spanId = item.spanId;
    });
    hs.node.touch(f.ts);
    this.observer.itemResult?.({
      ...this.ref(),
      play: this.playbook?.play?.name ?? '',
      task: hs.task.name,
      taskUuid: hs.task.uuid,
      module: hs.task.action,
      host: f.host,
      label,
      status: f.status === 'ok' && f.changed ? 'changed' : f.status,
      startNs,
      endNs: f.ts,
      message,
      spanId,
      result: f.res,
    });
    hs.itemEndNs = f.ts;
  }

  private onRetry(f: FrameOf<'retry'>): void {
    const hs = this.openHost(f.task, f.host, f.ts);
    const attempt = f.attempt ?? finiteOrUndefined(f.res?.attempts);
    hs.node.event('ansible.retry', f.ts, {
      [ATTR.TASK_ATTEMPTS]: attempt,
      'ansible.task.retries': f.retries ?? finiteOrUndefined(f.res?.retries),
      [ATTR.TASK_MESSAGE]: resultMessage(f.res),
    });
    hs.node.set({ [ATTR.TASK_ATTEMPTS]: attempt });
    hs.retries += 1;
    this.observer.retry?.({ ...this.ref(), task: hs.task.name, host: f.host, attempt, tsNs: f.ts, spanId: hs.node.spanId, result: f.res });
  }

  private onAsync(f: FrameOf<'async_poll' | 'async_ok' | 'async_failed'>): void {
    // Each poll runs under a fresh task uuid: correlate by host + job id instead.
    const key = `${f.host}\u0000${f.job ?? ''}`;
    let hs = this.hostByJob.get(key) ?? this.openHostByName.get(f.host);
    if (!hs || hs.node.ended) hs = this.openHost(f.task, f.host, f.ts);
    this.hostByJob.set(key, hs);
    if (f.t === 'async_poll') hs.polls += 1;
    hs.node.event(`ansible.${f.t}`, f.ts, {
      'ansible.async.job_id': f.job ?? undefined,
      'ansible.async.attempt': f.t === 'async_poll' ? hs.polls : undefined,
      'ansible.async.finished': typeof f.res?.finished === 'number' || typeof f.res?.finished === 'boolean' ? Number(f.res.finished) : undefined,
      [ATTR.TASK_MESSAGE]: resultMessage(f.res),
    });
    hs.node.set({ 'ansible.async.job_id': f.job ?? undefined, 'ansible.async.polls': hs.polls });
  }

  private onNotify(f: FrameOf<'notify'>): void {
    const target = this.openHostByName.get(f.host)?.node ?? this.playbook?.play?.node;
    target?.event('ansible.notify', f.ts, { 'ansible.handler.name': f.handler, 'ansible.handler.uuid': f.handler_task, [ATTR.TASK_HOST_NAME]: f.host });
  }

  private onFileDiff(f: FrameOf<'file_diff'>): void {
    const hs = this.openHost(f.task, f.host, f.ts);
    const headers = (f.diffs ?? []).map((d) => asText(d.after_header ?? d.before_header ?? ''));
    hs.node.event('ansible.diff', f.ts, { 'ansible.diff.count': headers.length, 'ansible.diff.files': headers });
  }
}
