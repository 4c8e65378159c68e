// What `compare` and `run --baseline FILE` read a run from: a traces file (the embedded default's
// or the Collector file exporter's), a frames recording (--record-frames, a shim spool file), a
// history file, or a history entry (`last`, `last-success`, a trace id). Each becomes the digests
// of the run's playbooks (src/analysis/run-digest.ts) through the path a live run takes.
import { existsSync, readFileSync } from 'node:fs';
import { DIGEST_MAX_HOST_RESULTS, DigestRecorder, type RunDigest } from '../analysis/run-digest.js';
import { readFrameFiles } from '../ingest/frame-files.js';
import { RunModel } from '../model/run-model.js';
import { badLinesWarning, readTracesFile } from '../report/otlp-json-lines.js';
import { replaySpans, selectTraces } from '../report/replay-spans.js';
import { isRunDigest, type HistoryStore } from './history-store.js';
import { KeyedIdWriter } from './keyed-id-writer.js';
import type { Frame } from '../protocol/frames.js';
import { thousands } from '../util/thousands.js';

export class SourceError extends Error {}

export const HISTORY_REFS = ['last', 'last-success'] as const;
const TRACE_ID = /^[0-9a-f]{32}$/i;

/** Whether the argument names a history entry rather than a file. */
export const isHistoryRef = (arg: string): boolean => (HISTORY_REFS as readonly string[]).includes(arg) || (TRACE_ID.test(arg) && !existsSync(arg));

export interface LoadedRun {
  /** The run's playbooks, in order. */
  runs: RunDigest[];
  /** Where they came from, for messages. */
  what: string;
}

/**
 * The run `arg` names. A history ref is resolved against `other` (the other side of a compare)
 * when the history knows it: `last` is then the latest earlier run with the same key. Lines of
 * the file that cannot be read are skipped, in one `warn`.
 */
export async function loadRun(
  arg: string,
  store: HistoryStore | undefined,
  other?: RunDigest[],
  warn: (message: string) => void = () => {},
): Promise<LoadedRun> {
  if (isHistoryRef(arg)) return historyRun(arg, store, other);
  if (!existsSync(arg)) throw new SourceError(`${arg}: no such file (nor last, last-success or a trace id of the run history)`);
  const first = readFileSync(arg, 'utf8')
    .split('\n', 64)
    .find((l) => l.trim() !== '');
  let sample: Record<string, unknown> = {};
  try {
    sample = JSON.parse(first ?? '{}');
  } catch {
    throw new SourceError(`${arg}: not JSON lines (expected a traces file, a frames recording or a history file)`);
  }
  let runs: RunDigest[];
  if ('resourceSpans' in sample) runs = await tracesRuns(arg, warn);
  else if ('t' in sample && 'run' in sample) runs = await framesRuns(arg, warn);
  else if (isRunDigest(sample)) runs = historyFileRuns(arg);
  else throw new SourceError(`${arg}: neither OTLP/JSON traces, nor frames, nor run history records`);
  if (runs.length === 0) throw new SourceError(`${arg}: no playbook run in it`);
  const big = runs.find((r) => r.tooLarge);
  if (big) throw new SourceError(`${arg}: ${big.playbook} has over ${thousands(DIGEST_MAX_HOST_RESULTS)} host results, too large to compare`);
  return { runs, what: arg };
}

/** The latest run of a traces file (its playbooks), through the events a live run emits. */
async function tracesRuns(path: string, warn: (message: string) => void): Promise<RunDigest[]> {
  const file = await readTracesFile(path);
  const skipped = badLinesWarning(file);
  if (skipped) warn(skipped);
  const { spans } = file;
  const out: RunDigest[] = [];
  replaySpans(spans, selectTraces(spans), new DigestRecorder({}, (d) => out.push(d)));
  return out;
}

/** The last run of a frames recording, through the run model (span ids as the live run had them). */
async function framesRuns(file: string, warn: (message: string) => void): Promise<RunDigest[]> {
  const byRun = new Map<string, RunDigest[]>();
  const models = new Map<string, RunModel<unknown>>();
  let bad = 0;
  let first = '';
  const writer = new KeyedIdWriter();
  const frames: AsyncIterable<Frame> = readFrameFiles([file], (p) => {
    bad += 1;
    first ||= `${p.file}:${p.line}: ${p.message}`;
  });
  for await (const f of frames) {
    let m = models.get(f.run);
    if (!m) {
      const list: RunDigest[] = [];
      byRun.set(f.run, list);
      m = new RunModel<unknown>(writer, f.run, { playbookEnd: (e) => e.digest && list.push(e.digest) }, { digest: true });
      models.set(f.run, m);
    }
    m.apply(f);
  }
  for (const m of models.values()) m.finish();
  if (bad) warn(`${first} (line skipped${bad > 1 ? `; ${bad} bad lines skipped in all` : ''})`);
  return [...byRun.values()].at(-1) ?? [];
}

function historyFileRuns(file: string): RunDigest[] {
  const runs = readFileSync(file, 'utf8')
    .split('\n')
    .flatMap((l) => {
      try {
        const d: unknown = JSON.parse(l);
        return isRunDigest(d) ? [d] : [];
      } catch {
        return [];
      }
    });
  return runs.slice(-1);
}

function historyRun(arg: string, store: HistoryStore | undefined, other: RunDigest[] | undefined): LoadedRun {
  if (!store) throw new SourceError(`${arg}: the run history is off (--history-dir off): name a traces file or a frames recording`);
  if (TRACE_ID.test(arg)) {
    const d = store.all().find((r) => r.traceId === arg.toLowerCase());
    if (!d) throw new SourceError(`${arg}: no run with this trace id in the run history ${store.dir}`);
    return { runs: [d], what: `trace ${d.traceId}` };
  }
  // against the other side: the same key, before it
  const ref = other?.[0];
  const known = ref && store.all().find((r) => r.traceId === ref.traceId);
  const pool = known?.keyId ? store.runs(known.keyId).filter((r) => r.startNs < known.startNs) : store.all().filter((r) => r.traceId !== ref?.traceId);
  const candidates = pool.filter((r) => arg === 'last' || (r.result === 'success' && !r.interrupted));
  const d = candidates.at(-1);
  if (!d) throw new SourceError(`${arg}: no ${arg === 'last' ? '' : 'successful '}run in the run history ${store.dir}${known ? ' before the other one' : ''}`);
  return { runs: [d], what: `${arg} (trace ${d.traceId})` };
}
