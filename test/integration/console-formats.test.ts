// `run --format table|json|summary` and `--events-file` on real ansible-playbook runs of
// test/playbooks/console.yml: ansible's own output quieted, what the user must see still shown.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { CLI, INVENTORY, PLAYBOOKS, ROOT, cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { stripAnsi } from '../../src/sinks/ansi.js';
import { RESULT_COLUMNS } from '../../src/sinks/console-table.js';

const receiver = new OtlpReceiver();
let url: string;
beforeAll(async () => {
  url = await receiver.start();
});
afterAll(() => receiver.stop());

const ESC = '\u001b[';
/** ansible's Display wraps long warnings: join the lines for matching. */
const unwrap = (text: string): string => stripAnsi(text).replace(/\s+/g, ' ');

function console_(format: string, extra: Record<string, string | undefined> = {}, sidecarArgs: string[] = []): Promise<CliResult> {
  return runPlaybooks(['console.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, ...extra }), { sidecarArgs: ['--format', format, ...sidecarArgs] });
}

/** What the user must still see although ansible's stdout is quieted. */
function expectUserStillSees(r: CliResult): void {
  const err = unwrap(r.stderr);
  expect(err).toContain('[WARNING]: warn_me says: heads up');
  expect(err).toContain('[DEPRECATION WARNING]: warn_me is deprecated for the test');
  expect(err).toContain('[WARNING]: Could not match supplied host pattern, ignoring: no_such_host_pattern');
  // stdin is not a terminal: ansible-core takes the prompt's default, and says so
  expect(err).toContain('[WARNING]: Not prompting as we are not in interactive mode');
  expect(err).toMatch(/ansible-otel: console\.yml: failure, trace [0-9a-f]{32}/);
}

function expectNoAnsibleOutput(stdout: string): void {
  for (const banner of ['TASK [', 'PLAY RECAP *', 'ok: [', 'fatal: [']) expect(stdout).not.toContain(banner);
}

describe('--format json with --events-file', () => {
  it('prints one JSON object per event whose trace and span ids are those of the exported spans; the file has the same lines', async () => {
    const events = join(tempDir(), 'events.jsonl');
    const r = await console_('json', {}, ['--events-file', events]);
    expect(r.code, r.stderr).toBe(2);
    expectNoAnsibleOutput(r.stdout);
    expectUserStillSees(r);
    const lines = r.stdout.trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as Record<string, any>);
    expect(readFileSync(events, 'utf8')).toBe(r.stdout);

    const traceId = records[0]!.trace_id as string;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const spans = new Map(receiver.spans.filter((s) => s.traceId === traceId).map((s) => [s.spanId, s]));
    const named = (e: Record<string, any>): string => spans.get(e.span_id)?.name ?? `no span ${e.span_id}`;
    for (const e of records) {
      expect(e.trace_id).toBe(traceId);
      expect(e.span_id).toMatch(/^[0-9a-f]{16}$/);
      expect(spans.has(e.span_id), `${e.event} ${e.span_id}`).toBe(true);
    }
    const of = (type: string) => records.filter((e) => e.event === type);
    expect(of('playbook_start').map(named)).toEqual(['RUN console.yml']);
    expect(of('playbook_end').map(named)).toEqual(['RUN console.yml']);
    expect(of('play_start').map(named)).toEqual(['Prompted play', 'Nobody here', 'Work on two hosts']);
    for (const t of of('task_start')) expect(named(t)).toBe(t.task);
    const results = of('host_result');
    expect(results.length).toBe(14);
    for (const h of results) {
      const span = spans.get(h.span_id)!;
      expect(span.name).toBe(h.host);
      expect(spans.get(span.parentSpanId)!.name).toBe(h.task);
      expect(span.attributes['ansible.task.host.status']).toBe(h.status);
    }
    expect(results.find((h) => h.status === 'failed')).toMatchObject({
      host: 'h2',
      task: 'Break on h2',
      message: 'h2 is out of order',
      module: 'ansible.builtin.fail',
    });
    expect(results.find((h) => h.task === 'Say the colour')!.result).toEqual({ msg: 'colour is blue', changed: false });
    expect(of('playbook_end')[0]).toMatchObject({ result: 'failure', failed_hosts: ['h2'], stats: { h2: { failures: 1 } } });
  });
});

describe('--format table', () => {
  it('aligns its columns through colour codes when colour is forced, with ansible quieted', async () => {
    const r = await console_('table', { ANSIBLE_NOCOLOR: undefined, ANSIBLE_FORCE_COLOR: '1' });
    expect(r.code, r.stderr).toBe(2);
    expectNoAnsibleOutput(r.stdout);
    expectUserStillSees(r);
    expect(r.stdout).toContain(`${ESC}31mFAILED${ESC}0m`);
    const lines = r.stdout.split('\n');
    const recap = lines.findIndex((l) => stripAnsi(l).startsWith('PLAY RECAP: console.yml'));
    const rows = lines.slice(0, recap).filter((l) => /^h[12] /.test(l));
    expect(rows.length).toBe(14);
    expect(rows.some((l) => l.includes(ESC))).toBe(true);
    const statusAt = RESULT_COLUMNS.host + 2;
    const changedAt = statusAt + RESULT_COLUMNS.status + 2;
    const taskAt = changedAt + RESULT_COLUMNS.changed + 2;
    for (const row of rows.map(stripAnsi)) {
      expect(row.slice(statusAt, changedAt)).toMatch(/^(OK|CHANGED|FAILED|SKIPPED) +$/);
      expect(row.slice(changedAt, taskAt)).toMatch(/^(yes|no) +$/);
      expect(row.slice(taskAt)).toMatch(/^\S/);
    }
    expect(rows.map(stripAnsi)).toContain(
      `${'h2'.padEnd(RESULT_COLUMNS.host)}  ${'FAILED'.padEnd(RESULT_COLUMNS.status)}  ${'no'.padEnd(RESULT_COLUMNS.changed)}  Break on h2`,
    );
    const header = stripAnsi(lines[recap + 2]!);
    expect(header).toMatch(/^HOST +OK +CHANGED +FAILED +UNREACHABLE +SKIPPED +RESCUED +IGNORED$/);
    const recapRows = lines.slice(recap + 4, recap + 6).map(stripAnsi);
    expect(recapRows.map((l) => l.split(/ +/))).toEqual([
      ['h1', '7', '1', '0', '0', '1', '0', '0'],
      ['h2', '3', '1', '1', '0', '2', '0', '0'],
    ]);
    for (const row of recapRows) expect(row.length).toBe(header.length);
  });

  it('has no colour when stdout is not a terminal, nor with NO_COLOR even when forced', async () => {
    const plain = await console_('table', { ANSIBLE_NOCOLOR: undefined });
    expect(plain.code, plain.stderr).toBe(2);
    expect(plain.stdout).toMatch(/^h2 +FAILED +no +Break on h2$/m);
    expect(plain.stdout).not.toContain('\u001b');
    const noColor = await console_('table', { ANSIBLE_NOCOLOR: undefined, ANSIBLE_FORCE_COLOR: '1', NO_COLOR: '1' });
    expect(noColor.stdout).toMatch(/^h2 +FAILED +no +Break on h2$/m);
    expect(noColor.stdout).not.toContain('\u001b');
  });
});

describe('--format summary', () => {
  it('lists the failed task with its host and message, and the tasks slowest first', async () => {
    const r = await console_('summary');
    expect(r.code, r.stderr).toBe(2);
    expectNoAnsibleOutput(r.stdout);
    expectUserStillSees(r);
    for (const play of ['Prompted play', 'Nobody here', 'Work on two hosts']) expect(r.stdout).toContain(`PLAY [${play}] ***`);
    expect(r.stdout).toMatch(/^PLAYBOOK COMPLETE: console\.yml FAILED \*+$/m);
    expect(r.stdout).toMatch(/^Duration: \S+$/m);
    expect(r.stdout).toMatch(/^Tasks executed: 8 \(host results: 8 ok, 2 changed, 1 failed, 3 skipped\)$/m);
    expect(r.stdout).toContain('Failed tasks: 1\n  Break on h2 [h2]: h2 is out of order\n');
    const lines = r.stdout.split('\n');
    // which task is slowest depends on the machine's load: the ranking, not its winner
    const ranked = lines.slice(lines.indexOf('Slowest tasks:') + 1, lines.indexOf('Slowest hosts:'));
    expect(ranked.map((l) => /\S {2}(.+) {2}\(/.exec(l)?.[1])).toEqual(expect.arrayContaining(['Take a while', 'Change something']));
    for (const l of ranked) expect(l).toMatch(/^ +(\d+m )?\S+ {2}.+ {2}\((Prompted play|Work on two hosts)\)$/);
    const seconds = ranked.map((l) => {
      const [, m, s, ms] = /^ +(?:(\d+)m )?(?:([\d.]+)s|([\d.]+)ms) /.exec(l)!;
      return Number(m ?? 0) * 60 + Number(s ?? 0) + Number(ms ?? 0) / 1000;
    });
    expect([...seconds].sort((a, b) => b - a)).toEqual(seconds);
    expect(lines[lines.indexOf('Slowest hosts:') + 1]).toMatch(/^ +(\d+m )?\S+ {2}h[12] {2}\(\d+ results\)$/);
  });
});

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('on a terminal', () => {
  it.skipIf(!hasScript)('shows the vars_prompt prompt and takes the answer, and colours the table', async () => {
    const events = join(tempDir(), 'events.jsonl');
    const env = cleanEnv({ ANSIBLE_NOCOLOR: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: url, TERM: 'xterm' });
    const cmd = [
      process.execPath,
      CLI,
      'run',
      '--format',
      'table',
      '--events-file',
      events,
      '--',
      'ansible-playbook',
      '-i',
      INVENTORY,
      join(PLAYBOOKS, 'console.yml'),
    ]
      .map((a) => `'${a}'`)
      .join(' ');
    // `script` gives the command a pseudo-terminal for stdin, stdout and stderr
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env, cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.stdin.write('green\n'); // typed ahead: the terminal keeps it until the prompt reads it
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, out).toBe(2);
    expect(stripAnsi(out)).toContain('Favourite colour of the test [blue]: ');
    const said = readFileSync(events, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .find((e) => e.task === 'Say the colour' && e.event === 'host_result');
    expect(said.result.msg).toBe('colour is green');
    expect(out).toMatch(new RegExp(`^h2 +${ESC.replace('[', '\\[')}31mFAILED`, 'm'));
    expect(out).not.toContain('TASK [');
  });
});
