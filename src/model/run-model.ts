import type { Frame, FrameOf, HostStats, ResultSubset, Scope } from '../protocol/frames.js';
import { ATTR, EXCEPTION_EVENT, PIPELINE_ACTION, RESULT, type CicdResult, type HostSpanStatus } from './attributes.js';
import { argsAttributes, asText, exceptionAttributes, resultMessage } from './result-text.js';
import { SpanNode } from './span-node.js';
import { CountingTraceWriter } from './counting-writer.js';
import { DeferredSpan } from './deferred-span.js';
import { isHostSpanChoice, PROBLEM_STATUSES, SLOWEST_HOSTS, Slowest, TaskHostFacts, taskMode, type HostSpanChoice } from './host-spans.js';
import { hostResultAttributes, hostSpanStatus, hostStartAttributes, isErrorStatus, isIncludeAction } from './host-span.js';
import { exitOutcome } from './exit-codes.js';
import { nextTaskRunId, scopeSpanNames, taskOutcome, taskSpanName, taskStartAttributes } from './task-span.js';
import { playbooksOf } from './command-line.js';
import { spanUrl } from './trace-url.js';
import type { Attributes, SpanStatus, TraceWriter } from './trace-writer.js';
import type { RunObserver, RunRef } from './run-observer.js';
import type { HeldHost, HostState, PlayState, PlaybookState, RunSummary, ScopeState, TaskState } from './run-state.js';
import { CriticalPathObserver } from '../analysis/path-observer.js';
import { chainHostOf, endsLater, taskOnPath } from '../analysis/critical-path.js';
import { rootAttributes } from '../analysis/playbook-analysis.js';
import { DIGEST_MAX_HOST_RESULTS, DigestRecorder, type RunDigest } from '../analysis/run-digest.js';
import { LiveBaseline, type BaselineInstance, type BaselineLookup } from '../analysis/baseline.js';
import type { BaselineOutcome } from '../analysis/compare.js';
import { runKey } from '../analysis/run-key.js';
import { thousands } from '../util/thousands.js';
import { SteadyMap } from './steady-map.js';

export type { RunSummary, TraceSummary } from './run-state.js';

/** Strategies that run each host on its own timeline (`free`, `host_pinned`, and wrappers of them). */
const FREE_STRATEGY = /free|host_pinned/;

/**
 * A scope under a free strategy, known by the task that opens it where the shim says so: hosts that
 * include a file or role at different moments get copies of it, with uuids of their own.
 */
const freeScopeKey = (scope: Scope): string => `\u0000${scope.kind}:${scope.path ?? scope.id}`;

/** Results a task has had, every status. */
function taskResults(task: { results: Partial<Record<string, number>> }): number {
  let n = 0;
  for (const k in task.results) n += task.results[k] ?? 0;
  return n;
}

/** Shared: a host span's end status, once per frame. */
const UNSET: SpanStatus = Object.freeze({ code: 'unset' });
/** A number from module output (`res`), which may hold anything. */
const finiteOrUndefined = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const INTERRUPTED = 'run ended before this finished (ansible-playbook killed, or its connection lost)';

/** Which held include a host result is the second result of: its task and host. */
const includeKey = (f: { task: string; host: string }): string => `${f.task}\u0000${f.host}`;

/** An include's `ok` result, held until its file or role is known to have loaded (onHostResult). */
interface HeldInclude<S> {
  hs: HostState<S>;
  frame: FrameOf<'host_result'>;
  /** An error ansible showed while it was held: the include could not be loaded (before 2.19, no result says so). */
  error?: string;
}

/** How a playbook's root ends: its result and, unless it succeeded, why. */
interface Outcome {
  result: CicdResult;
  errorType?: string | undefined;
  message?: string | undefined;
  /** Cut short before its stats: open spans end as ERROR with `message`. */
  cut: boolean;
}

export interface RunModelOptions {
  /** Which host spans a task gets (--host-spans); the run's `hello` may choose for itself. Default `all`. */
  hostSpans?: HostSpanChoice;
  /**
   * ANSIBLE_OTEL_TRACE_URL: with it the root and task spans link to themselves in the trace UI
   * (`cicd.pipeline.run.url.full`, `cicd.pipeline.task.run.url.full`); without it they have no URL.
   */
  traceUrl?: string | undefined;
  /** `exception` span events for failures (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN unset or `logs/dup`). Default true. */
  exceptionEvents?: boolean;
  /** Each playbook's digest on its end event (the run history needs it; a baseline implies it). */
  digest?: boolean;
  /** run --baseline: each playbook's baseline, looked up when it starts (links, ratios, the comparison at its end). */
  baseline?: BaselineLookup | undefined;
}

/**
 * The run state machine: frames of one ansible-playbook command in, span operations out.
 * Pure: no I/O, no clock; every timestamp comes from a frame. Spans end as soon as their work
 * does, so a live run streams.
 */
export class RunModel<S> {
  private hello: FrameOf<'hello'> | undefined;
  private playbook: PlaybookState<S> | undefined;
  /** The open host of each host name (a SteadyMap: cleared when its playbook ends). */
  private readonly openHostByName = new SteadyMap<string, HostState<S>>();
  private readonly hostByJob = new Map<string, HostState<S>>();
  private readonly pendingIncludes = new Map<string, number>();
  private readonly heldIncludes = new Map<string, HeldInclude<S>>();
  /** The last error ansible showed (an `error` frame): why a run it aborted ended. */
  private lastError: string | undefined;
  private readonly openNodes = new Set<SpanNode<S>>();
  private nextSeq = 0;
  private lastTs = 0;
  private done = false;
  private hostSpanChoice: HostSpanChoice;
  private readonly traceUrl: string | undefined;
  private readonly exceptionEvents: boolean;
  private readonly summary: RunSummary;
  private readonly writer: CountingTraceWriter<S>;
  /** The observer, behind the analyses that see its events first (src/analysis). */
  private readonly observer: RunObserver;
  private readonly paths: CriticalPathObserver;
  /** The playbook's digest as it runs, when asked for (history, baseline). */
  private readonly digests: DigestRecorder | undefined;
  private readonly baselineLookup: BaselineLookup | undefined;
  /** The current playbook's baseline: what its spans link to. */
  private baseline: LiveBaseline | undefined;
  private baselineMissing: string | undefined;

  constructor(
    writer: TraceWriter<S>,
    readonly runId: string,
    observer: RunObserver = {},
    options: RunModelOptions = {},
  ) {
    this.baselineLookup = options.baseline;
    this.digests = options.digest || options.baseline ? new DigestRecorder(observer) : undefined;
    this.paths = new CriticalPathObserver(this.digests ?? observer);
    this.observer = this.paths;
    this.writer = new CountingTraceWriter(writer);
    this.summary = { runId, traces: [], hostResults: {}, interrupted: false, framesMissing: 0, shimDropped: 0 };
    this.hostSpanChoice = options.hostSpans ?? 'all';
    this.traceUrl = options.traceUrl;
    this.exceptionEvents = options.exceptionEvents ?? true;
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
    // `bye` comes at exit, after the shim's drain: what was cut off ended with the frames before it.
    if (frame.ts > this.lastTs && (frame.t !== 'bye' || this.lastTs === 0)) this.lastTs = frame.ts;
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
        this.releaseHeldOf(frame.host, frame.task);
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
      case 'error':
        return this.onError(frame);
      case 'bye':
        this.summary.shimDropped += frame.dropped ?? 0;
        return this.onBye(frame);
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
      ...[...(play?.freeScopes.values() ?? [])].map((s) => s.node),
      ...[...(play?.openTasks ?? [])].flatMap((t) => [t.node, ...[...t.hosts.values()].map((h) => h.node)]),
    ];
    for (const node of open) if (node && !node.ended) node.set({ [ATTR.RUN_GAPS]: this.summary.framesMissing });
  }

  /**
   * Ends the run at the end of its stream. A playbook that reached its stats ends as they say;
   * anything else still open was cut off: it ends at the last timestamp seen, as ERROR.
   */
  finish(): void {
    if (this.done) return;
    const pb = this.playbook;
    if (pb) this.endPlaybook(pb.settled ? this.statsOutcome(pb) : { result: RESULT.ERROR, errorType: 'interrupted', message: INTERRUPTED, cut: true });
    this.done = true;
  }

  /**
   * `bye`: ansible-playbook is exiting, with the code it hands to sys.exit when the shim saw it.
   * That code is what CI acts on, so the last playbook's root carries it: a run ansible aborted
   * (a role it could not find, a parse error, Ctrl-C) ends as ansible says, not as its stats do.
   */
  private onBye(f: FrameOf<'bye'>): void {
    if (f.exit_code === undefined) return this.finish();
    if (!this.playbook && f.exit_code !== 0 && this.summary.traces.length === 0) {
      // ansible stopped before any playbook started (e.g. a playbook that does not parse)
      this.onPlaybookStart({ v: 1, t: 'playbook_start', run: this.runId, seq: -1, ts: this.lastTs || f.ts, path: this.playbookOfArgv() ?? 'unknown playbook' });
    }
    const pb = this.playbook;
    if (pb) {
      const completed = pb.settled !== undefined;
      const exit = exitOutcome(f.exit_code, completed);
      const message =
        exit.result === RESULT.SUCCESS
          ? undefined
          : ((completed ? this.statsOutcome(pb).message : undefined) ?? this.lastError ?? `${exit.meaning} (exit code ${f.exit_code})`);
      pb.node.set({ [ATTR.ANSIBLE_EXIT_CODE]: f.exit_code });
      this.endPlaybook({ result: exit.result, errorType: exit.errorType, message, cut: !completed });
    }
    this.done = true;
  }

  /** The playbook file of the command line (`hello.argv`), for a run that ended before its first playbook. */
  private playbookOfArgv(): string | undefined {
    return playbooksOf(this.hello?.argv ?? []).at(0);
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
    const attrs = { [ATTR.RUN_INTERRUPTED]: true, [ATTR.RUN_FAILURE]: failure, [ATTR.ERROR_TYPE]: 'interrupted' };
    for (const node of this.openNodes) node.set(attrs);
    try {
      this.endPlaybook({ result: RESULT.ERROR, errorType: 'interrupted', message: failure, cut: true });
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
    const previous = this.playbook;
    // ansible-playbook goes on to the next playbook only when the last one's result was 0
    if (previous) this.endPlaybook(this.statsOutcome(previous));
    const name = f.name ?? f.path.split('/').pop() ?? f.path;
    const h = this.hello;
    // Each playbook of a command is a pipeline run of its own: the second and later add `#2`, `#3`.
    const index = this.summary.traces.length;
    const pipelineRunId = index === 0 ? this.runId : `${this.runId}#${index + 1}`;
    const key = this.digests ? runKey(f.path, h?.argv, h?.cwd ?? undefined, h?.check) : undefined;
    const found = this.baselineLookup?.({ playbookPath: f.path, playbook: name, key });
    this.baseline = typeof found === 'object' ? new LiveBaseline(found) : undefined;
    this.baselineMissing = typeof found === 'string' ? found : undefined;
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
          [ATTR.ANSIBLE_PID]: h?.pid,
          [ATTR.CICD_PIPELINE_NAME]: name,
          [ATTR.CICD_PIPELINE_ACTION_NAME]: PIPELINE_ACTION,
          [ATTR.CICD_PIPELINE_RUN_ID]: pipelineRunId,
          [ATTR.RUN_FORKS]: h?.forks ?? undefined,
          [ATTR.RUN_CPUS]: h?.cpus ?? undefined,
        },
        links: this.baseline?.rootLinks(),
      },
      this.openNodes,
    );
    if (this.traceUrl) node.set({ [ATTR.CICD_PIPELINE_RUN_URL_FULL]: spanUrl(this.traceUrl, node.traceId, node.spanId) });
    // Frozen: V8 spreads a frozen object into an event literal ≈ 30× faster (≈ 0.1 µs against ≈ 2.8 µs
    // per event, node 20), and every observer event starts with a spread of it.
    const ref: RunRef = Object.freeze({
      runId: this.runId,
      pipelineRunId,
      playbook: name,
      playbookPath: f.path,
      traceId: node.traceId,
      rootSpanId: node.spanId,
    });
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
      key,
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
    this.releaseHeld();
    const pb = this.ensurePlaybook(f.ts);
    const current = pb.play;
    if (current && !current.node.ended && current.uuid === f.play) {
      // `serial`: ansible-core starts the same play again for each batch. Under free strategies
      // what the last batch left open ends now: the next batch runs the same tasks afresh.
      if (current.free) this.closeOpen(current, f.ts, undefined);
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
    if (current) this.closePlay(current, f.ts, undefined);
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
      free: f.strategy != null && FREE_STRATEGY.test(f.strategy),
      scopes: [],
      freeScopes: new Map(),
      freeTasks: new Map(),
      tasks: new Map(),
      taskRuns: new Map(),
      openTasks: new Set(),
      failedHosts: new Set(),
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

  /**
   * The playbook's stats: its plays are over. The root stays open until the command says how it
   * ended (`bye`'s exit code) or the next playbook starts; it ends at this frame's time either way.
   */
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
    this.releaseHeld();
    if (pb.play) this.closePlay(pb.play, f.ts, undefined);
    pb.play = undefined;
    pb.settled = { ts: f.ts, failed, unreachable };
  }

  /** A playbook's outcome by its stats alone: a host that failed or was unreachable fails it. */
  private statsOutcome(pb: PlaybookState<S>): Outcome {
    const { failed = [], unreachable = [] } = pb.settled ?? {};
    if (failed.length + unreachable.length === 0) return { result: RESULT.SUCCESS, cut: false };
    const parts = [];
    if (failed.length) parts.push(`failed on ${failed.join(', ')}`);
    if (unreachable.length) parts.push(`unreachable: ${unreachable.join(', ')}`);
    return { result: RESULT.FAILURE, errorType: failed.length ? 'failed' : 'unreachable', message: parts.join('; '), cut: false };
  }

  /** Ends the playbook's root span (and, when it was cut short, everything still open under it). */
  private endPlaybook(outcome: Outcome): void {
    const pb = this.playbook;
    if (!pb) return;
    // cut short, a held include did not get to load: it ends cut off, with what else was open
    if (outcome.cut) this.heldIncludes.clear();
    else this.releaseHeld();
    const ts = pb.settled?.ts ?? this.lastTs;
    const cut = outcome.cut ? (outcome.message ?? INTERRUPTED) : undefined;
    if (pb.play) this.closePlay(pb.play, ts, cut);
    if (cut) {
      this.summary.interrupted = true;
      pb.node.set({ [ATTR.RUN_INTERRUPTED]: true });
    }
    if (this.summary.framesMissing) pb.node.set({ [ATTR.RUN_GAPS]: this.summary.framesMissing });
    // Where the time went: known now, on the root before it ends (src/analysis)
    const analysis = this.paths.analyze(Math.max(ts, pb.node.lastNs), outcome.cut);
    if (analysis) pb.node.set(rootAttributes(analysis));
    else if (this.paths.failure) pb.node.set({ [ATTR.RUN_CP_FAILURE]: this.paths.failure });
    const { result } = outcome;
    pb.node.set({ [ATTR.CICD_PIPELINE_RESULT]: result, [ATTR.ERROR_TYPE]: outcome.errorType });
    // A run that succeeded leaves its status unset (recording-errors.md: MUST be left unset without an error).
    pb.node.end(ts, result === RESULT.SUCCESS ? { code: 'unset' } : { code: 'error', message: outcome.message });
    const settled = pb.settled;
    const endNs = Math.max(ts, pb.node.lastNs);
    const digest = this.digests?.finish({ traceId: pb.node.traceId, startNs: pb.node.startNs, endNs, result, interrupted: outcome.cut });
    const baseline = this.baselineOutcome(digest);
    this.baseline = undefined;
    this.summary.traces.push({
      traceId: pb.node.traceId,
      rootSpanId: pb.node.spanId,
      playbook: pb.name,
      result,
      spans: this.writer.started - pb.spansBefore,
      hostSpans: this.hostSpanChoice,
      analysis,
      baseline,
    });
    this.observer.playbookEnd?.({
      ...pb.ref,
      startNs: pb.node.startNs,
      endNs,
      result,
      errorType: outcome.errorType,
      message: outcome.message,
      interrupted: outcome.cut,
      stats: pb.stats,
      failedHosts: settled?.failed ?? [],
      unreachableHosts: settled?.unreachable ?? [],
      spanId: pb.node.spanId,
      analysis,
      digest,
      baseline,
    });
    this.playbook = undefined;
    this.openHostByName.clear();
    this.hostByJob.clear();
    this.pendingIncludes.clear();
  }

  // ---- errors ansible shows, and includes that may not load ------------------------------

  /** An error ansible showed: an event where it happened; an include held now did not load. */
  private onError(f: FrameOf<'error'>): void {
    this.lastError = f.msg;
    const play = this.playbook?.play;
    const task = f.task ? play?.tasks.get(f.task) : undefined;
    const target = task && !task.node.ended ? task.node : play && !play.node.ended ? play.node : this.playbook?.node;
    target?.event('ansible.error', f.ts, { [ATTR.EXCEPTION_MESSAGE]: f.msg });
    for (const held of this.heldIncludes.values()) held.error ??= f.msg;
  }

  /**
   * Ends the held includes: those no error concerns loaded (ok), the others wait for their host
   * (releaseHeldOf) unless `all`, when they did not load.
   */
  private releaseHeld(all = true): void {
    for (const [key, held] of this.heldIncludes) {
      if (held.error && !all) continue;
      this.heldIncludes.delete(key);
      this.completeHostResult(held.hs, held.error ? this.notLoaded(held) : held.frame);
    }
  }

  /**
   * `host` starts a task: an include of it held with an error loaded if the task is inside what
   * it includes, and did not otherwise (the host went on to a rescue, or nothing).
   */
  private releaseHeldOf(host: string, taskUuid: string): void {
    if (this.heldIncludes.size === 0) return;
    const scopes = this.playbook?.play?.tasks.get(taskUuid)?.scopeIds;
    for (const [key, held] of this.heldIncludes) {
      if (held.hs.host !== host || !held.error) continue;
      this.heldIncludes.delete(key);
      const loaded = scopes?.includes(held.frame.task) ?? false;
      this.completeHostResult(held.hs, loaded ? held.frame : this.notLoaded(held));
    }
  }

  /** The held include's result as the failure it was: ansible marked the host failed. */
  private notLoaded(held: HeldInclude<S>): FrameOf<'host_result'> {
    return { ...held.frame, status: 'failed', changed: false, res: { ...held.frame.res, reason: held.error } };
  }

  /** Ends the tasks and scopes open in the play (its end, or a free strategy's batch end). */
  private closeOpen(play: PlayState<S>, ts: number, cut: string | undefined): void {
    for (const task of play.openTasks) this.closeTask(play, task, ts, cut);
    this.closeScopes(play, 0, ts, cut);
    play.freeTasks.clear();
  }

  /** Ends the play and what is open in it; `cut`: it was cut short, and why. */
  private closePlay(play: PlayState<S>, ts: number, cut: string | undefined): void {
    this.closeOpen(play, ts, cut);
    const tl = this.paths.timeline;
    const tlPlay = tl?.plays[tl.plays.length - 1];
    // free / host_pinned: the path is the chain that ended last, known only now (docs/critical-path.md)
    if (play.free && tl && tlPlay) play.node.set({ [ATTR.PLAY_CP_HOST]: chainHostOf(tl, { ...tlPlay, endNs: ts }) });
    if (cut) {
      play.node.set({ [ATTR.RUN_INTERRUPTED]: true, [ATTR.ERROR_TYPE]: 'interrupted' });
      play.node.end(ts, { code: 'error', message: cut });
    } else if (play.failedHosts.size > 0) {
      play.node.set({ [ATTR.ERROR_TYPE]: play.errorType });
      play.node.end(ts, { code: 'error', message: `failed hosts: ${[...play.failedHosts].join(', ')}` });
    } else {
      play.node.end(ts, { code: 'unset' });
    }
  }

  // ---- scopes (roles, includes) and tasks -------------------------------------------------

  private onTaskStart(f: FrameOf<'task_start'>): void {
    this.releaseHeld(false);
    const play = this.ensurePlay(f.ts);
    const scopes = f.scopes ?? [];
    let parent: SpanNode<S>;
    let freeKey: string | undefined;
    if (play.free) {
      // Free strategies start a task once per host, each on its own timeline: one span per task
      // (and per scope path: a role's tasks may run again under another include of it), open
      // until every host of the batch has a result for it, under scope spans open until the
      // batch ends. Same tree as under linear, and every child inside its parent. A task is known
      // by where it is written, not its uuid: hosts that include a file at different moments get
      // copies of its tasks with uuids of their own.
      freeKey = `${f.path ?? f.task}\u0000${f.name}${scopes.map(freeScopeKey).join('')}`;
      const open = play.freeTasks.get(freeKey);
      if (open && !open.node.ended) {
        play.tasks.set(f.task, open); // another host starts the same task
        return;
      }
      parent = this.freeScope(play, scopes, f.ts);
    } else {
      this.supersedeTasks(play, f.ts);
      parent = this.syncScopes(play, scopes, f.ts);
    }
    const argsAttrs = argsAttributes(f.args);
    const name = taskSpanName(f);
    const runId = nextTaskRunId(play.taskRuns, f.task);
    const scopeNames = this.digests ? scopeSpanNames(scopes) : undefined;
    const path = f.path ?? undefined;
    const baseline = this.baseline?.taskStart({ play: play.name, scopes: scopeNames ?? [], name, handler: f.handler || undefined, action: f.action, path });
    const node = parent.child({
      name,
      kind: 'internal',
      startNs: f.ts,
      attributes: taskStartAttributes(f, name, runId, play.name, this.hello?.check === true, argsAttrs),
      links: baseline?.links,
    });
    if (this.traceUrl) node.set({ [ATTR.CICD_PIPELINE_TASK_RUN_URL_FULL]: spanUrl(this.traceUrl, node.traceId, node.spanId) });
    const role = f.role ?? undefined;
    const handler = f.handler ?? false;
    const spanMode = taskMode(this.hostSpanChoice, play.hostCount);
    const task: TaskState<S> = {
      node,
      uuid: f.task,
      runId,
      name,
      action: f.action,
      role,
      handler,
      argsAttrs,
      scopeIds: f.scopes?.map((scope) => scope.id) ?? [],
      hosts: new SteadyMap(),
      openHosts: 0,
      superseded: false,
      results: {},
      facts: new TaskHostFacts(),
      slowest: new Slowest(spanMode === 'problems' ? SLOWEST_HOSTS : 0),
      spanMode,
      baseline,
    };
    play.tasks.set(f.task, task);
    if (freeKey !== undefined) play.freeTasks.set(freeKey, task);
    play.openTasks.add(task);
    this.notifyTaskStart(play, task, f, scopeNames);
  }

  /** The observer hears of a task run's start (metrics, logs, the timeline the analyses read). */
  private notifyTaskStart(play: PlayState<S>, task: TaskState<S>, f: FrameOf<'task_start'>, scopeNames: string[] | undefined): void {
    this.observer.taskStart?.({
      ...this.ref(),
      play: play.name,
      task: task.name,
      taskUuid: f.task,
      action: f.action,
      role: task.role,
      handler: task.handler,
      startNs: f.ts,
      spanId: task.node.spanId,
      throttle: f.throttle || undefined,
      workerCpu: f.worker_cpu ?? undefined,
      controllerCpu: f.controller_cpu ?? undefined,
      machineCpu: f.machine_cpu ?? undefined,
      scopes: scopeNames,
      path: f.path ?? undefined,
      args: task.argsAttrs,
    });
  }

  /** Brings the open role/include spans in line with a task's scopes; returns the task's parent. */
  private syncScopes(play: PlayState<S>, scopes: Scope[], ts: number): SpanNode<S> {
    let keep = 0;
    while (keep < play.scopes.length && keep < scopes.length && play.scopes[keep]?.id === scopes[keep]?.id) keep++;
    this.closeScopes(play, keep, ts, undefined);
    let parent = play.scopes[keep - 1]?.node ?? play.node;
    for (const scope of scopes.slice(keep)) {
      parent = this.scopeSpan(parent, scope, ts);
      play.scopes.push({ node: parent, id: scope.id });
    }
    return parent;
  }

  /** Free strategies: the scope spans of a task's scopes, by scope path, made when first needed. */
  private freeScope(play: PlayState<S>, scopes: Scope[], ts: number): SpanNode<S> {
    let parent = play.node;
    let path = '';
    for (const scope of scopes) {
      path += freeScopeKey(scope);
      let open = play.freeScopes.get(path);
      if (!open) play.freeScopes.set(path, (open = { node: this.scopeSpan(parent, scope, ts), id: scope.id }));
      parent = open.node;
    }
    return parent;
  }

  private scopeSpan(parent: SpanNode<S>, scope: Scope, ts: number): SpanNode<S> {
    const startNs = this.pendingIncludes.get(scope.id) ?? ts;
    return parent.child({
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
  }

  private closeScopes(play: PlayState<S>, from: number, ts: number, cut: string | undefined): void {
    const closing: ScopeState<S>[] = play.scopes.splice(from).reverse();
    if (from === 0) {
      // a free strategy's: made parent first, so ended in reverse (children first)
      closing.push(...[...play.freeScopes.values()].reverse());
      play.freeScopes.clear();
    }
    for (const scope of closing) {
      if (cut) {
        scope.node.set({ [ATTR.RUN_INTERRUPTED]: true, [ATTR.ERROR_TYPE]: 'interrupted' });
        scope.node.end(ts, { code: 'error', message: cut });
      } else {
        // Ends with its last task, not when the next task outside it starts.
        scope.node.end(scope.node.lastNs, { code: 'unset' });
      }
    }
  }

  /** A linear task starting: the ones before it end, or, with hosts still busy on them, end with their last host. */
  private supersedeTasks(play: PlayState<S>, ts: number): void {
    for (const open of play.openTasks) {
      if (open.openHosts === 0) this.closeTask(play, open, ts, undefined);
      else open.superseded = true;
    }
  }

  private taskFor(uuid: string, ts: number): TaskState<S> {
    const play = this.ensurePlay(ts);
    const task = play.tasks.get(uuid);
    if (task && !task.node.ended) return task;
    // A result for a task whose start we never saw (or that already closed): give it a span.
    this.onTaskStart({
      v: 1,
      t: 'task_start',
      run: this.runId,
      seq: -1,
      ts,
      task: uuid,
      name: task?.name ?? `task ${uuid}`,
      ...(task?.action !== undefined && { action: task.action }),
    });
    return play.tasks.get(uuid) as TaskState<S>;
  }

  private closeTask(play: PlayState<S>, task: TaskState<S>, ts: number, cut: string | undefined): void {
    const interrupted = cut !== undefined;
    const mode = task.spanMode;
    const path = play.free ? undefined : this.taskOnPath(task, ts);
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
    this.endHostSpans(task, ts, cut, path?.host);
    play.openTasks.delete(task);
    task.hosts.clear();
    for (const slow of task.slowest.take()) slow.create();
    task.node.set({ ...task.facts.attributes(), [ATTR.TASK_HOSTS_SPANS]: mode });
    const digest = task.baseline && this.digests?.task(task.node.traceId, task.node.spanId);
    if (digest) task.node.set((this.baseline as LiveBaseline).taskEnd(task.baseline as BaselineInstance, digest));
    task.facts = new TaskHostFacts(); // the durations go: play.tasks keeps the task itself until the play ends
    const { result, errorType, failures } = taskOutcome(task.results, interrupted);
    task.node.set({ [ATTR.CICD_PIPELINE_TASK_RUN_RESULT]: result, [ATTR.ERROR_TYPE]: errorType, ...(interrupted ? { [ATTR.RUN_INTERRUPTED]: true } : {}) });
    const endNs = interrupted ? ts : task.node.lastNs;
    if (interrupted) task.node.end(endNs, { code: 'error', message: cut });
    else if (failures) task.node.end(endNs, { code: 'error', message: `failed on ${failures} host${failures === 1 ? '' : 's'}` });
    else task.node.end(endNs, { code: 'unset' });
  }

  /** The playbook's comparison with its baseline, or why there is none. */
  private baselineOutcome(digest: RunDigest | undefined): BaselineOutcome | undefined {
    if (this.baseline && digest?.tooLarge) return { missing: `over ${thousands(DIGEST_MAX_HOST_RESULTS)} host results, too large to compare` };
    if (this.baseline && digest) return { comparison: this.baseline.compare(digest) };
    return this.baselineMissing ? { missing: this.baselineMissing } : undefined;
  }

  /** The task's hosts still open when it ends: ended as interrupted (`cut`) or unset; `pathHost`'s span is kept. */
  private endHostSpans(task: TaskState<S>, ts: number, cut: string | undefined, pathHost: string | undefined): void {
    for (const hs of task.hosts.values()) {
      if (hs.node.ended) continue;
      // A host the task ended without a result for is a problem: `problems` keeps its span.
      if (task.spanMode === 'problems') hs.node.create();
      if (hs.host === pathHost) {
        hs.node.set({ [ATTR.CRITICAL_PATH]: true });
        hs.node.create();
      }
      if (cut !== undefined) {
        hs.node.set({ [ATTR.RUN_INTERRUPTED]: true, [ATTR.TASK_HOST_STATUS]: 'failed', [ATTR.ERROR_TYPE]: 'interrupted' });
        this.exception(hs.node, ts, 'ansible.interrupted', undefined, cut);
        hs.node.end(ts, { code: 'error', message: cut });
      } else {
        hs.node.end(ts, { code: 'unset' });
      }
      this.forgetHost(hs);
    }
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
    // Looked up only while an include waits: no key string a frame for the look-up of nothing.
    const held = this.heldIncludes.size > 0 ? this.heldIncludes.get(includeKey(f)) : undefined;
    if (held) {
      // the include's second result: its file or role could not be loaded
      this.heldIncludes.delete(includeKey(f));
      return this.completeHostResult(held.hs, f);
    }
    const hs = this.openHost(f.task, f.host, f.ts);
    if (f.status === 'ok' && isIncludeAction(f.action ?? hs.task.action)) {
      // Whether an include worked is known once ansible loaded what it includes: a failure to
      // load is a second result for the same host (or, before 2.19 for include_role, an error
      // only). The span ends at this result either way.
      hs.node.touch(f.ts);
      this.heldIncludes.set(includeKey(f), { hs, frame: f });
      return;
    }
    this.completeHostResult(hs, f);
  }

  private completeHostResult(hs: HostState<S>, f: FrameOf<'host_result'>): void {
    const play = this.playbook?.play as PlayState<S>;
    const status = hostSpanStatus(f);
    const isError = isErrorStatus(status);
    const message = resultMessage(f.res, isError || status === 'ignored' ? f.status : undefined);
    const t = hs.task;
    const module = f.action ?? t.action;
    hs.node.set(hostResultAttributes(f, status, module, message));
    if (isError) this.exception(hs.node, f.ts, `ansible.${f.status}`, f.res, message ?? f.status);
    const end = isError ? { code: 'error' as const, message } : UNSET;
    // linear: whether this host is the one its task waits for is known at the next result or the task's end
    const hold = !play.free;
    if (hold) hs.node.touch(f.ts);
    else hs.node.end(f.ts, end);
    this.forgetHost(hs);
    const durationNs = hs.node.lastNs - hs.node.startNs;
    t.facts.add(f.host, status, durationNs);
    // Decided before the observer hears of it: its records point at the span this host keeps.
    if (hold) this.hold({ hs, endNs: f.ts, end, status, durationNs });
    else this.settleHostSpan(hs, status, durationNs);
    this.notifyHostResult(play, hs, f, status, module, message);
    this.countHostResult(play, hs.task, f.host, status);
    if (hs.task.openHosts > 0) return;
    if (hs.task.superseded) this.closeTask(play, hs.task, f.ts, undefined);
    else if (play.free && play.hostCount !== undefined && taskResults(hs.task) >= play.hostCount) this.closeTask(play, hs.task, f.ts, undefined);
  }

  /** A host result counted on its task, the run's summary, and (failed or unreachable) its play. */
  private countHostResult(play: PlayState<S>, task: TaskState<S>, host: string, status: HostSpanStatus): void {
    task.results[status] = (task.results[status] ?? 0) + 1;
    this.summary.hostResults[status] = (this.summary.hostResults[status] ?? 0) + 1;
    if (status === 'failed' || status === 'unreachable') {
      play.failedHosts.add(host);
      if (status === 'failed' || play.errorType === undefined) play.errorType = status;
    }
  }

  /** The observer hears of a host result (exporters of metrics, logs, the baseline). */
  private notifyHostResult(
    play: PlayState<S>,
    hs: HostState<S>,
    f: FrameOf<'host_result'>,
    status: HostSpanStatus,
    module: string | undefined,
    message: string | undefined,
  ): void {
    if (!this.observer.hostResult) return;
    const t = hs.task;
    // Field by field, not even a spread of the frozen ref: this runs once per frame.
    const ref = this.ref();
    const rc = f.res?.rc;
    this.observer.hostResult({
      runId: ref.runId,
      pipelineRunId: ref.pipelineRunId,
      playbook: ref.playbook,
      playbookPath: ref.playbookPath,
      traceId: ref.traceId,
      rootSpanId: ref.rootSpanId,
      play: play.name,
      task: t.name,
      taskUuid: t.uuid,
      taskRunId: t.runId,
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

  /** A failure's `exception` span event, unless exceptions go to log records only (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs). */
  private exception(node: Pick<SpanNode<S>, 'event'>, ts: number, type: string, res: ResultSubset | undefined, message: string): void {
    if (this.exceptionEvents) node.event(EXCEPTION_EVENT, ts, exceptionAttributes(type, res, message));
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
        [ATTR.ERROR_TYPE]: failed ? 'failed' : undefined,
      },
    };
    let spanId = hs.node.spanId;
    hs.node.with((host) => {
      const item = host.child(options);
      if (failed) this.exception(item, f.ts, 'ansible.failed', f.res, message ?? 'failed');
      item.end(f.ts, failed ? { code: 'error', message } : { code: 'unset' });
      spanId = item.spanId;
    });
    hs.node.touch(f.ts);
    this.observer.itemResult?.({
      ...this.ref(),
      play: this.playbook?.play?.name ?? '',
      task: hs.task.name,
      taskUuid: hs.task.uuid,
      taskRunId: hs.task.runId,
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
