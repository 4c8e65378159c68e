// The frame protocol, declared once. The TypeScript types (frames.ts), the validator at the edge
// (decode.ts) and the frame tables of docs/protocol.md (schema-doc.ts) all come from here.
// Objects allow unknown keys: a newer shim may send more (forward compatibility).
import { Type, type Static, type TSchema } from '@sinclair/typebox';

export const PROTOCOL_VERSION = 1;

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const Count = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });
const Uuid = (of: string) => Type.String({ description: `uuid of ${of}` });

export const Envelope = Type.Object({
  v: Type.Integer({ description: `protocol version, \`${PROTOCOL_VERSION}\`` }),
  run: Type.String({ minLength: 1, description: 'run id: a random UUID4 hex chosen by the shim at load time' }),
  seq: Count('per-run sequence number, starting at 0 with `hello`, +1 per frame (numbers are taken by dropped frames too)'),
  // int64 nanoseconds: beyond 2^63 no OTLP timestamp can hold it.
  ts: Type.Integer({
    minimum: 0,
    exclusiveMaximum: 2 ** 63,
    description: "the shim's wall clock when the event happened, nanoseconds since the Unix epoch (`time.time_ns()`)",
  }),
});

/** The `censored` value of a `no_log` result: ansible's own notice, word for word. */
export const CENSORED = "the output has been hidden due to the fact that 'no_log: true' was specified for this result";
/** An item's label under `no_log`. */
export const CENSORED_LABEL = '(censored due to no_log)';

/** A value of the module's result, forwarded as it is: any JSON (the shim does not type it). */
const fromModule = (description: string) => Type.Optional(Type.Unknown({ description }));

/** The module result subset: values are the module's own, so only the shim's own keys are typed. */
export const ResultSubset = Type.Object(
  {
    msg: fromModule('message'),
    rc: fromModule('return code'),
    stdout: fromModule('standard output'),
    stderr: fromModule('standard error'),
    exception: fromModule('traceback of a module failure'),
    skip_reason: fromModule('why the task was skipped'),
    reason: fromModule('e.g. why an included file could not be loaded'),
    changed: fromModule('the module changed something'),
    failed: fromModule('the module failed (rarely present: ansible-core removes it)'),
    attempts: fromModule('attempts of an `until` loop'),
    retries: fromModule('retries of an `until` loop'),
    ansible_job_id: fromModule('async job id'),
    finished: fromModule('async job finished: `1`/`0`, `true`/`false` since ansible-core 2.19'),
    warnings: fromModule('the warnings ansible shows for the result: a list of strings'),
    module_stderr: fromModule("a crashed module's stderr (its traceback; ansible-core 2.19 keeps it only here)"),
    deprecations: fromModule('its deprecation warnings: a list of `{msg, version?, date?, collection_name?}`'),
    results_count: Type.Optional(Count('length of `results` for loops')),
    censored: Type.Optional(Type.String({ description: `with \`no_log\`: the only key, ansible's notice \`${CENSORED}\`` })),
    ansible_facts: fromModule('only with `include_facts`'),
  },
  { title: 'result subset', description: 'the module result subset (`res`, below)' },
);

/** The keys of a module's own result the subset forwards (the others are the shim's: counts, the notice, facts on request). */
export const MODULE_RESULT_KEYS: readonly string[] = Object.keys(ResultSubset.properties).filter(
  (k) => k !== 'results_count' && k !== 'censored' && k !== 'ansible_facts',
);

export const Scope = Type.Object(
  {
    kind: Type.Union([Type.Literal('role'), Type.Literal('include')], { description: 'a role or an `include_tasks`' }),
    id: Type.String({ description: 'what makes two tasks share the scope (see below)' }),
    name: Type.String({ description: 'role name, or the included file as written' }),
    via: Type.Optional(Type.String({ description: '`roles`, `import_role`, `include_role`, `dependency` or `include_tasks`' })),
    path: Type.Optional(
      Nullable(
        Type.String({
          description:
            '`file:line` of the `include_tasks` / `include_role` / `import_role` task that opens it: the same for every copy ansible-core makes of an included file',
        }),
      ),
    ),
  },
  { title: 'scope' },
);

export const HostStatus = Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('skipped'), Type.Literal('unreachable')], {
  description: 'how the task ended on the host',
});
const ItemStatus = Type.Union([Type.Literal('ok'), Type.Literal('failed'), Type.Literal('skipped')], { description: 'how the item ended' });

export const HostStats = Type.Object(
  {
    ok: Type.Optional(Count('')),
    changed: Type.Optional(Count('')),
    failures: Type.Optional(Count('')),
    unreachable: Type.Optional(Count('')),
    skipped: Type.Optional(Count('')),
    rescued: Type.Optional(Count('')),
    ignored: Type.Optional(Count('')),
  },
  { title: 'host stats' },
);

const NO_LOG = 'task or item `no_log`';

/**
 * One frame type: its envelope, its `t`, its keys. `callback` is the ansible-core callback that
 * sends it; `notes` what the docs say about the frame as a whole.
 */
function frame<T extends string, P extends Record<string, TSchema>>(t: T | T[], callback: string, props: P, notes = '') {
  const types = Array.isArray(t) ? t : [t];
  const tSchema = types.length === 1 ? Type.Literal(types[0] as T) : Type.Union(types.map((x) => Type.Literal(x)));
  return Type.Object({ ...Envelope.properties, t: tSchema, ...props }, { callback, notes });
}

const taskOf = (what = 'the task') => Uuid(what);
const hostName = Type.String({ description: 'inventory host name' });

export const FRAMES = {
  hello: frame('hello', 'plugin load (ansible-core loads callbacks just before the first `playbook_start`)', {
    ansible_version: Type.Optional(Type.String({ description: 'ansible-core version' })),
    shim_version: Type.Optional(Type.String({ description: 'shim version' })),
    python: Type.Optional(Type.String({ description: 'Python version' })),
    pid: Type.Optional(Count('the controller pid')),
    argv: Type.Optional(
      Type.Array(Type.String(), {
        description: 'the command line; the value of every `-e`/`--extra-vars` is replaced by `<redacted>` unless it is an `@file` reference',
      }),
    ),
    cwd: Type.Optional(Nullable(Type.String({ description: 'working directory (null when it is gone)' }))),
    user: Type.Optional(Nullable(Type.String({ description: 'user name (null when unknown)' }))),
    hostname: Type.Optional(Type.String({ description: 'controller host name' })),
    check: Type.Optional(Type.Boolean({ description: '`--check`' })),
    diff: Type.Optional(Type.Boolean({ description: '`--diff`' })),
    traceparent: Type.Optional(Nullable(Type.String({ description: '`TRACEPARENT` of the environment' }))),
    tracestate: Type.Optional(Nullable(Type.String({ description: '`TRACESTATE` of the environment' }))),
    // A string, not an enum: a value a newer shim knows must not cost an older sidecar the run.
    host_spans: Type.Optional(
      Type.String({
        description:
          "the run's `host_spans` option (`ANSIBLE_OTEL_HOST_SPANS`): `all`, `problems`, `none` or `auto:N`; it wins over the sidecar's `--host-spans`, and a value the sidecar does not know is ignored",
      }),
    ),
    forks: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: Number.MAX_SAFE_INTEGER,
          description:
            "the run's forks (`-f`, `ANSIBLE_FORKS`, ansible.cfg), or null when unknown: what the critical path and the what-if count fork waits against",
        }),
      ),
    ),
    cpus: Type.Optional(
      Nullable(
        Type.Integer({
          minimum: 1,
          maximum: Number.MAX_SAFE_INTEGER,
          description: 'the CPUs the controller may run on (its affinity), or null when unknown: what the what-if shares among the workers',
        }),
      ),
    ),
    resume: Type.Optional(
      Type.Boolean({
        description:
          '`true`: this shim reconnects and resumes the run ([Reconnect and resume](#reconnect-and-resume)); a sidecar keeps the run open for a while when its WebSocket connection is lost',
      }),
    ),
  }),
  playbook_start: frame('playbook_start', '`v2_playbook_on_start`', {
    path: Type.String({ description: 'absolute playbook path' }),
    name: Type.Optional(Nullable(Type.String({ description: 'file name' }))),
  }),
  vars_prompt: frame(
    'vars_prompt',
    '`v2_playbook_on_vars_prompt`',
    {
      varname: Type.String({ description: 'the variable prompted for — never the value' }),
      private: Type.Optional(Type.Boolean({ description: 'input hidden' })),
    },
    'Not sent for variables given with `-e`: ansible-core does not prompt for them.',
  ),
  play_start: frame(
    'play_start',
    '`v2_playbook_on_play_start`',
    {
      play: Uuid('the play'),
      name: Type.String({ description: 'play name' }),
      hosts: Type.Optional(Type.Array(Type.String(), { description: 'host pattern list' })),
      strategy: Type.Optional(Nullable(Type.String({ description: 'strategy plugin' }))),
      serial: Type.Optional(
        Nullable(Type.Array(Type.Union([Type.Integer(), Type.String()]), { description: 'the play\'s `serial`, e.g. `[2]` or `["30%"]`, or null' })),
      ),
      check: Type.Optional(Nullable(Type.Boolean({ description: "the play's check mode, or null" }))),
      host_count: Type.Optional(
        Nullable(Count('the hosts of this batch, or null when the shim could not tell; absent from shims before 0.2 and from runner imports')),
      ),
    },
    'Fires again with the same `play` uuid for every `serial` batch.',
  ),
  task_start: frame('task_start', '`v2_playbook_on_task_start`, `v2_playbook_on_handler_task_start`, `v2_playbook_on_cleanup_task_start`', {
    task: taskOf(),
    play: Type.Optional(Nullable(Uuid('the play being run, or null'))),
    name: Type.String({ description: 'as ansible displays it: `role : name` for role tasks, the action when unnamed' }),
    action: Type.Optional(Type.String({ description: 'as written, e.g. `ansible.builtin.command` or `command`' })),
    handler: Type.Optional(Type.Boolean({ description: 'true only for handler tasks' })),
    path: Type.Optional(Nullable(Type.String({ description: '`file:line`, or null' }))),
    role: Type.Optional(Nullable(Type.String({ description: "the task's own role name (for a dependency the dependency's), or null" }))),
    tags: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Number()]), { description: 'tags as written' })),
    no_log: Type.Optional(Type.Boolean({ description: 'a templated `no_log` such as `"{{ item.secret }}"` counts as true here' })),
    args: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description:
          "the task's arguments as written, templates unrendered, `_ansible_*` keys left out, values truncated; omitted for `no_log` tasks and with `hide_task_arguments`",
      }),
    ),
    scopes: Type.Optional(Type.Array(Scope, { description: 'enclosing roles and includes, outermost first (see below)' })),
    throttle: Type.Optional(
      Nullable(
        Count(
          "the task's `throttle` (its own, or its block's or play's) when it is a number, 0 for none; null when it is a template the shim cannot resolve at the start",
        ),
      ),
    ),
    worker_cpu: Type.Optional(
      Nullable(
        Type.Number({
          minimum: 0,
          description:
            "CPU seconds the controller's finished workers (with the modules they ran on it) used so far in the run (`os.times()` of its children), or null: what the what-if counts a host's CPU from",
        }),
      ),
    ),
  }),
  host_start: frame('host_start', '`v2_runner_on_start`', { task: taskOf(), host: hostName }),
  host_result: frame(
    'host_result',
    '`v2_runner_on_ok` / `_failed` / `_skipped` / `_unreachable`',
    {
      task: taskOf(),
      host: hostName,
      status: HostStatus,
      changed: Type.Optional(Type.Boolean({ description: 'the result changed something' })),
      ignored: Type.Optional(Type.Boolean({ description: 'failed with `ignore_errors`, or unreachable with `ignore_unreachable`' })),
      rescued: Type.Optional(
        Type.Boolean({
          description:
            'failed (or, for an `include_tasks` / `include_role`, ok), not ignored, and the task sits — directly or through nested blocks, includes or imports — in the `block:` section of a block whose `rescue:` section is not empty; never for a handler, which runs outside the blocks of the task that notified it',
        }),
      ),
      action: Type.Optional(Type.String({ description: 'resolved action, e.g. `ansible.builtin.command`; for includes the include action' })),
      delegated_to: Type.Optional(Nullable(Type.String({ description: 'delegate host, or null' }))),
      no_log: Type.Optional(Type.Boolean({ description: NO_LOG })),
      res: Type.Optional(ResultSubset),
    },
    "When an `include_tasks` file (since 2.19 also an `include_role` role) cannot be loaded, ansible-core sends the include's `ok` result and then a second `host_result` with `status` `failed` (`res.reason` says why). Before 2.19 a role that `include_role` cannot load gets no second result, only an `error` frame: the sidecar takes the hosts that then do not go into the role as failed.",
  ),
  item_result: frame('item_result', '`v2_runner_item_on_ok` / `_failed` / `_skipped`', {
    task: taskOf(),
    host: hostName,
    status: ItemStatus,
    changed: Type.Optional(Type.Boolean({ description: 'the item changed something' })),
    label: Type.Optional(
      Nullable(
        Type.String({
          description: `\`loop_control.label\` or the item (non-string items JSON-encoded; \`${CENSORED_LABEL}\` with \`no_log\`); null when there is no item`,
        }),
      ),
    ),
    no_log: Type.Optional(Type.Boolean({ description: NO_LOG })),
    res: Type.Optional(ResultSubset),
  }),
  retry: frame('retry', '`v2_runner_retry`', {
    task: taskOf(),
    host: hostName,
    attempt: Type.Optional(Nullable(Count('the attempt that just failed its `until`, from 1'))),
    retries: Type.Optional(Nullable(Count("as ansible-core reports it: the task's `retries` + 1"))),
    no_log: Type.Optional(Type.Boolean({ description: NO_LOG })),
    res: Type.Optional(ResultSubset),
  }),
  async: frame(
    ['async_poll', 'async_ok', 'async_failed'],
    '`v2_runner_on_async_poll` / `_ok` / `_failed`',
    {
      task: taskOf('the task that started the job (ansible-core polls with a throw-away task of its own, so the shim reports the task the host last started)'),
      host: hostName,
      job: Type.Optional(Nullable(Type.String({ description: '`ansible_job_id`; null when unknown, e.g. `no_log` tasks' }))),
      no_log: Type.Optional(Type.Boolean({ description: NO_LOG })),
      res: Type.Optional(ResultSubset),
    },
    '`async_poll` fires only while the job is unfinished; a job that finishes before the first poll has no `async_poll`.',
  ),
  notify: frame(
    'notify',
    'a changed `ok` result whose task notifies handlers, just before its `host_result` (one per handler the notification reaches by name or `listen`), on every ansible-core; and on `v2_playbook_on_notify` for what the shim could not resolve itself (a templated handler name)',
    {
      handler: Type.String({ description: 'handler name' }),
      handler_task: Type.Optional(Uuid('the handler task')),
      host: hostName,
    },
    "ansible-core 2.18+ calls `v2_playbook_on_notify` only when it flushes handlers, and only for the hosts still running then: the shim reads the notification from the result instead (the task's `notify` and the result's `changed`, the condition ansible-core itself checks), and drops the flush-time call of a notification it already sent.",
  ),
  include: frame(
    'include',
    '`v2_playbook_on_include` (`include_tasks`; since ansible-core 2.19 `include_role` too)',
    {
      file: Type.String({ description: 'absolute path of the included file; for `include_role` (2.19+) the role name' }),
      hosts: Type.Optional(Type.Array(Type.String(), { description: 'hosts that include it' })),
      task: taskOf('the include task'),
    },
    'An `include_tasks` with a loop sends one `include` per distinct file/item, all with the same `task`.',
  ),
  file_diff: frame(
    'file_diff',
    "`v2_on_file_diff` (only in diff mode: `--diff` or the task's `diff: true`; per item for loops)",
    {
      task: taskOf(),
      host: hostName,
      diffs: Type.Optional(
        Type.Array(Type.Object({ before_header: Type.Optional(Nullable(Type.String())), after_header: Type.Optional(Nullable(Type.String())) }), {
          description: 'list of `{before_header, after_header}` (strings or null; no content)',
        }),
      ),
    },
    'Not sent for `no_log` results.',
  ),
  no_hosts: frame(['no_hosts_matched', 'no_hosts_remaining'], '`v2_playbook_on_no_hosts_matched` / `v2_playbook_on_no_hosts_remaining`', {
    play: Type.Optional(Nullable(Uuid('the current play, or null'))),
  }),
  stats: frame(
    'stats',
    '`v2_playbook_on_stats` (once per playbook file)',
    {
      hosts: Type.Record(Type.String(), HostStats, {
        description: '`{host: {ok, changed, failures, unreachable, skipped, rescued, ignored}}` (counts ≥ 0) for **this playbook only**',
      }),
    },
    "ansible-core's stats are cumulative across the playbooks of one command; the shim sends the difference. Lists the hosts that had a result in this playbook or a non-zero difference.",
  ),
  error: frame(
    'error',
    "ansible-core's `Display.error`: an error ansible shows, e.g. a role that cannot be found, a parse error, `User interrupted execution`",
    {
      msg: Type.String({ description: 'the error as ansible shows it (truncated; masked as every frame is)' }),
      task: Type.Optional(Nullable(Uuid('the task started last, or null'))),
      play: Type.Optional(Nullable(Uuid('the current play, or null'))),
    },
    'At most 20 per run. ansible-core calls no callback method for an error that ends the run, or for an `include_role` that cannot load its role (before 2.19): this frame and `bye.exit_code` are how the sidecar learns of them.',
  ),
  resume: frame(
    'resume',
    'a reconnect, or a run an earlier ansible-playbook left in the spool: the first frame of a connection that carries a run from its spool file ([Reconnect and resume](#reconnect-and-resume))',
    {
      leftover: Type.Optional(Type.Boolean({ description: "`true`: the run's ansible-playbook is gone; `eof` follows the file's frames" })),
    },
    'Its `seq` is the last `seq` the shim has of the run; it takes no number of the run. Sent only to a sidecar whose `ready` said `resume`.',
  ),
  eof: frame(
    'eof',
    'the end of a leftover spool file (sent after `resume` with `leftover`), after its last frame',
    {},
    'No more frames of the run come: a run without `bye` ends as interrupted; the ack follows once it is exported. Its `seq` is the last `seq` sent.',
  ),
  bye: frame(
    'bye',
    'interpreter exit (`atexit`), after waiting up to `drain_timeout` for the queue to empty',
    {
      dropped: Type.Optional(Count('frames the shim could not deliver so far: queue full, or still queued when the wait ran out')),
      spool_evicted: Type.Optional(
        Type.Object(
          { runs: Count('spool files deleted'), bytes: Count('their size') },
          {
            description:
              'earlier runs whose spool files the shim deleted to keep its spool directory within `spool_max_mb` / `spool_max_age_days`, not told to a sidecar yet (absent when none)',
          },
        ),
      ),
      exit_code: Type.Optional(
        Type.Integer({
          minimum: -(2 ** 31),
          maximum: 2 ** 31 - 1,
          description: 'the exit code ansible-playbook passed to `sys.exit`; absent when it exits otherwise',
        }),
      ),
    },
    'Missing when ansible-playbook is killed or the connection was lost: the run ends at EOF either way.',
  ),
};

export const FrameSchema = Type.Union(Object.values(FRAMES));

export type Envelope = Static<typeof Envelope>;
export type Frame = Static<typeof FrameSchema>;
/** Open: a newer shim may forward more keys of the module result. */
export type ResultSubset = Static<typeof ResultSubset> & { [key: string]: unknown };
export type Scope = Static<typeof Scope>;
export type HostStats = Required<Static<typeof HostStats>>;
export type HostStatus = Static<typeof HostStatus>;
