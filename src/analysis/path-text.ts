// Where the time went, in a few lines of text: the three parts, the top contributors and the
// what-if. One wording for the console summary, the sidecar's summary on stderr, `report` and the
// GitHub job summary, so each says the same about a run.
import { formatDuration } from '../sinks/ansi.js';
import type { PathStep } from './critical-path.js';
import { notForks, stepShare, topContributors, type Limit, type PlaybookAnalysis } from './playbook-analysis.js';

const pct = (share: number): string => `${Math.round(share * 100)}%`;

/** A path step's task as ansible shows it (`role : name`, handlers marked). */
export function stepTask(s: PathStep): string {
  const name = s.role && !s.task.startsWith(`${s.role} : `) ? `${s.role} : ${s.task}` : s.task;
  return s.handler ? `handler: ${name}` : name;
}

/** The host, and where a delegated task ran. */
export const stepHost = (s: PathStep): string => (s.delegatedTo && s.delegatedTo !== s.host ? `${s.host} → ${s.delegatedTo}` : s.host);

export function partsLine(a: PlaybookAnalysis): string {
  const share = (ns: number): string => pct(a.wallNs > 0 ? ns / a.wallNs : 0);
  return `${formatDuration(a.hostWorkNs)} host work (${share(a.hostWorkNs)}), ${formatDuration(a.forkWaitNs)} fork wait (${share(a.forkWaitNs)}), ${formatDuration(a.controllerNs)} controller (${share(a.controllerNs)}) of ${formatDuration(a.wallNs)}${a.interrupted ? ', cut off' : ''}`;
}

/** One line per top contributor: share, task, host, its wait and its work. */
export function contributorLines(a: PlaybookAnalysis, n = 5): string[] {
  return topContributors(a, n).map(
    (s) =>
      `${pct(stepShare(a, s)).padStart(4)}  ${stepTask(s)} [${stepHost(s)}]  wait ${formatDuration(s.forkWaitNs)}, work ${formatDuration(s.workNs)}${s.cut ? ' (cut off)' : ''}`,
  );
}

export function limitText(l: Limit): string {
  switch (l.kind) {
    case 'controller':
      return `the controller itself (${pct(l.share)} of the wall time: templating, includes, handler flushes, callbacks)`;
    case 'cpu':
      return `the controller's CPUs (${l.detail}): its workers at once share them (${pct(l.share)})`;
    case 'slow_host':
      return `one slow host: ${l.detail} (${pct(l.share)} of the wall time beyond its tasks' other hosts)`;
    case 'serial':
      return `serial batches (${l.detail}: ${pct(l.share)})`;
    case 'throttle':
      return `throttle on ${l.detail} (${pct(l.share)})`;
    case 'host_work':
      return `the tasks' own work on every host (${pct(l.share)})`;
    case 'forks':
      return `forks (${pct(l.share)})`;
  }
}

/** "forks 10 → 20: est. 31m → 18m; → 40: 15m" and, when more forks buy little, what limits instead. */
export function whatIfLine(a: PlaybookAnalysis): string {
  const forks = `forks ${a.forks}${a.forksInferred ? ' (as seen)' : ''}`;
  const elsewhere = a.otherCpu !== undefined ? ` (${a.otherCpu.toFixed(1)} busy elsewhere)` : '';
  const cpu =
    a.cpus !== undefined && a.workerCpu !== undefined
      ? `; ${a.cpus} CPU${a.cpus === 1 ? '' : 's'}${elsewhere}, ${formatDuration(a.workerCpu * 1e9)} CPU a host`
      : '';
  const startUp = `fork start-up ${formatDuration(a.dispatchNs)}${cpu}`;
  const options = a.options.map(
    (o, i) => `${i === 0 ? `${forks} → ${o.forks}: est. ${formatDuration(a.wallNs)} → ` : `→ ${o.forks}: `}${formatDuration(o.wallNs)}`,
  );
  const limit = notForks(a);
  const not = a.forksLimit ? '' : `forks are not the limit: ${limit ? limitText(limit) : 'nothing on the path waits for them'}`;
  if (options.length === 0) return `${not || `no more forks to try than ${a.hosts} hosts`} (${forks}, ${a.hosts} host${a.hosts === 1 ? '' : 's'})`;
  return `${options.join('; ')} (${startUp})${not ? `; ${not}` : ''}`;
}

/** The whole answer in a few lines (the console and stderr summaries). */
export function pathSummaryLines(a: PlaybookAnalysis): string[] {
  return [`where the time went: ${partsLine(a)}`, ...contributorLines(a).map((l) => `  ${l}`), `what if: ${whatIfLine(a)}`];
}

/** The same for a Markdown page (GitHub's job summary). */
export function pathMarkdown(a: PlaybookAnalysis): string {
  const esc = (s: string): string => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
  const rows = topContributors(a).map(
    (s) => `| ${pct(stepShare(a, s))} | ${esc(stepTask(s))} | ${esc(stepHost(s))} | ${formatDuration(s.forkWaitNs)} | ${formatDuration(s.workNs)} |`,
  );
  return [
    `**Where the time went** (\`${a.playbook.replace(/`/g, "'")}\`): ${partsLine(a)}`,
    '',
    '| share | task | host | fork wait | work |',
    '|---:|---|---|---:|---:|',
    ...rows,
    '',
    `What if: ${esc(whatIfLine(a))}`,
  ].join('\n');
}
