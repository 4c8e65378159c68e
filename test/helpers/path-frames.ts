// Generated frame streams for the critical-path tests: times in ms after T0, T0 small enough
// that every timestamp is an exact double (answers exact to the nanosecond).
import type { Frame } from '../../src/protocol/frames.js';
import { stream } from './frames.js';

export const T0 = 1_000_000_000_000_000;
export const MS = 1_000_000;
export const at = (ms: number): number => T0 + ms * MS;
export const ms = (ns: number): number => ns / MS;

export type Body = Record<string, unknown> & { t: string };

/** Bodies with `ms` times: a stream with the envelope filled in. */
export function frames(bodies: [number, Body][]): Frame[] {
  return stream(bodies.map(([t, b]) => ({ ...b, ts: at(t) })) as never[], 'run-cp');
}

export const begin = (forks: number, strategy = 'linear', extra: Record<string, unknown> = {}): [number, Body][] => [
  [0, { t: 'hello', ansible_version: '2.14.18', hostname: 'ctl', forks }],
  [0, { t: 'playbook_start', path: '/srv/site.yml', name: 'site.yml' }],
  [0, { t: 'play_start', play: 'p1', name: 'Deploy', hosts: ['all'], strategy, serial: null, ...extra }],
];
export const task = (uuid: string, name: string, extra: Record<string, unknown> = {}): Body => ({
  t: 'task_start',
  task: uuid,
  name,
  action: 'command',
  ...extra,
});
export const start = (uuid: string, host: string): Body => ({ t: 'host_start', task: uuid, host });
export const result = (uuid: string, host: string, status = 'ok', extra: Record<string, unknown> = {}): Body => ({
  t: 'host_result',
  task: uuid,
  host,
  status,
  ...extra,
});
export const end = (ms: number): [number, Body][] => [
  [ms, { t: 'stats', hosts: {} }],
  [ms, { t: 'bye', dropped: 0 }],
];

/**
 * Linear, 4 hosts on 2 forks, one task: each host works 10 ms, a worker starts 1 ms after the one
 * before. h1 11–21, h2 12–22; h3 waits for h1's worker: 21–31; h4 for h2's: 22–32. Stats at 40.
 */
export function linearOnTwoForks(): Frame[] {
  return frames([
    ...begin(2),
    [10, task('t1', 'Build')],
    [11, start('t1', 'h1')],
    [12, start('t1', 'h2')],
    [21, result('t1', 'h1')],
    [21, start('t1', 'h3')],
    [22, result('t1', 'h2')],
    [22, start('t1', 'h4')],
    [31, result('t1', 'h3')],
    [32, result('t1', 'h4')],
    ...end(40),
  ]);
}

/** Linear, forks 2, a task with `throttle: 1` on 4 hosts: a 2–7, b 7–12, c 12–17, d 17–22; stats at 25. */
export function throttledOnFourHosts(): Frame[] {
  return frames([
    ...begin(2),
    [1, task('t1', 'Rolling restart', { throttle: 1 })],
    [2, start('t1', 'a')],
    [7, result('t1', 'a')],
    [7, start('t1', 'b')],
    [12, result('t1', 'b')],
    [12, start('t1', 'c')],
    [17, result('t1', 'c')],
    [17, start('t1', 'd')],
    [22, result('t1', 'd')],
    ...end(25),
  ]);
}

/** Free, forks 2, 3 hosts, 2 tasks: a: t1 1–11, t2 13–15; b: t1 2–4, t2 7–17; c: t1 4–7, t2 11–13; stats at 20. */
export function freeOnTwoForks(): Frame[] {
  return frames([
    ...begin(2, 'free'),
    [1, task('t1', 'One')],
    [1, start('t1', 'a')],
    [2, task('t1', 'One')],
    [2, start('t1', 'b')],
    [4, result('t1', 'b')],
    [4, task('t1', 'One')],
    [4, start('t1', 'c')],
    [7, result('t1', 'c')],
    [7, task('t2', 'Two')],
    [7, start('t2', 'b')],
    [11, result('t1', 'a')],
    [11, task('t2', 'Two')],
    [11, start('t2', 'c')],
    [13, result('t2', 'c')],
    [13, task('t2', 'Two')],
    [13, start('t2', 'a')],
    [15, result('t2', 'a')],
    [17, result('t2', 'b')],
    ...end(20),
  ]);
}
