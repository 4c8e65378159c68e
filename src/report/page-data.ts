// The report model as the page's compact JSON: host names and messages interned, each host
// result a run of five numbers, times in ms from the run's start. 20,000 results stay ~0.5 MB.
import type { HostSpanStatus } from '../model/attributes.js';
import type { ReportRun } from './report-model.js';

export const STATUSES: HostSpanStatus[] = ['ok', 'changed', 'failed', 'unreachable', 'ignored', 'rescued', 'skipped'];

export interface PageData {
  v: 1;
  /** Epoch ms of the earliest playbook start; every other time is ms after it. */
  t0: number;
  traceUrl?: string;
  statuses: HostSpanStatus[];
  hosts: string[];
  messages: string[];
  playbooks: {
    name: string;
    path: string;
    traceId: string;
    rootSpanId: string;
    runId: string;
    s: number;
    e: number;
    result: string;
    interrupted: boolean;
    plays: {
      name: string;
      s: number;
      e: number;
      /** [host index, status index, start, duration, message index or -1] per result, flattened. */
      tasks: { name: string; s: number; e: number; action?: string; role?: string; handler?: true; r: number[] }[];
    }[];
  }[];
}

const MAX_MESSAGE = 2_000;

export function pageData(run: ReportRun): PageData {
  const t0Ns = Math.min(...run.playbooks.map((p) => p.startNs));
  const ms = (ns: number): number => Math.round((ns - t0Ns) / 1e5) / 10;
  const intern = <T>(table: T[], index: Map<T, number>, v: T): number => {
    let i = index.get(v);
    if (i === undefined) {
      i = table.length;
      table.push(v);
      index.set(v, i);
    }
    return i;
  };
  const hosts: string[] = [];
  const hostIndex = new Map<string, number>();
  const messages: string[] = [];
  const messageIndex = new Map<string, number>();
  const statusIndex = new Map(STATUSES.map((s, i) => [s, i]));
  return {
    v: 1,
    t0: Number.isFinite(t0Ns) ? Math.round(t0Ns / 1e6) : 0,
    traceUrl: run.traceUrl,
    statuses: STATUSES,
    hosts,
    messages,
    playbooks: run.playbooks.map((pb) => ({
      name: pb.name,
      path: pb.path,
      traceId: pb.traceId,
      rootSpanId: pb.rootSpanId,
      runId: pb.runId,
      s: ms(pb.startNs),
      e: ms(pb.endNs),
      result: pb.interrupted ? 'interrupted' : (pb.result ?? 'running'),
      interrupted: pb.interrupted,
      plays: pb.plays.map((play) => ({
        name: play.name,
        s: ms(play.startNs),
        e: ms(play.endNs),
        tasks: play.tasks.map((t) => {
          const r: number[] = [];
          for (const x of t.results) {
            const m = x.message ? intern(messages, messageIndex, x.message.length > MAX_MESSAGE ? `${x.message.slice(0, MAX_MESSAGE - 1)}…` : x.message) : -1;
            r.push(intern(hosts, hostIndex, x.host), statusIndex.get(x.status) ?? 0, ms(x.startNs), Math.round((x.endNs - x.startNs) / 1e5) / 10, m);
          }
          return { name: t.name, s: ms(t.startNs), e: ms(t.endNs), action: t.action, role: t.role, ...(t.handler ? { handler: true as const } : {}), r };
        }),
      })),
    })),
  };
}
