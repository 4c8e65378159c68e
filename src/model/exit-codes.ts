// What ansible-playbook's exit code says about a run, as the root span's result. The table is
// ansible-core's own (`ansible.errors.ExitCode` since 2.19, the TaskQueueManager's RUN_* codes and
// the CLI's before): docs/semantic-conventions.md, "The exit code and the result".
import { ERROR_OTHER, RESULT, type CicdResult } from './attributes.js';

export interface ExitOutcome {
  result: CicdResult;
  /** error.type; undefined on success. */
  errorType?: string;
  /** What the code means, for the span status when nothing better is known. */
  meaning: string;
}

/**
 * The outcome of exit `code`. `completed`: the playbook reached its stats, so a 4 is hosts that
 * were unreachable (the TaskQueueManager's code) and not a parse error (the CLI's, which ends a
 * run before its stats): ansible-core gives both the same number.
 */
export function exitOutcome(code: number, completed: boolean): ExitOutcome {
  switch (code) {
    case 0:
      return { result: RESULT.SUCCESS, meaning: 'success' };
    case 1:
      return { result: RESULT.ERROR, errorType: 'ansible_error', meaning: 'ansible-playbook stopped on an error' };
    case 2:
      return { result: RESULT.FAILURE, errorType: 'failed', meaning: 'one or more hosts failed' };
    case 4:
      return completed
        ? { result: RESULT.FAILURE, errorType: 'unreachable', meaning: 'one or more hosts were unreachable' }
        : { result: RESULT.ERROR, errorType: 'parser_error', meaning: 'ansible-playbook stopped on a parse error' };
    case 5:
      return { result: RESULT.ERROR, errorType: 'invalid_options', meaning: 'bad or incomplete options' };
    case 99:
      return { result: RESULT.CANCELLATION, errorType: 'keyboard_interrupt', meaning: 'user interrupted execution' };
    case 250:
      return { result: RESULT.ERROR, errorType: 'unexpected_error', meaning: 'unexpected error' };
    default:
      return { result: RESULT.ERROR, errorType: ERROR_OTHER, meaning: `ansible-playbook exited ${code}` };
  }
}
