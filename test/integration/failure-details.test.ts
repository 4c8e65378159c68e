// Failure details of real failures, on whichever ansible-core this pass drives (npm test runs it on
// 2.14, 2.19 and sid's 2.22): the status message and ansible.task.message are ansible's msg (as its
// own console printed it), the exception event carries stderr and any real traceback, and 2.19's
// placeholder "(traceback unavailable)" appears nowhere. On 2.19+ also with
// ANSIBLE_DISPLAY_TRACEBACK=error, whose tracebacks must arrive.
import { stripVTControlCharacters } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSIBLE_BIN, ansibleVersion } from '../helpers/ansible-version.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { STATUS, type OtlpSpan } from '../helpers/otlp-spans.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';

const VERSION = ansibleVersion(ANSIBLE_BIN);
const ON_219 = !/core 2\.1[4-8]\./.test(VERSION); // 2.19 and later normalise every failure's exception

interface Run {
  r: CliResult;
  tree: SpanTree;
}
const receivers: OtlpReceiver[] = [];

async function run(extra: NodeJS.ProcessEnv): Promise<Run> {
  const receiver = new OtlpReceiver();
  receivers.push(receiver);
  const url = await receiver.start();
  const r = await runPlaybooks(['failures.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_TEST_TMP: tempDir(), ...extra }));
  return { r, tree: new SpanTree(receiver.spans) };
}

/** The `msg` of ansible's own `fatal: [host]: FAILED! => {…}` line under `TASK [task]`: the oracle
 * for wording that changes between versions (the command module's "non-zero return code" became
 * "The command exited with a non-zero return code." in 2.22). */
function printedMsg(r: CliResult, task: string, host = 'h1'): string {
  const lines = stripVTControlCharacters(r.stdout).split('\n');
  const fatal = lines.slice(lines.findIndex((l) => l.startsWith(`TASK [${task}]`))).find((l) => l.startsWith(`fatal: [${host}]: FAILED! => `));
  expect(fatal, `ansible's FAILED! line of ${task}`).toBeDefined();
  return JSON.parse(fatal!.slice(fatal!.indexOf('=> ') + 3)).msg;
}

const hostOf = (tree: SpanTree, task: string): OtlpSpan => tree.one(task === 'Reach the unreachable' ? 'gone' : 'h1', (s) => tree.parent(s)?.name === task);
const exceptionOf = (s: OtlpSpan) => s.events.find((e) => e.name === 'exception')?.attributes ?? {};

let plain: Run;
let tracebacks: Run | undefined;
beforeAll(async () => {
  [plain, tracebacks] = await Promise.all([run({}), ON_219 ? run({ ANSIBLE_DISPLAY_TRACEBACK: 'error' }) : Promise.resolve(undefined)]);
}, 300_000);
afterAll(async () => {
  for (const r of receivers) await r.stop();
});

describe(`failure details on ${VERSION}`, () => {
  it('runs every failure: exit 4 (unreachable), one ERROR host span per failing task', () => {
    for (const { r, tree } of [plain, ...(tracebacks ? [tracebacks] : [])]) {
      expect(r.code, r.stderr).toBe(4);
      for (const task of ['Fail with stderr', 'Crash the module', 'Fail with a message', 'Reach the unreachable'])
        expect(hostOf(tree, task).status.code, task).toBe(STATUS.ERROR);
    }
  });

  it('never shows a placeholder traceback: not in a status, a message or an event', () => {
    for (const { tree } of [plain, ...(tracebacks ? [tracebacks] : [])]) {
      const text = JSON.stringify(tree.spans.map((s) => [s.status, s.attributes, s.events.map((e) => e.attributes)]));
      expect(text).not.toContain('(traceback unavailable)');
      expect(text).not.toContain('(traceback missing)');
    }
  });

  it('a failing command: msg as status and message, rc as the result, stderr in the exception event', () => {
    const h1 = hostOf(plain.tree, 'Fail with stderr');
    const msg = printedMsg(plain.r, 'Fail with stderr');
    expect(msg).toMatch(/non-zero return code/);
    expect(h1.status.message).toBe(msg);
    expect(h1.attributes).toMatchObject({ 'ansible.task.message': msg, 'ansible.task.result': 3 });
    expect(exceptionOf(h1)).toMatchObject({
      'exception.type': 'ansible.failed',
      'exception.message': msg,
      'exception.stacktrace': 'disk full on /var',
    });
  });

  it('a module crash: a message, and the module traceback', () => {
    const h1 = hostOf(plain.tree, 'Crash the module');
    const e = exceptionOf(h1);
    expect(e['exception.message']).toBe(h1.status.message);
    expect(h1.attributes['ansible.task.message']).toBe(h1.status.message);
    // 2.14: "MODULE FAILURE …" with the module's traceback as `exception` and `module_stderr`. 2.19
    // (difference 3 of docs/compatibility.md): "Module result deserialization failed: …", the
    // module's traceback only in `module_stderr`. Either way it is in the event, once.
    if (ON_219) expect(h1.status.message).toMatch(/^Module result deserialization failed/);
    const stack = String(e['exception.stacktrace']);
    expect(stack).toMatch(/RuntimeError: crash_me crashed on purpose/);
    expect(stack.split('Traceback (most recent call last)').length - 1).toBe(1);
  });

  it('a fail: message and an unreachable host: their msg, no stacktrace', () => {
    const failed = hostOf(plain.tree, 'Fail with a message');
    expect(failed.status.message).toBe('the release is not tagged');
    expect(exceptionOf(failed)['exception.message']).toBe('the release is not tagged');
    expect(exceptionOf(failed)['exception.stacktrace']).toBeUndefined();
    const gone = hostOf(plain.tree, 'Reach the unreachable');
    expect(gone.attributes['ansible.task.host.status']).toBe('unreachable');
    expect(gone.status.message).toMatch(/^(Task failed: )?Failed to connect to the host via ssh: /);
    expect(exceptionOf(gone)).toMatchObject({ 'exception.type': 'ansible.unreachable', 'exception.message': gone.status.message });
    expect(exceptionOf(gone)['exception.stacktrace']).toBeUndefined();
  });

  it.runIf(ON_219)('with ANSIBLE_DISPLAY_TRACEBACK=error: real tracebacks reach the exception event, stderr still first', () => {
    const tree = tracebacks!.tree;
    const command = exceptionOf(hostOf(tree, 'Fail with stderr'));
    expect(String(command['exception.stacktrace'])).toMatch(/^disk full on \/var\n\nTraceback \(most recent call last\)/);
    expect(String(exceptionOf(hostOf(tree, 'Crash the module'))['exception.stacktrace'])).toMatch(/^Traceback \(most recent call last\)/);
    expect(String(exceptionOf(hostOf(tree, 'Reach the unreachable'))['exception.stacktrace'])).toMatch(/^Traceback \(most recent call last\)/);
    expect(hostOf(tree, 'Fail with stderr').status.message).toBe(printedMsg(tracebacks!.r, 'Fail with stderr'));
  });
});
