// Runs one corpus case the ways the differential checks need: plain ansible, and through
// `ansible-otel run` at -f 5 and -f 1 (twice at -f 5 for the free strategies), with the same
// arguments and environment. The runs of a case are shared by all of its checks.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAnsibleOutput, type AnsibleOutput } from '../helpers/ansible-output.js';
import { spansOfJsonLines, type OtlpSpan } from '../helpers/otlp-spans.js';
import { cleanEnv, hostStartRecorded, runCli, runProcess, ROOT, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { until } from '../helpers/until.js';

export const CORPUS = join(ROOT, 'test', 'corpus');
export const CORPUS_INVENTORY = join(CORPUS, 'inventory.ini');

export interface Case {
  /** Short, unique: the test names use it. */
  id: string;
  /** What it covers, for the test name and docs/compatibility.md. */
  covers: string;
  /** Playbooks under test/corpus, in command-line order. */
  playbooks: string[];
  /** More ansible-playbook arguments (before the playbooks). */
  args?: string[];
  /** An ad-hoc `ansible` command instead: its arguments (the inventory is added). */
  adhoc?: string[];
  /**
   * Waits for OTEL_TEST_TMP/<marker>, then sends the signal to ansible-playbook (the controller
   * process). A traced run also waits until the sidecar has the host start of `task` (the task
   * that leaves the marker): a SIGKILLed controller loses the frames its shim had not written yet
   * (up to 0.2 s of them, docs/reliability.md), which ansible may have printed already.
   */
  stop?: { marker: string; signal: 'SIGINT' | 'SIGKILL'; task?: string };
  /** free / host_pinned: a second -f 5 run, whose tree must have the same shape. */
  twice?: boolean;
  /** Under linear the task banners come in the order of the task spans. */
  ordered?: boolean;
  /** Only on ansible-core at or above this `major.minor`. */
  since?: string;
}

export interface TracedRun {
  code: number | null;
  output: AnsibleOutput;
  raw: CliResult;
  spans: OtlpSpan[];
}

export interface CaseRuns {
  plain: { code: number | null; output: AnsibleOutput; raw: CliResult };
  traced: TracedRun[];
}

/** 128 + signal, as a shell reports a process killed by one. */
const SIGNAL_CODE: Record<string, number> = { SIGINT: 130, SIGKILL: 137 };

function commandLine(c: Case, forks: number): string[] {
  if (c.adhoc) return ['ansible', '-i', CORPUS_INVENTORY, '-f', String(forks), ...c.adhoc];
  return ['ansible-playbook', '-i', CORPUS_INVENTORY, '-f', String(forks), ...(c.args ?? []), ...c.playbooks.map((p) => join(CORPUS, p))];
}

/** Sends the case's signal to the controller once its marker exists. */
async function stopper(c: Case, tmp: string, child: ChildProcess, frames?: string): Promise<void> {
  if (!c.stop) return;
  const marker = join(tmp, c.stop.marker);
  await until(() => existsSync(marker) || child.exitCode !== null, 120_000, `${marker}`);
  const task = c.stop.task;
  if (frames && task) await until(() => hostStartRecorded(frames, task) || child.exitCode !== null, 120_000, `the host start of "${task}"`);
  if (child.exitCode !== null) return;
  let pid = child.pid!;
  if (frames) {
    // a traced run: the controller is the wrapper's child (a 2.19 /bin/sh wrapper execs python in place)
    pid = Number(
      execFileSync('pgrep', ['-P', String(child.pid)], { encoding: 'utf8' })
        .trim()
        .split('\n')[0],
    );
  }
  process.kill(pid, c.stop.signal);
}

function environment(tmp: string): NodeJS.ProcessEnv {
  return cleanEnv({ OTEL_TEST_TMP: tmp, OTEL_METRICS_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'none', ANSIBLE_DEPRECATION_WARNINGS: 'False' });
}

async function plainRun(c: Case, forks: number): Promise<CaseRuns['plain']> {
  const tmp = tempDir('corpus-plain-');
  const [cmd, ...args] = commandLine(c, forks) as [string, ...string[]];
  let stopping: Promise<void> = Promise.resolve();
  const raw = await runProcess(cmd, args, environment(tmp), (child) => (stopping = stopper(c, tmp, child)), tmp);
  await stopping;
  // node reports a signal death as code null: the shell's 128 + N, as `ansible-otel run` returns it
  const code = raw.code ?? (c.stop ? (SIGNAL_CODE[c.stop.signal] ?? null) : null);
  return { code, output: parseAnsibleOutput(raw.stdout, raw.stderr), raw };
}

async function tracedRun(c: Case, forks: number): Promise<TracedRun> {
  const tmp = tempDir('corpus-traced-');
  const traces = join(tmp, 'traces.jsonl');
  const frames = join(tmp, 'frames.ndjson');
  let stopping: Promise<void> = Promise.resolve();
  const raw = await runCli(
    ['run', '--quiet', '--traces-file', traces, '--record-frames', frames, '--', ...commandLine(c, forks)],
    environment(tmp),
    (child) => (stopping = stopper(c, tmp, child, frames)),
    tmp,
  );
  await stopping;
  const spans = existsSync(traces) ? spansOfJsonLines(readFileSync(traces, 'utf8')) : [];
  return { code: raw.code, output: parseAnsibleOutput(raw.stdout, raw.stderr), raw, spans };
}

/** The plain run, then the traced ones: -f 5, -f 1, and -f 5 again for `twice`. */
export async function runCase(c: Case): Promise<CaseRuns> {
  const plain = await plainRun(c, 5);
  const traced = [await tracedRun(c, 5), await tracedRun(c, 1)];
  if (c.twice) traced.push(await tracedRun(c, 5));
  return { plain, traced };
}

export const corpusPath = (...p: string[]): string => resolve(CORPUS, ...p);
