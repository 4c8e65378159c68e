// Attribute names. The `ansible.task.*` names are those of community.general.opentelemetry,
// so existing dashboards keep working; the rest follow OTel semantic conventions.

export const ATTR = {
  // community.general.opentelemetry compatible
  TASK_MODULE: 'ansible.task.module',
  TASK_NAME: 'ansible.task.name',
  TASK_MESSAGE: 'ansible.task.message',
  TASK_RESULT: 'ansible.task.result',
  TASK_HOST_NAME: 'ansible.task.host.name',
  TASK_HOST_STATUS: 'ansible.task.host.status',
  TASK_ARGS_NAME: 'ansible.task.args.name',
  TASK_ARGS_VALUE: 'ansible.task.args.value',
  VERSION: 'ansible.version',
  SESSION: 'ansible.session',
  HOST_NAME: 'ansible.host.name',
  HOST_USER: 'ansible.host.user',
  // richer
  TASK_UUID: 'ansible.task.uuid',
  TASK_ACTION: 'ansible.task.action',
  TASK_ROLE: 'ansible.task.role',
  TASK_TAGS: 'ansible.task.tags',
  TASK_HANDLER: 'ansible.task.handler',
  TASK_CHANGED: 'ansible.task.changed',
  TASK_DELEGATED_TO: 'ansible.task.delegated_to',
  TASK_ITEM_LABEL: 'ansible.task.item.label',
  TASK_ITEM_INDEX: 'ansible.task.item.index',
  TASK_SKIP_REASON: 'ansible.task.skip_reason',
  TASK_NO_LOG: 'ansible.task.no_log',
  TASK_ATTEMPTS: 'ansible.task.attempts',
  // a task's facts over all its hosts, host span or not (model/host-spans.ts); durations in seconds
  TASK_HOSTS_PREFIX: 'ansible.task.hosts.',
  TASK_HOSTS_TOTAL: 'ansible.task.hosts.total',
  TASK_HOSTS_DURATION_P50: 'ansible.task.hosts.duration.p50',
  TASK_HOSTS_DURATION_P90: 'ansible.task.hosts.duration.p90',
  TASK_HOSTS_DURATION_MAX: 'ansible.task.hosts.duration.max',
  TASK_HOSTS_SLOWEST_NAME: 'ansible.task.hosts.slowest.name',
  TASK_HOSTS_SLOWEST_DURATION: 'ansible.task.hosts.slowest.duration',
  TASK_HOSTS_SPANS: 'ansible.task.hosts.spans',
  SCOPE_KIND: 'ansible.scope.kind',
  SCOPE_NAME: 'ansible.scope.name',
  SCOPE_VIA: 'ansible.scope.via',
  PLAY_NAME: 'ansible.play.name',
  PLAY_UUID: 'ansible.play.uuid',
  PLAY_HOSTS: 'ansible.play.hosts',
  PLAY_STRATEGY: 'ansible.play.strategy',
  PLAY_BATCHES: 'ansible.play.batches',
  PLAYBOOK_PATH: 'ansible.playbook.path',
  PLAYBOOK_NAME: 'ansible.playbook.name',
  CHECK_MODE: 'ansible.check_mode',
  DIFF_MODE: 'ansible.diff_mode',
  RUN_INTERRUPTED: 'ansible.run.interrupted',
  RUN_GAPS: 'ansible.run.frames_missing',
  /** Why the sidecar gave up on a run: a frame it could not apply (the error message). */
  RUN_FAILURE: 'ansible.run.failure',
  SHIM_DROPPED: 'ansible.shim.frames_dropped',
  STATS_PREFIX: 'ansible.stats.',
  FAILED_HOSTS: 'ansible.stats.failed_hosts',
  UNREACHABLE_HOSTS: 'ansible.stats.unreachable_hosts',
  PROCESS_PID: 'process.pid',
  PROCESS_EXIT_CODE: 'process.exit.code',
  CODE_FILEPATH: 'code.filepath',
  CODE_LINENO: 'code.lineno',
  CODE_FILE_PATH: 'code.file.path',
  CODE_LINE_NUMBER: 'code.line.number',
  // OTel CI/CD semantic conventions (copied: the npm package has them only in its unstable entry point)
  CICD_PIPELINE_NAME: 'cicd.pipeline.name',
  CICD_PIPELINE_ACTION_NAME: 'cicd.pipeline.action.name',
  CICD_PIPELINE_RUN_STATE: 'cicd.pipeline.run.state',
  CICD_PIPELINE_RUN_ID: 'cicd.pipeline.run.id',
  CICD_PIPELINE_RESULT: 'cicd.pipeline.result',
  CICD_PIPELINE_TASK_NAME: 'cicd.pipeline.task.name',
  CICD_PIPELINE_TASK_RUN_ID: 'cicd.pipeline.task.run.id',
  CICD_PIPELINE_TASK_RUN_RESULT: 'cicd.pipeline.task.run.result',
  CICD_PIPELINE_TASK_TYPE: 'cicd.pipeline.task.type',
  ERROR_TYPE: 'error.type',
  // log records (src/model/run-logs.ts)
  /** OTel general logs semconv: which stream of the task the output record holds. */
  LOG_IOSTREAM: 'log.iostream',
  /** OTel general logs semconv: the record's id; records with the same id are duplicates (a replay's). */
  LOG_RECORD_UID: 'log.record.uid',
  TASK_STDERR_TAIL: 'ansible.task.stderr.tail',
  DEPRECATION_VERSION: 'ansible.deprecation.version',
  DEPRECATION_DATE: 'ansible.deprecation.date',
  DEPRECATION_COLLECTION: 'ansible.deprecation.collection_name',
  EXCEPTION_TYPE: 'exception.type',
  EXCEPTION_MESSAGE: 'exception.message',
  EXCEPTION_STACKTRACE: 'exception.stacktrace',
} as const;

/**
 * cicd.pipeline.action.name of every run: a playbook run executes (semconv's well-known RUN; BUILD
 * and SYNC do not apply). The root span is named `{action} {pipeline}`: "RUN site.yml".
 */
export const PIPELINE_ACTION = 'RUN';

/** Values of cicd.pipeline.result / cicd.pipeline.task.run.result. */
export type CicdResult = 'success' | 'failure' | 'error' | 'timeout' | 'cancellation' | 'skip';

/** ansible.task.host.status values. */
export type HostSpanStatus = 'ok' | 'changed' | 'failed' | 'ignored' | 'skipped' | 'unreachable' | 'rescued';
