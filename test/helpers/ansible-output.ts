// ansible-playbook's own console output, as its default stdout callback prints it, parsed into
// what it says happened: the oracle the differential harness holds every trace against
// (test/differential/). Only the default callback's text is read, never our frames.
import { stripVTControlCharacters } from 'node:util';

/** A result line's word: `ok`, `changed`, `skipping`, `failed` (a failed item), `fatal` (FAILED!), `unreachable` (UNREACHABLE!). */
export type LineStatus = 'ok' | 'changed' | 'skipping' | 'failed' | 'fatal' | 'unreachable';

export interface ResultLine {
  host: string;
  status: LineStatus;
  /** `(item=…)` as printed, for loop items; undefined for a host's own result. */
  item?: string | undefined;
  /** `[h1 -> h2]`: the delegate. */
  delegate?: string | undefined;
  /** Followed by `...ignoring`. */
  ignoring: boolean;
  /** 0-based line number in the output. */
  line: number;
}

/** One `TASK [..]` or `RUNNING HANDLER [..]` banner and what follows it up to the next banner. */
export interface TaskBlock {
  name: string;
  handler: boolean;
  /** Index of the PLAY banner this task is under. */
  play: number;
  results: ResultLine[];
  /** `included: FILE for h1, h2 [=> (item=…)]` lines. */
  included: { file: string; hosts: string[]; item?: string | undefined }[];
  /** `FAILED - RETRYING: [h1]: name (N retries left).` per host. */
  retries: Map<string, number>;
  /** `ASYNC OK|FAILED|POLL on h1: jid=…` per host. */
  async: { host: string; kind: 'ok' | 'failed' | 'poll' }[];
  /** `...ignoring` lines that did not follow a host's own FAILED!/UNREACHABLE! line (a loop's). */
  looseIgnoring: number;
}

export type RecapCounts = Record<'ok' | 'changed' | 'unreachable' | 'failed' | 'skipped' | 'rescued' | 'ignored', number>;

export interface AnsibleOutput {
  plays: string[];
  tasks: TaskBlock[];
  /** PLAY RECAP per host; empty when ansible printed none (or an empty one). */
  recap: Map<string, RecapCounts>;
  /** Whether a `PLAY RECAP` banner appeared. */
  recapPrinted: boolean;
  /** `ERROR! …` (2.14) and `[ERROR]: …` (2.19+) first lines, stdout and stderr. */
  errors: string[];
  /** Printed by the `minimal` callback of ad-hoc `ansible` (`h1 | SUCCESS => …`): one task, named `*`. */
  adhoc: boolean;
}

const BANNER = /^(PLAY|TASK|RUNNING HANDLER) \[(.*)\] \**$/;
const RECAP_BANNER = /^PLAY RECAP \**$/;
const RECAP_LINE = /^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)\s+rescued=(\d+)\s+ignored=(\d+)\s*$/;
// ok: [h1]   ok: [h1 -> h2]   changed: [h1] => (item=a)   skipping: [h1] => (item=a)   failed: [h1] (item=a) => {…}
const RESULT = /^(ok|changed|skipping|failed|fatal): \[([^\]]+)\](.*)$/;
const INCLUDED = /^included: (.+?) for (.+?)(?: => \(item=(.*)\))?$/;
const RETRYING = /^FAILED - RETRYING: \[([^\]]+)\]: /;
const ASYNC = /^ASYNC (OK|FAILED|POLL) on ([^:]+): jid=/;
// ad-hoc `ansible`'s minimal callback: `h1 | SUCCESS => {`, `h1 | CHANGED | rc=0 >>`, `h1 | FAILED! => {`
const MINIMAL = /^(\S+) \| (SUCCESS|CHANGED|FAILED!?|UNREACHABLE!|SKIPPED)(?: |$)/;
const MINIMAL_STATUS: Record<string, LineStatus> = {
  SUCCESS: 'ok',
  CHANGED: 'changed',
  FAILED: 'fatal',
  'FAILED!': 'fatal',
  'UNREACHABLE!': 'unreachable',
  SKIPPED: 'skipping',
};

/** The `(item=…)` label of the rest of a result line, or undefined. */
function itemOf(rest: string): string | undefined {
  const at = rest.indexOf('(item=');
  if (at < 0 || at > 4) return undefined;
  let label = rest.slice(at + 6);
  const json = label.lastIndexOf(') => {');
  if (json >= 0) label = label.slice(0, json + 1);
  label = label.trimEnd();
  return label.endsWith(')') ? label.slice(0, -1) : label;
}

/** Parses the text ansible-playbook printed (stdout, then stderr). */
export function parseAnsibleOutput(stdout: string, stderr = ''): AnsibleOutput {
  const out: AnsibleOutput = { plays: [], tasks: [], recap: new Map(), recapPrinted: false, errors: [], adhoc: false };
  const lines = stripVTControlCharacters(stdout).split('\n');
  let task: TaskBlock | undefined;
  let inRecap = false;
  let last: ResultLine | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (RECAP_BANNER.test(line)) {
      inRecap = true;
      out.recapPrinted = true;
      task = undefined;
      continue;
    }
    const recap = inRecap ? RECAP_LINE.exec(line) : null;
    if (recap) {
      const [, host, ok, changed, unreachable, failed, skipped, rescued, ignored] = recap.map((v, k) => (k < 2 ? v : Number(v))) as [
        string,
        string,
        ...number[],
      ];
      out.recap.set(host, { ok: ok!, changed: changed!, unreachable: unreachable!, failed: failed!, skipped: skipped!, rescued: rescued!, ignored: ignored! });
      continue;
    }
    const banner = BANNER.exec(line);
    if (banner) {
      inRecap = false;
      last = undefined;
      if (banner[1] === 'PLAY') {
        out.plays.push(banner[2] ?? '');
        task = undefined;
      } else {
        task = {
          name: banner[2] ?? '',
          handler: banner[1] === 'RUNNING HANDLER',
          play: out.plays.length - 1,
          results: [],
          included: [],
          retries: new Map(),
          async: [],
          looseIgnoring: 0,
        };
        out.tasks.push(task);
      }
      continue;
    }
    const error = /^(?:ERROR! |\[ERROR\]: )(.*)$/.exec(line);
    if (error) {
      out.errors.push(error[1] ?? '');
      continue;
    }
    const minimal = out.plays.length === 0 ? MINIMAL.exec(line) : null;
    if (minimal) {
      if (!task) {
        out.adhoc = true;
        task = { name: '*', handler: false, play: -1, results: [], included: [], retries: new Map(), async: [], looseIgnoring: 0 };
        out.tasks.push(task);
      }
      task.results.push({ host: minimal[1] ?? '', status: MINIMAL_STATUS[minimal[2] ?? ''] ?? 'ok', ignoring: false, line: i });
      continue;
    }
    if (!task) continue;
    if (line === '...ignoring') {
      if (last && (last.status === 'fatal' || last.status === 'unreachable') && !last.ignoring) last.ignoring = true;
      else task.looseIgnoring += 1;
      continue;
    }
    const result = RESULT.exec(line);
    if (result) {
      const [, word, target, rest = ''] = result as unknown as [string, string, string, string];
      const [host, delegate] = target.split(' -> ') as [string, string | undefined];
      let status = word as LineStatus;
      if (word === 'fatal' && rest.startsWith(': UNREACHABLE!')) status = 'unreachable';
      last = { host, status, item: word === 'fatal' ? undefined : itemOf(rest), delegate, ignoring: false, line: i };
      task.results.push(last);
      continue;
    }
    const included = INCLUDED.exec(line);
    if (included) {
      task.included.push({ file: included[1] ?? '', hosts: (included[2] ?? '').split(', '), item: included[3] });
      continue;
    }
    const retry = RETRYING.exec(line);
    if (retry) {
      task.retries.set(retry[1] ?? '', (task.retries.get(retry[1] ?? '') ?? 0) + 1);
      continue;
    }
    const async = ASYNC.exec(line);
    if (async) task.async.push({ host: (async[2] ?? '').trim(), kind: (async[1] ?? '').toLowerCase() as 'ok' | 'failed' | 'poll' });
  }
  for (const line of stripVTControlCharacters(stderr).split('\n')) {
    const error = /^(?:ERROR! |\[ERROR\]: )(.*)$/.exec(line);
    if (error) out.errors.push(error[1] ?? '');
  }
  return out;
}
