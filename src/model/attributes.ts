// Attribute names. Every key OTel semantic conventions define comes from
// @opentelemetry/semantic-conventions, pinned to 1.44.0, the release docs/semantic-conventions.md
// follows (stable keys from its main entry point, CI/CD, VCS and logs keys from /incubating). The
// `ansible.task.*` names are those of community.general.opentelemetry, so existing dashboards keep
// working; the rest of `ansible.*` is ours.
import {
  ATTR_CODE_FILE_PATH,
  ATTR_CODE_LINE_NUMBER,
  ATTR_ERROR_TYPE,
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ERROR_TYPE_VALUE_OTHER,
} from '@opentelemetry/semantic-conventions';
import {
  ATTR_CICD_PIPELINE_ACTION_NAME,
  ATTR_CICD_PIPELINE_NAME,
  ATTR_CICD_PIPELINE_RESULT,
  ATTR_CICD_PIPELINE_RUN_ID,
  ATTR_CICD_PIPELINE_RUN_STATE,
  ATTR_CICD_PIPELINE_RUN_URL_FULL,
  ATTR_CICD_PIPELINE_TASK_NAME,
  ATTR_CICD_PIPELINE_TASK_RUN_ID,
  ATTR_CICD_PIPELINE_TASK_RUN_RESULT,
  ATTR_CICD_PIPELINE_TASK_RUN_URL_FULL,
  ATTR_CICD_PIPELINE_TASK_TYPE,
  ATTR_CICD_WORKER_ID,
  ATTR_CICD_WORKER_NAME,
  ATTR_LOG_IOSTREAM,
  ATTR_LOG_RECORD_UID,
  ATTR_VCS_PROVIDER_NAME,
  ATTR_VCS_REF_HEAD_NAME,
  ATTR_VCS_REF_HEAD_REVISION,
  ATTR_VCS_REF_HEAD_TYPE,
  ATTR_VCS_REF_TYPE,
  ATTR_VCS_REPOSITORY_NAME,
  ATTR_VCS_REPOSITORY_URL_FULL,
  CICD_PIPELINE_ACTION_NAME_VALUE_RUN,
  CICD_PIPELINE_RESULT_VALUE_CANCELLATION,
  CICD_PIPELINE_RESULT_VALUE_ERROR,
  CICD_PIPELINE_RESULT_VALUE_FAILURE,
  CICD_PIPELINE_RESULT_VALUE_SKIP,
  CICD_PIPELINE_RESULT_VALUE_SUCCESS,
  CICD_PIPELINE_RESULT_VALUE_TIMEOUT,
  CICD_PIPELINE_RUN_STATE_VALUE_EXECUTING,
  CICD_PIPELINE_TASK_RUN_RESULT_VALUE_CANCELLATION,
  CICD_PIPELINE_TASK_RUN_RESULT_VALUE_ERROR,
  CICD_PIPELINE_TASK_RUN_RESULT_VALUE_FAILURE,
  CICD_PIPELINE_TASK_RUN_RESULT_VALUE_SKIP,
  CICD_PIPELINE_TASK_RUN_RESULT_VALUE_SUCCESS,
  CICD_PIPELINE_TASK_RUN_RESULT_VALUE_TIMEOUT,
  CICD_PIPELINE_TASK_TYPE_VALUE_DEPLOY,
  CICD_PIPELINE_TASK_TYPE_VALUE_TEST,
  EVENT_EXCEPTION,
  LOG_IOSTREAM_VALUE_STDERR,
  LOG_IOSTREAM_VALUE_STDOUT,
  VCS_PROVIDER_NAME_VALUE_GITHUB,
  VCS_PROVIDER_NAME_VALUE_GITLAB,
  VCS_REF_TYPE_VALUE_BRANCH,
  VCS_REF_TYPE_VALUE_TAG,
} from '@opentelemetry/semantic-conventions/incubating';

/** The semantic conventions release the keys and values below follow: every scope's schema URL. */
export const SEMCONV_VERSION = '1.44.0';
export const SEMCONV_SCHEMA_URL = `https://opentelemetry.io/schemas/${SEMCONV_VERSION}`;

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
  TASK_THROTTLE: 'ansible.task.throttle',
  // where the time went (src/analysis, docs/semantic-conventions.md); durations in seconds
  // (ansible.critical_path is an attribute, so no attribute name goes below it: semconv's naming rule)
  CRITICAL_PATH: 'ansible.critical_path',
  TASK_CP_HOST: 'ansible.task.critical_path.host',
  TASK_CP_FORK_WAIT: 'ansible.task.critical_path.fork_wait',
  TASK_CP_HOST_WORK: 'ansible.task.critical_path.host_work',
  PLAY_CP_HOST: 'ansible.play.critical_path.host',
  RUN_FORKS: 'ansible.run.forks',
  RUN_CPUS: 'ansible.run.cpus',
  RUN_WORKER_CPU: 'ansible.run.worker_cpu',
  RUN_OTHER_CPU: 'ansible.run.other_cpu',
  RUN_CP_HOST_WORK: 'ansible.run.critical_path.host_work',
  RUN_CP_FORK_WAIT: 'ansible.run.critical_path.fork_wait',
  RUN_CP_CONTROLLER: 'ansible.run.critical_path.controller',
  RUN_CP_TOTAL: 'ansible.run.critical_path.total',
  RUN_CP_TOP_TASKS: 'ansible.run.critical_path.top.tasks',
  RUN_CP_TOP_HOSTS: 'ansible.run.critical_path.top.hosts',
  RUN_CP_TOP_SHARES: 'ansible.run.critical_path.top.shares',
  RUN_CP_LIMIT: 'ansible.run.critical_path.limit',
  RUN_CP_LIMIT_SHARE: 'ansible.run.critical_path.limit_share',
  RUN_CP_LIMIT_DETAIL: 'ansible.run.critical_path.limit_detail',
  RUN_CP_FAILURE: 'ansible.run.critical_path.failure',
  RUN_FORK_STARTUP: 'ansible.run.fork_startup',
  RUN_WHAT_IF_FORKS: 'ansible.run.what_if.forks',
  RUN_WHAT_IF_DURATION: 'ansible.run.what_if.duration',
  // what changed since the baseline run (src/analysis/compare.ts, docs/baseline.md)
  /** On a span link: why it links (`baseline`: the same task or playbook in the run compared against). */
  LINK_TYPE: 'ansible.link.type',
  /** The task's slowest host against its baseline's slowest host (its duration as a multiple). */
  TASK_BASELINE_RATIO: 'ansible.task.baseline.ratio',
  /** The task reported `changed` in this run and each of the last runs (3 or more) with the same args. */
  TASK_CHANGES_EVERY_RUN: 'ansible.task.changes_every_run',
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
  /**
   * ansible-playbook's process id and exit code, on the root span. Not `process.*`: on the
   * resource those describe the sidecar's own process (the process detector).
   */
  ANSIBLE_PID: 'ansible.process.pid',
  ANSIBLE_EXIT_CODE: 'ansible.process.exit.code',
  // the CI job around the run, on the resource (export/ci-environment.ts). Not `cicd.pipeline.*`:
  // on spans, metric points and log records those describe the playbook run (docs/semantic-conventions.md).
  CI_PROVIDER_NAME: 'ansible.ci.provider.name',
  CI_PIPELINE_NAME: 'ansible.ci.pipeline.name',
  CI_PIPELINE_RUN_ID: 'ansible.ci.pipeline.run.id',
  CI_PIPELINE_RUN_URL_FULL: 'ansible.ci.pipeline.run.url.full',
  CI_JOB_NAME: 'ansible.ci.job.name',
  CI_JOB_ID: 'ansible.ci.job.id',
  CI_JOB_URL_FULL: 'ansible.ci.job.url.full',
  // OTel semantic conventions
  CODE_FILE_PATH: ATTR_CODE_FILE_PATH,
  CODE_LINE_NUMBER: ATTR_CODE_LINE_NUMBER,
  CICD_PIPELINE_NAME: ATTR_CICD_PIPELINE_NAME,
  CICD_PIPELINE_ACTION_NAME: ATTR_CICD_PIPELINE_ACTION_NAME,
  CICD_PIPELINE_RUN_STATE: ATTR_CICD_PIPELINE_RUN_STATE,
  CICD_PIPELINE_RUN_ID: ATTR_CICD_PIPELINE_RUN_ID,
  CICD_PIPELINE_RUN_URL_FULL: ATTR_CICD_PIPELINE_RUN_URL_FULL,
  CICD_PIPELINE_RESULT: ATTR_CICD_PIPELINE_RESULT,
  CICD_PIPELINE_TASK_NAME: ATTR_CICD_PIPELINE_TASK_NAME,
  CICD_PIPELINE_TASK_RUN_ID: ATTR_CICD_PIPELINE_TASK_RUN_ID,
  CICD_PIPELINE_TASK_RUN_RESULT: ATTR_CICD_PIPELINE_TASK_RUN_RESULT,
  CICD_PIPELINE_TASK_RUN_URL_FULL: ATTR_CICD_PIPELINE_TASK_RUN_URL_FULL,
  CICD_PIPELINE_TASK_TYPE: ATTR_CICD_PIPELINE_TASK_TYPE,
  CICD_WORKER_ID: ATTR_CICD_WORKER_ID,
  CICD_WORKER_NAME: ATTR_CICD_WORKER_NAME,
  VCS_PROVIDER_NAME: ATTR_VCS_PROVIDER_NAME,
  VCS_REPOSITORY_URL_FULL: ATTR_VCS_REPOSITORY_URL_FULL,
  VCS_REPOSITORY_NAME: ATTR_VCS_REPOSITORY_NAME,
  VCS_REF_HEAD_NAME: ATTR_VCS_REF_HEAD_NAME,
  VCS_REF_HEAD_REVISION: ATTR_VCS_REF_HEAD_REVISION,
  VCS_REF_HEAD_TYPE: ATTR_VCS_REF_HEAD_TYPE,
  VCS_REF_TYPE: ATTR_VCS_REF_TYPE,
  ERROR_TYPE: ATTR_ERROR_TYPE,
  // log records (src/model/run-logs.ts)
  /** OTel general logs semconv: which stream of the task the output record holds. */
  LOG_IOSTREAM: ATTR_LOG_IOSTREAM,
  /** OTel general logs semconv: the record's id; records with the same id are duplicates (a replay's). */
  LOG_RECORD_UID: ATTR_LOG_RECORD_UID,
  TASK_STDERR_TAIL: 'ansible.task.stderr.tail',
  DEPRECATION_VERSION: 'ansible.deprecation.version',
  DEPRECATION_DATE: 'ansible.deprecation.date',
  DEPRECATION_COLLECTION: 'ansible.deprecation.collection_name',
  EXCEPTION_TYPE: ATTR_EXCEPTION_TYPE,
  EXCEPTION_MESSAGE: ATTR_EXCEPTION_MESSAGE,
  EXCEPTION_STACKTRACE: ATTR_EXCEPTION_STACKTRACE,
} as const;

/**
 * cicd.pipeline.action.name of every run: a playbook run executes (semconv's well-known RUN; BUILD
 * and SYNC do not apply). The root span is named `{action} {pipeline}`: "RUN site.yml".
 */
export const PIPELINE_ACTION = CICD_PIPELINE_ACTION_NAME_VALUE_RUN;

/** cicd.pipeline.run.state of the metrics: the shim sees a run from its first to its last event. */
export const RUN_STATE_EXECUTING = CICD_PIPELINE_RUN_STATE_VALUE_EXECUTING;

/** cicd.pipeline.result values. */
export const RESULT = {
  SUCCESS: CICD_PIPELINE_RESULT_VALUE_SUCCESS,
  FAILURE: CICD_PIPELINE_RESULT_VALUE_FAILURE,
  ERROR: CICD_PIPELINE_RESULT_VALUE_ERROR,
  TIMEOUT: CICD_PIPELINE_RESULT_VALUE_TIMEOUT,
  CANCELLATION: CICD_PIPELINE_RESULT_VALUE_CANCELLATION,
  SKIP: CICD_PIPELINE_RESULT_VALUE_SKIP,
} as const;

/** cicd.pipeline.task.run.result values. */
export const TASK_RESULT = {
  SUCCESS: CICD_PIPELINE_TASK_RUN_RESULT_VALUE_SUCCESS,
  FAILURE: CICD_PIPELINE_TASK_RUN_RESULT_VALUE_FAILURE,
  ERROR: CICD_PIPELINE_TASK_RUN_RESULT_VALUE_ERROR,
  TIMEOUT: CICD_PIPELINE_TASK_RUN_RESULT_VALUE_TIMEOUT,
  CANCELLATION: CICD_PIPELINE_TASK_RUN_RESULT_VALUE_CANCELLATION,
  SKIP: CICD_PIPELINE_TASK_RUN_RESULT_VALUE_SKIP,
} as const;

/** cicd.pipeline.task.type: a check-mode run only tests what would change; any other run deploys it. */
export const TASK_TYPE = { DEPLOY: CICD_PIPELINE_TASK_TYPE_VALUE_DEPLOY, TEST: CICD_PIPELINE_TASK_TYPE_VALUE_TEST } as const;

export const IOSTREAM = { STDOUT: LOG_IOSTREAM_VALUE_STDOUT, STDERR: LOG_IOSTREAM_VALUE_STDERR } as const;

export const VCS_PROVIDER = { GITHUB: VCS_PROVIDER_NAME_VALUE_GITHUB, GITLAB: VCS_PROVIDER_NAME_VALUE_GITLAB } as const;

export const REF_TYPE = { BRANCH: VCS_REF_TYPE_VALUE_BRANCH, TAG: VCS_REF_TYPE_VALUE_TAG } as const;

/** The span event of an exception (exceptions-spans.md; OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN can move it to logs). */
export const EXCEPTION_EVENT = EVENT_EXCEPTION;

/** error.type's fallback for a failure with no known kind. */
export const ERROR_OTHER = ERROR_TYPE_VALUE_OTHER;

/** Values of cicd.pipeline.result: the package's, so a value the spec does not have does not compile. */
export type CicdResult = (typeof RESULT)[keyof typeof RESULT];
/** Values of cicd.pipeline.task.run.result. */
export type CicdTaskResult = (typeof TASK_RESULT)[keyof typeof TASK_RESULT];

/** ansible.task.host.status values, in the order of the task span's per-status counts. */
export const HOST_SPAN_STATUSES = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'rescued', 'ignored'] as const;
export type HostSpanStatus = (typeof HOST_SPAN_STATUSES)[number];
