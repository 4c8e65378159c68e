// What `ansible-otel watch` prints: pure functions of the messages and the time, no I/O.
import { formatDuration, fit, printable, type Paint } from '../sinks/ansi.js';
import type { LiveRun, LiveTask } from './live-state.js';
import type { WatchMessage } from './watch-hub.js';

const nsFromMs = (ms: number): number => ms * 1e6;
const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

function runLabel(r: { playbook: string; runId: string }): string {
  return `${printable(r.playbook)} [${r.runId.slice(0, 8)}]`;
}

function hosts(t: LiveTask): string {
  return t.hostsTotal === undefined ? `${t.hostsDone} host${t.hostsDone === 1 ? '' : 's'} done` : `${t.hostsDone}/${t.hostsTotal} hosts`;
}

function slowest(t: LiveTask): string | undefined {
  const s = t.slowest;
  return s && `slowest ${printable(s.host)} ${formatDuration(nsFromMs(s.ms))}${s.running ? ' (running)' : ''}`;
}

/** One line for a task: play, task, hosts done / total, failures, duration, slowest host. */
export function taskLine(t: LiveTask, paint: Paint, running: boolean): string {
  const failed = t.failed ? paint('red', `${t.failed} failed`) : '0 failed';
  const parts = [
    `play "${printable(t.play)}"`,
    `${t.handler ? 'handler' : 'task'} "${printable(t.name)}"${running ? ' (running)' : ''}`,
    hosts(t),
    failed,
    formatDuration(nsFromMs(t.durationMs)),
    slowest(t),
  ];
  return parts.filter(Boolean).join(' · ');
}

export function endLine(r: LiveRun, paint: Paint): string {
  const result = r.result ?? 'error';
  const style = result === 'success' ? 'green' : result === 'skip' ? undefined : 'red';
  const failures = r.failures ? paint('red', plural(r.failures, 'failure')) : '0 failures';
  return `${runLabel(r)} ended: ${paint(style, result)} after ${formatDuration(nsFromMs(r.elapsedMs))} · ${plural(r.tasksDone, 'task')} · ${plural(r.hostsSeen, 'host')} · ${failures}`;
}

function startLine(r: Pick<LiveRun, 'playbook' | 'runId' | 'controller' | 'user'>): string {
  const where = r.controller ? ` on ${printable(r.controller)}${r.user ? ` as ${printable(r.user)}` : ''}` : '';
  return `${runLabel(r)} started${where}`;
}

/**
 * Plain lines, for logs and pipes: a run's start, every finished task (exact, not sampled), a
 * progress line for a task still running after `progressEveryMs`, and the run's end.
 */
export class PlainView {
  private readonly seen = new Set<string>();
  private readonly lastPrintMs = new Map<string, number>();

  constructor(
    private readonly paint: Paint,
    private readonly progressEveryMs: number,
  ) {}

  lines(m: WatchMessage, nowMs: number): string[] {
    const out: string[] = [];
    const started = (r: Pick<LiveRun, 'traceId' | 'playbook' | 'runId' | 'controller' | 'user'>): void => {
      if (this.seen.has(r.traceId)) return;
      this.seen.add(r.traceId);
      this.lastPrintMs.set(r.traceId, nowMs);
      out.push(startLine(r));
    };
    if (m.type === 'task') {
      started(m);
      this.lastPrintMs.set(m.traceId, nowMs);
      out.push(`${runLabel(m)} ${taskLine(m.task, this.paint, false)}`);
    } else if (m.type === 'ended') {
      started(m.run);
      out.push(endLine(m.run, this.paint));
      this.seen.delete(m.run.traceId);
      this.lastPrintMs.delete(m.run.traceId);
    } else {
      for (const r of m.runs) {
        started(r);
        if (!r.task || nowMs - (this.lastPrintMs.get(r.traceId) ?? 0) < this.progressEveryMs) continue;
        this.lastPrintMs.set(r.traceId, nowMs);
        out.push(`${runLabel(r)} ${taskLine(r.task, this.paint, true)}`);
      }
    }
    return out;
  }
}

/** A bar of `width` cells for done / total. */
export function bar(done: number, total: number, width: number): string {
  const full = total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** The live block for a terminal: three lines per running playbook, cut to the terminal's width (then painted). */
export function ttyBlock(runs: LiveRun[], paint: Paint, width: number): string[] {
  if (!runs.length) return [paint('dim', 'waiting for runs…')];
  const lines: string[] = [];
  for (const r of runs) {
    lines.push(
      paint(
        r.failures ? 'red' : 'bold',
        fit(`${runLabel(r)} · ${formatDuration(nsFromMs(r.elapsedMs))} · ${plural(r.tasksDone, 'task')} done · ${plural(r.failures, 'failure')}`, width),
      ),
    );
    const t = r.task;
    if (!t) {
      lines.push(fit(`  play "${printable(r.play ?? '…')}"`, width), '');
      continue;
    }
    lines.push(
      fit(`  play "${printable(t.play)}" · ${t.handler ? 'handler' : 'task'} "${printable(t.name)}" · ${formatDuration(nsFromMs(t.durationMs))}`, width),
    );
    const progress = t.hostsTotal === undefined ? '' : `${bar(t.hostsDone, t.hostsTotal, 20)} `;
    const line = fit(`  ${progress}${hosts(t)} · ${t.hostsRunning} running · ${t.failed} failed${t.slowest ? ` · ${slowest(t)}` : ''}`, width);
    lines.push(t.failed ? paint('red', line) : line);
  }
  return lines;
}
