// The analyses as a RunObserver: it records the playbook's timeline from the run events it passes
// on, and hands every playbook end its analysis. The run model owns one per run (so the trace can
// carry the answer before its root span ends); a traces file replayed into events goes through
// one too (report/replay-spans.ts): one computation, whichever way the events came.
import type {
  HostResultEvent,
  HostStartEvent,
  ItemResultEvent,
  PlayStartEvent,
  PlaybookEndEvent,
  PlaybookStartEvent,
  RetryEvent,
  RunObserver,
  TaskStartEvent,
} from '../model/run-observer.js';
import { analyzeTimeline, type PlaybookAnalysis } from './playbook-analysis.js';
import { TimelineRecorder, type Timeline } from './timeline.js';

export class CriticalPathObserver implements RunObserver {
  private readonly recorder = new TimelineRecorder();
  /** Why the last analysis could not be made, if it could not. */
  failure: string | undefined;

  /** `forks`: the fork counts the what-if estimates (default: analyzeTimeline's). */
  constructor(
    private readonly inner: RunObserver = {},
    private readonly forks?: number[],
  ) {}

  /** The playbook's timeline so far. */
  get timeline(): Timeline | undefined {
    return this.recorder.open;
  }

  /**
   * The playbook ended at `endNs`: its analysis (undefined when there was no playbook, or the
   * analysis failed: `failure` says why — a broken analysis never breaks the run).
   */
  analyze(endNs: number, interrupted: boolean): PlaybookAnalysis | undefined {
    const tl = this.recorder.finish(endNs, interrupted);
    this.failure = undefined;
    if (!tl) return undefined;
    try {
      return analyzeTimeline(tl, this.forks);
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error);
      return undefined;
    }
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.recorder.playbookStart(e);
    this.inner.playbookStart?.(e);
  }
  playStart(e: PlayStartEvent): void {
    this.recorder.playStart(e);
    this.inner.playStart?.(e);
  }
  taskStart(e: TaskStartEvent): void {
    this.recorder.taskStart(e);
    this.inner.taskStart?.(e);
  }
  hostStart(e: HostStartEvent): void {
    this.recorder.hostStart(e);
    this.inner.hostStart?.(e);
  }
  hostResult(e: HostResultEvent): void {
    this.recorder.hostResult(e);
    this.inner.hostResult?.(e);
  }
  itemResult(e: ItemResultEvent): void {
    this.inner.itemResult?.(e);
  }
  retry(e: RetryEvent): void {
    this.inner.retry?.(e);
  }
  /** An end that comes without an analysis (a traces file's) gets one here. */
  playbookEnd(e: PlaybookEndEvent): void {
    if (e.analysis === undefined && this.recorder.open) {
      const analysis = this.analyze(e.endNs, e.interrupted);
      this.inner.playbookEnd?.(analysis ? { ...e, analysis } : e);
      return;
    }
    this.inner.playbookEnd?.(e);
  }
}
