// The differential corpus: one or more cases per execution feature, each a playbook of ours under
// test/corpus, run so that ansible-playbook's own output can be held against the trace
// (test/differential/README.md). docs/compatibility.md's feature table lists what each covers.
import type { Case } from './run-case.js';

/** Result kinds, loops, delegation, strategies and batches. */
export const EXECUTION: Case[] = [
  {
    id: 'linear',
    covers:
      'linear; ok, changed, changed_when, failed_when, ignore_errors, when; loop, with_dict, loop_control (label, index_var, extended, pause); until/retries; delegate_to, delegate_facts, run_once, throttle',
    playbooks: ['linear.yml'],
    ordered: true,
  },
  { id: 'unreachable', covers: 'an unreachable host; ignore_unreachable', playbooks: ['unreachable.yml'], ordered: true },
  { id: 'free', covers: 'strategy free and host_pinned; a role that includes tasks; include_role', playbooks: ['free.yml'], twice: true },
  { id: 'serial', covers: 'serial as a number, a percentage and a list; meta end_batch', playbooks: ['serial.yml'], ordered: true },
  { id: 'max-fail', covers: 'serial with max_fail_percentage', playbooks: ['max-fail.yml'], ordered: true },
  { id: 'any-errors-fatal', covers: 'any_errors_fatal', playbooks: ['any-errors-fatal.yml'], ordered: true },
  { id: 'async', covers: 'async with poll 0 and async_status; async with poll > 0', playbooks: ['async.yml'], ordered: true },
  {
    id: 'mixed',
    covers: 'an unreachable host in a block, a loop failing into a rescue, clear_host_errors then a failure, a serial play after it',
    playbooks: ['mixed.yml'],
    ordered: true,
  },
];

/** Includes, imports, roles, handlers and blocks. */
export const STRUCTURE: Case[] = [
  {
    id: 'includes',
    covers: 'include_tasks / import_tasks / include_role / import_role in a play, block, rescue, always and loop; tasks_from, handlers_from; role dependencies',
    playbooks: ['includes.yml'],
    ordered: true,
  },
  {
    id: 'handlers',
    covers: 'notify, listen, meta flush_handlers, a handler notifying a handler, a handler including tasks, a failing handler',
    playbooks: ['handlers.yml'],
    ordered: true,
  },
  { id: 'force-handlers', covers: '--force-handlers', playbooks: ['force-handlers.yml'], args: ['--force-handlers'], ordered: true },
  {
    id: 'rescue-handler',
    covers: "a role's handler failing after the role's failure was rescued (include_role, import_role, a play's handler)",
    playbooks: ['rescue-handler.yml'],
    ordered: true,
  },
  { id: 'blocks', covers: 'nested block / rescue / always; a failing rescue; ignore_errors in a block', playbooks: ['blocks.yml'], ordered: true },
  { id: 'meta', covers: 'meta noop, clear_host_errors, refresh_inventory, end_host, end_play', playbooks: ['meta.yml'], ordered: true },
  { id: 'end-role', covers: 'meta end_role', playbooks: ['end-role.yml'], ordered: true, since: '2.18' },
];

/** Command-line options and several playbooks. */
export const COMMANDS: Case[] = [
  { id: 'check-diff', covers: '--check and --diff; check_mode: false', playbooks: ['check-diff.yml'], args: ['--check', '--diff'], ordered: true },
  { id: 'tags', covers: '--tags', playbooks: ['tags.yml'], args: ['--tags', 'deploy'], ordered: true },
  { id: 'skip-tags', covers: '--skip-tags', playbooks: ['tags.yml'], args: ['--skip-tags', 'slow'], ordered: true },
  { id: 'start-at-task', covers: '--start-at-task', playbooks: ['tags.yml'], args: ['--start-at-task', 'third'], ordered: true },
  { id: 'limit', covers: '--limit', playbooks: ['linear.yml'], args: ['--limit', 'h1'], ordered: true },
  { id: 'chain', covers: 'import_playbook chains', playbooks: ['chain.yml'], ordered: true },
  { id: 'two-playbooks', covers: 'several playbooks in one command', playbooks: ['first.yml', 'second.yml'], ordered: true },
  { id: 'stop-after-failure', covers: 'several playbooks, the first failing: the command stops', playbooks: ['failing.yml', 'second.yml'], ordered: true },
];

/** Runs ansible ends early. */
export const ABORTS: Case[] = [
  { id: 'missing-role', covers: 'abort: include_role of a role that does not exist', playbooks: ['missing-role.yml'], ordered: true },
  { id: 'missing-file', covers: 'include_tasks of a file that does not exist', playbooks: ['missing-file.yml'], ordered: true },
  { id: 'undefined', covers: 'an undefined variable in a task name and in a when', playbooks: ['undefined.yml'], ordered: true },
  { id: 'syntax-error', covers: 'abort: a YAML error in an included file', playbooks: ['syntax-error.yml'], ordered: true },
  { id: 'broken-playbook', covers: 'abort: a playbook that does not parse', playbooks: ['broken.yml'], ordered: true },
  { id: 'sigint', covers: 'abort: SIGINT halfway', playbooks: ['interrupted.yml'], stop: { marker: 'marker', signal: 'SIGINT' }, ordered: true },
  {
    id: 'sigkill',
    covers: 'abort: ansible-playbook SIGKILLed halfway',
    playbooks: ['killed.yml'],
    stop: { marker: 'marker', signal: 'SIGKILL', task: 'slow' },
    ordered: true,
  },
];

/** Ad-hoc commands: `ansible-otel run -- ansible PATTERN -m MODULE`. */
export const ADHOC: Case[] = [
  { id: 'adhoc-ping', covers: 'ad-hoc ansible -m ping, an unreachable host among them', playbooks: [], adhoc: ['web:down', '-m', 'ping'] },
  {
    id: 'adhoc-command',
    covers: 'ad-hoc ansible -m command, failing on one host',
    playbooks: [],
    adhoc: ['web', '-m', 'command', '-a', '/bin/sh -c \'exit {{ 1 if inventory_hostname == "h2" else 0 }}\''],
  },
];
