// `run --format summary`: the seed's logging callback done from the event stream — a banner per
// play, failures as they happen, and at the end of each playbook its duration, the tasks
// executed, every failed task with host and message, and the slowest tasks and hosts (as
// profile_tasks ranks them). All times come from the frames.
import { pathSummaryLines } from '../analysis/path-text.js';
import type { HostSpanStatus } from '../model/attributes.js';
import type { HostResultEvent, PlayStartEvent, PlaybookEndEvent, PlaybookStartEvent, TaskStartEvent } from '../model/run-observer.js';
import { traceLink } from '../model/trace-url.js';
import { STATUS_STYLE, colorEnabled, fit, formatDuration, pad, painter, printable, visibleWidth, type ConsoleOut, type Paint } from './ansi.js';
import type { ConsoleSinkOptions } from './console-table.js';
import type { Sink } from './sink.js';

const RULE_WIDTH = 80;
const SLOWEST_TASKS = 10;
const SLOWEST_HOSTS = 5;
const NAME_WIDTH = 50;

interface TaskTiming {
  name: string;
  play: string;
  startNs: number;
  endNs: number;
}

interface PlayTiming {
  name: string;
  startNs: number;
  lastNs: number;
  tasks: number;
  hosts: Set<string>;
}

interface Failure {
  task: string;
  host: string;
  status: HostSpanStatus;
  message?: string | undefined;
}

interface PlaybookTally {
  /** Every task instance, by task span id. */
  tasks: Map<string, TaskTiming>;
  latestByUuid: Map<string, TaskTiming>;
  hosts: Map<string, { ns: number; results: number }>;
  failures: Failure[];
  counts: Partial<Record<HostSpanStatus, number>>;
  play?: PlayTiming | undefined;
}

const ORDER: HostSpanStatus[] = ['ok', 'changed', 'failed', 'unreachable', 'ignored', 'rescued', 'skipped'];

export interface ConsoleSummaryOptions extends ConsoleSinkOptions {
  /** ANSIBLE_OTEL_TRACE_URL: `{trace_id}` is replaced. */
  traceUrl?: string | undefined;
}

export class ConsoleSummarySink implements Sink {
  readonly name = 'console summary';
  private readonly out: ConsoleOut;
  private readonly paint: Paint;
  private readonly traceUrl: string | undefined;
  private tally: PlaybookTally = ConsoleSummarySink.fresh();

  constructor(o: ConsoleSummaryOptions = {}) {
    this.out = o.out ?? process.stdout;
    this.paint = painter(colorEnabled(o.color, this.out.isTTY));
    this.traceUrl = o.traceUrl;
  }

  private static fresh(): PlaybookTally {
    return { tasks: new Map(), latestByUuid: new Map(), hosts: new Map(), failures: [], counts: {} };
  }

  private line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  private banner(title: string): void {
    const t = `${title} `;
    this.line();
    this.line(this.paint('bold', t + '*'.repeat(Math.max(3, RULE_WIDTH - visibleWidth(t)))));
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.tally = ConsoleSummarySink.fresh();
    this.banner(`PLAYBOOK START: ${printable(e.playbook)}${e.check ? ' (check mode)' : ''}`);
  }

  playStart(e: PlayStartEvent): void {
    if (e.batch > 1 && this.tally.play) {
      this.line(this.paint('dim', `  batch ${e.batch}`));
      return;
    }
    this.endPlay();
    this.tally.play = { name: e.play, startNs: e.startNs, lastNs: e.startNs, tasks: 0, hosts: new Set() };
    this.banner(`PLAY [${printable(e.play)}]`);
  }

  private endPlay(): void {
    const p = this.tally.play;
    if (!p) return;
    this.line(
      this.paint(
        'dim',
        `  ${p.tasks} task${p.tasks === 1 ? '' : 's'} on ${p.hosts.size} host${p.hosts.size === 1 ? '' : 's'} in ${formatDuration(p.lastNs - p.startNs)}`,
      ),
    );
    this.tally.play = undefined;
  }

  taskStart(e: TaskStartEvent): void {
    const name = e.role && !e.task.startsWith(`${e.role} : `) ? `${e.role} : ${e.task}` : e.task;
    const timing = { name: e.handler ? `handler: ${name}` : name, play: e.play, startNs: e.startNs, endNs: e.startNs };
    this.tally.tasks.set(e.spanId, timing);
    this.tally.latestByUuid.set(e.taskUuid, timing);
    if (this.tally.play) {
      this.tally.play.tasks += 1;
      this.tally.play.lastNs = Math.max(this.tally.play.lastNs, e.startNs);
    }
  }

  hostResult(e: HostResultEvent): void {
    const t = this.tally;
    // A host result belongs to the latest instance of its task uuid (docs/protocol.md).
    const timing = t.latestByUuid.get(e.taskUuid);
    if (timing) timing.endNs = Math.max(timing.endNs, e.endNs);
    const h = t.hosts.get(e.host) ?? { ns: 0, results: 0 };
    h.ns += e.endNs - e.startNs;
    h.results += 1;
    t.hosts.set(e.host, h);
    t.counts[e.status] = (t.counts[e.status] ?? 0) + 1;
    if (t.play) {
      t.play.hosts.add(e.host);
      t.play.lastNs = Math.max(t.play.lastNs, e.endNs);
    }
    if (e.status === 'failed' || e.status === 'unreachable') {
      const name = e.role && !e.task.startsWith(`${e.role} : `) ? `${e.role} : ${e.task}` : e.task;
      t.failures.push({ task: name, host: e.host, status: e.status, message: e.message });
      this.line(
        `  ${this.paint(STATUS_STYLE[e.status], e.status === 'failed' ? 'FAILED' : 'UNREACHABLE')}: [${printable(e.host)}] ${printable(name)}${e.message ? ` — ${printable(firstLine(e.message))}` : ''}`,
      );
    }
  }

  /** The recap's failures: every failed or unreachable host result, with its message's first line. */
  private failedTasks(failures: PlaybookTally['failures']): void {
    if (!failures.length) return this.line('Failed tasks: 0');
    this.line(this.paint('red', `Failed tasks: ${failures.length}`));
    for (const f of failures) {
      this.line(
        `  ${printable(f.task)} [${printable(f.host)}]${f.status === 'unreachable' ? ' unreachable' : ''}${f.message ? `: ${printable(firstLine(f.message))}` : ''}`,
      );
    }
  }

  /** The recap's slowest tasks and hosts (the hosts by their results' time summed). */
  private slowest(t: PlaybookTally): void {
    const tasks = [...t.tasks.values()].sort((a, b) => b.endNs - b.startNs - (a.endNs - a.startNs)).slice(0, SLOWEST_TASKS);
    if (tasks.length) {
      this.line('Slowest tasks:');
      for (const task of tasks)
        this.line(
          `  ${pad(formatDuration(task.endNs - task.startNs), 8, 'right')}  ${fit(printable(task.name), NAME_WIDTH)}${this.paint('dim', `  (${printable(task.play)})`)}`,
        );
    }
    const hosts = [...t.hosts.entries()].sort((a, b) => b[1].ns - a[1].ns).slice(0, SLOWEST_HOSTS);
    if (hosts.length) {
      this.line('Slowest hosts:');
      for (const [host, h] of hosts)
        this.line(`  ${pad(formatDuration(h.ns), 8, 'right')}  ${printable(host)}${this.paint('dim', `  (${h.results} result${h.results === 1 ? '' : 's'})`)}`);
    }
  }

  playbookEnd(e: PlaybookEndEvent): void {
    this.endPlay();
    const t = this.tally;
    const outcome = e.interrupted ? 'INTERRUPTED' : e.result === 'success' ? 'SUCCESS' : 'FAILED';
    this.banner(`PLAYBOOK COMPLETE: ${printable(e.playbook)} ${this.paint(e.result === 'success' ? 'green' : 'red', outcome)}`);
    this.line(`Duration: ${formatDuration(e.endNs - e.startNs)}`);
    const counts = ORDER.filter((s) => t.counts[s]).map((s) => this.paint(STATUS_STYLE[s], `${t.counts[s]} ${s}`));
    this.line(`Tasks executed: ${t.tasks.size}${counts.length ? ` (host results: ${counts.join(', ')})` : ''}`);
    this.failedTasks(t.failures);
    // where the time went: the three parts, the top contributors, the what-if (src/analysis)
    if (e.analysis) for (const l of pathSummaryLines(e.analysis)) this.line(printable(l.charAt(0).toUpperCase() + l.slice(1)));
    this.slowest(t);
    const link = traceLink(this.traceUrl, e);
    this.line(`Trace: ${e.traceId}${link ? `  ${link}` : ''}`);
    this.tally = ConsoleSummarySink.fresh();
  }
}

function firstLine(text: string): string {
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  return lines.length > 1 ? `${first} …` : first;
}
