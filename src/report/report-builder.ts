import type { HostResultEvent, PlayStartEvent, PlaybookEndEvent, PlaybookStartEvent, RunRef, TaskStartEvent } from '../model/run-observer.js';
import type { ReportPlay, ReportPlaybook, ReportTask } from './report-model.js';

interface Open {
  playbook: ReportPlaybook;
  play?: ReportPlay;
  /** Task uuid → its latest instance (include loops start the same task again). */
  tasks: Map<string, ReportTask>;
  /** Task span → its instance: a result names the one it belongs to (the free strategy starts a task per host). */
  bySpan: Map<string, ReportTask>;
}

/** Collects a run's lifecycle events into the report model; straight lines, no scanning. */
export class ReportBuilder {
  readonly playbooks: ReportPlaybook[] = [];
  private readonly open = new Map<string, Open>();

  playbookStart(e: PlaybookStartEvent): void {
    this.opened(e, e.startNs, e.startNs);
  }

  playStart(e: PlayStartEvent): void {
    const o = this.of(e);
    if (e.batch > 1 && o.play) return; // `serial`: the next batch of the same play
    o.play = { name: e.play, startNs: e.startNs, endNs: e.startNs, tasks: [] };
    o.playbook.plays.push(o.play);
    this.extend(o, e.startNs);
  }

  taskStart(e: TaskStartEvent): void {
    const o = this.of(e);
    const task: ReportTask = {
      name: e.task,
      uuid: e.taskUuid,
      action: e.action,
      role: e.role,
      handler: e.handler,
      startNs: e.startNs,
      endNs: e.startNs,
      results: [],
      spanId: e.spanId,
    };
    this.playOf(o, e.play, e.startNs).tasks.push(task);
    o.tasks.set(e.taskUuid, task);
    o.bySpan.set(e.spanId, task);
    this.extend(o, e.startNs);
  }

  hostResult(e: HostResultEvent): void {
    const o = this.of(e);
    let task = (e.taskSpanId !== undefined ? o.bySpan.get(e.taskSpanId) : undefined) ?? o.tasks.get(e.taskUuid);
    if (!task) {
      task = { name: e.task, uuid: e.taskUuid, action: e.module, role: e.role, handler: e.handler, startNs: e.startNs, endNs: e.startNs, results: [] };
      this.playOf(o, e.play, e.startNs).tasks.push(task);
      o.tasks.set(e.taskUuid, task);
    }
    task.results.push({ host: e.host, status: e.status, startNs: e.startNs, endNs: e.endNs, message: e.message });
    task.endNs = Math.max(task.endNs, e.endNs);
    this.extend(o, e.endNs);
  }

  playbookEnd(e: PlaybookEndEvent): void {
    const o = this.of(e);
    o.playbook.result = e.result;
    o.playbook.interrupted = e.interrupted;
    o.playbook.analysis = e.analysis;
    o.playbook.baseline = e.baseline?.comparison;
    this.extend(o, e.endNs);
    this.open.delete(e.traceId);
  }

  /** A playbook whose start was not seen (a traces file cut short) still gets a place. */
  private of(e: RunRef): Open {
    return this.open.get(e.traceId) ?? this.opened(e, Number.MAX_SAFE_INTEGER, 0);
  }

  /** A new playbook of the report, open from now on. */
  private opened(e: RunRef, startNs: number, endNs: number): Open {
    const playbook: ReportPlaybook = {
      name: e.playbook,
      path: e.playbookPath,
      traceId: e.traceId,
      rootSpanId: e.rootSpanId,
      runId: e.runId,
      startNs,
      endNs,
      interrupted: false,
      plays: [],
    };
    this.playbooks.push(playbook);
    const o: Open = { playbook, tasks: new Map(), bySpan: new Map() };
    this.open.set(e.traceId, o);
    return o;
  }

  private playOf(o: Open, name: string, ts: number): ReportPlay {
    if (!o.play) {
      o.play = { name, startNs: ts, endNs: ts, tasks: [] };
      o.playbook.plays.push(o.play);
    }
    return o.play;
  }

  /** Parents end at their latest child: the same rule as the spans. */
  private extend(o: Open, ts: number): void {
    o.playbook.startNs = Math.min(o.playbook.startNs, ts);
    o.playbook.endNs = Math.max(o.playbook.endNs, ts);
    if (o.play) o.play.endNs = Math.max(o.play.endNs, ts);
  }
}
