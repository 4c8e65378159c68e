// Failure details from results as ansible-core 2.14 and 2.19 send them (values copied from real
// runs of test/playbooks/failures.yml): a placeholder traceback never hides msg, stderr or rc.
import { describe, expect, it } from 'vitest';
import { exceptionAttributes, realTraceback, resultMessage } from '../../src/model/result-text.js';

const CONTROLLER_TB =
  'Traceback (most recent call last):\n  File "…/ansible/executor/task_executor.py", line 1, in _execute\nansible.errors.AnsibleError: boom';
const stacktrace = (res: Record<string, unknown>) => exceptionAttributes('ansible.failed', res, resultMessage(res) ?? 'failed')['exception.stacktrace'];

describe('failure details', () => {
  it('drops the placeholder tracebacks of 2.19, keeps real ones', () => {
    expect(realTraceback('(traceback unavailable)')).toBeUndefined();
    expect(
      realTraceback(`(traceback missing)\n\nThe above action exception was the direct cause of the following controller exception:\n\n${CONTROLLER_TB}`),
    ).toBeUndefined();
    expect(realTraceback(CONTROLLER_TB)).toBe(CONTROLLER_TB);
    expect(realTraceback('')).toBeUndefined();
    expect(realTraceback(undefined)).toBeUndefined();
  });

  it('a failing command: msg is the message, stderr the stacktrace, on 2.14 and on 2.19', () => {
    const v214 = { msg: 'non-zero return code', rc: 3, stdout: '', stderr: 'disk full on /var', changed: true };
    const v219 = { ...v214, exception: '(traceback unavailable)' };
    for (const res of [v214, v219]) {
      expect(resultMessage(res)).toBe('non-zero return code');
      expect(stacktrace(res)).toBe('disk full on /var');
    }
  });

  it('with ANSIBLE_DISPLAY_TRACEBACK=error (2.19): stderr first, then the traceback', () => {
    expect(stacktrace({ msg: 'non-zero return code', rc: 3, stderr: 'disk full on /var', exception: CONTROLLER_TB })).toBe(
      `disk full on /var\n\n${CONTROLLER_TB}`,
    );
  });

  it('a module crash keeps its traceback (2.14), a fail: or unreachable result has no stacktrace but its msg', () => {
    const crash = {
      msg: 'MODULE FAILURE\nSee stdout/stderr for the exact error',
      rc: 1,
      exception: 'Traceback (most recent call last):\nRuntimeError: crash_me crashed on purpose',
    };
    expect(stacktrace(crash)).toMatch(/RuntimeError: crash_me crashed on purpose$/);
    const failed = { msg: 'the release is not tagged', exception: '(traceback unavailable)', changed: false };
    expect(resultMessage(failed)).toBe('the release is not tagged');
    expect(stacktrace(failed)).toBeUndefined();
    const unreachable = {
      msg: 'Task failed: Failed to connect to the host via ssh: ssh: connect to host 127.0.0.1 port 1: Connection refused',
      exception: '(traceback unavailable)',
    };
    expect(exceptionAttributes('ansible.unreachable', unreachable, resultMessage(unreachable)!)).toEqual({
      'exception.type': 'ansible.unreachable',
      'exception.message': unreachable.msg,
      'exception.stacktrace': undefined,
    });
  });

  it("a crashed module's stderr: the traceback 2.19 keeps only there, and not twice where 2.14 also sends it as exception", () => {
    const tb = 'Traceback (most recent call last):\n  File "crash_me.py", line 7, in main\nRuntimeError: crash_me crashed on purpose';
    const v219 = { msg: 'Module result deserialization failed: No start of json char found', module_stderr: tb, exception: '(traceback unavailable)' };
    expect(stacktrace(v219)).toBe(tb);
    const v214 = { msg: 'MODULE FAILURE\nSee stdout/stderr for the exact error', rc: 1, module_stderr: `${tb}\n`, exception: tb };
    expect(stacktrace(v214)).toBe(`${tb}\n`);
  });
});
