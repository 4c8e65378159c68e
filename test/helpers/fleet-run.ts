// A generated fleet run for --host-spans tests and figures: tasks over many hosts, each host result
// with a known status and duration, and the truth about them kept beside the frames.
import type { HostSpanStatus } from '../../src/model/attributes.js';
import type { Frame } from '../../src/protocol/frames.js';
import { stream } from './frames.js';

export interface HostTruth {
  host: string;
  status: HostSpanStatus;
  durationNs: number;
  /** Loop items this host's result has (a failed host's last item failed). */
  items: number;
  /** Its result's timestamp. */
  endNs: number;
}

export interface FleetRun {
  frames: Frame[];
  /** Per task name, every host's truth. */
  truth: Map<string, HostTruth[]>;
}

const T0 = 1_700_000_000_000_000_000;
const MS = 1_000_000;

/** A status for host `i` of task `k`: mostly ok, a few of every other kind, spread over hosts. */
function statusOf(i: number, k: number): HostSpanStatus {
  const n = i + 7 * k;
  if (n % 97 === 3) return 'failed';
  if (n % 89 === 5) return 'unreachable';
  if (n % 71 === 2) return 'rescued';
  if (n % 61 === 1) return 'ignored';
  if (n % 53 === 7) return 'changed';
  if (n % 13 === 4) return 'skipped';
  return 'ok';
}

function resultFields(status: HostSpanStatus): Record<string, unknown> {
  switch (status) {
    case 'changed':
      return { status: 'ok', changed: true };
    case 'ignored':
      return { status: 'failed', ignored: true, res: { msg: 'ignored failure' } };
    case 'rescued':
      return { status: 'failed', rescued: true, res: { msg: 'rescued failure' } };
    case 'failed':
      return { status: 'failed', res: { msg: 'boom', rc: 2, stderr: 'bad thing' } };
    case 'unreachable':
      return { status: 'unreachable', res: { msg: 'no route' } };
    default:
      return { status };
  }
}

/**
 * `hosts` hosts × `tasks` tasks, linear strategy: every host starts a task at once, results come
 * as hosts finish. Durations are distinct (no tie decides a test) and spread over 1 ms … ≈ 10 s.
 */
export function fleetRun(hosts: number, tasks: number, run = 'fleet-run'): FleetRun {
  const bodies: Record<string, unknown>[] = [
    { t: 'hello', ansible_version: '2.14.18', hostname: 'ctl', check: false, diff: false, ts: T0 },
    { t: 'playbook_start', path: '/srv/fleet.yml', name: 'fleet.yml', ts: T0 + 1 },
    { t: 'play_start', play: 'p1', name: 'Fleet', hosts: ['all'], host_count: hosts, ts: T0 + 2 },
  ];
  const truth = new Map<string, HostTruth[]>();
  let start = T0 + MS;
  for (let k = 0; k < tasks; k++) {
    const task = `t${k}`;
    const name = `Task ${k}`;
    const facts: HostTruth[] = [];
    const timed: Record<string, unknown>[] = [];
    bodies.push({ t: 'task_start', task, name, action: 'ansible.builtin.command', ts: start });
    let end = start;
    for (let i = 0; i < hosts; i++) {
      const host = `h${String(i).padStart(5, '0')}`;
      const rank = (i * 7919 + k * 104_729) % hosts; // a permutation of 0 … hosts-1 (7919 is prime)
      // Task 1's second slowest host fails: a problem among the slowest, which counts as one of them.
      const status = k === 1 && rank === hosts - 2 ? 'failed' : statusOf(i, k);
      // Steps of ≥ 1 µs: distinct durations, far apart from the ≈ 256 ns a double keeps of a
      // timestamp near 1.7e18 ns.
      const step = Math.max(1_000, Math.floor(10_000 / hosts) * MS);
      const hostStart = start + 1_000 * (i + 1);
      const resultTs = hostStart + MS + rank * step;
      const items = i % 250 === 0 || status === 'failed' ? 2 : 0;
      // What the frames say, as the sidecar reads them (doubles), not the exact sum.
      facts.push({ host, status, durationNs: resultTs - hostStart, items, endNs: resultTs });
      bodies.push({ t: 'host_start', task, host, ts: hostStart });
      for (let j = 0; j < items; j++) {
        const itemFailed = status === 'failed' && j === items - 1;
        timed.push({ t: 'item_result', task, host, label: `item ${j}`, status: itemFailed ? 'failed' : 'ok', ts: resultTs - (items - j) * 1_000 });
      }
      timed.push({ t: 'host_result', task, host, action: 'ansible.builtin.command', ...resultFields(status), ts: resultTs });
      end = Math.max(end, resultTs);
    }
    timed.sort((a, b) => (a.ts as number) - (b.ts as number));
    bodies.push(...timed);
    truth.set(name, facts);
    start = end + MS;
  }
  bodies.push({ t: 'stats', hosts: {}, ts: start }, { t: 'bye', dropped: 0, ts: start + 1 });
  return { frames: stream(bodies as never[], run), truth };
}

/** The statuses --host-spans problems always keeps, and how many of the slowest hosts besides. */
export const PROBLEMS: readonly HostSpanStatus[] = ['failed', 'unreachable', 'changed', 'rescued', 'ignored'];
export const SLOWEST = 5;

/** The truth, computed here without the model's code: nearest rank = the first value at or above p % of them. */
export function expectedAggregates(hosts: HostTruth[]): Record<string, unknown> {
  const sorted = hosts.map((h) => h.durationNs).sort((a, b) => a - b);
  const rank = (p: number) => sorted.find((_, i) => (i + 1) * 100 >= p * sorted.length)!;
  const slowest = hosts.reduce((a, b) => (b.durationNs > a.durationNs ? b : a));
  const count = (s: string) => hosts.filter((h) => h.status === s).length;
  return {
    'ansible.task.hosts.total': hosts.length,
    'ansible.task.hosts.ok': count('ok'),
    'ansible.task.hosts.changed': count('changed'),
    'ansible.task.hosts.failed': count('failed'),
    'ansible.task.hosts.unreachable': count('unreachable'),
    'ansible.task.hosts.skipped': count('skipped'),
    'ansible.task.hosts.rescued': count('rescued'),
    'ansible.task.hosts.ignored': count('ignored'),
    'ansible.task.hosts.duration.p50': rank(50) / 1e9,
    'ansible.task.hosts.duration.p90': rank(90) / 1e9,
    'ansible.task.hosts.duration.max': Math.max(...sorted) / 1e9,
    'ansible.task.hosts.slowest.name': slowest.host,
    'ansible.task.hosts.slowest.duration': slowest.durationNs / 1e9,
  };
}

/** Hosts problems mode keeps: every problem, and the 5 slowest whatever their status. */
export function keptHosts(hosts: HostTruth[]): Set<string> {
  const slowest = [...hosts].sort((a, b) => b.durationNs - a.durationNs).slice(0, SLOWEST);
  return new Set([...hosts.filter((h) => PROBLEMS.includes(h.status)), ...slowest].map((h) => h.host));
}

/** The host each task waited for (its result came last): the critical path, kept in every --host-spans mode. */
export function pathHost(hosts: HostTruth[]): string {
  return hosts.reduce((a, b) => (b.endNs > a.endNs ? b : a)).host;
}

/** Hosts problems mode keeps, the path's included. */
export function keptWithPath(hosts: HostTruth[]): Set<string> {
  return new Set([...keptHosts(hosts), pathHost(hosts)]);
}
