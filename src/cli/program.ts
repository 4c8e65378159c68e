// The command line: every command, its options and its environment variables (commander). Started
// by main.cts, after the thread pool is sized, with the environment it read: every command gets
// that object and resolves its config from it (root/config.ts); nothing here reads the process's.
// Commander applies a flag's `.env()` twin itself, from the same environment of the process.
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { runCommand } from './run.js';
import { CONSOLE_FORMATS } from './console-outputs.js';
import { serveCommand } from './serve.js';
import { envCommand } from './env.js';
import { replayCommand } from './replay.js';
import { importCommand } from './import.js';
import { metricsOptions, prometheusEndpointOptions } from './metrics-options.js';
import { notificationOptions } from './notification-sinks.js';
import { TOKEN_ENV, websocketOptions } from './websocket-options.js';
import { watchCommand } from './watch.js';
import { reportCommand } from './report.js';
import { SocketPathError } from '../ingest/socket-path.js';
import { forkCounts, nonNegative, positive } from './option-parsers.js';
import { COMPARE_FORMATS, compareCommand } from './compare.js';
import { DEFAULT_THRESHOLDS, REGRESSION_KINDS } from '../analysis/compare.js';
import { LEDGER_RETENTION_DAYS } from '../export/ledger/ledger-dir.js';
import type { Env } from '../util/environment.js';
import { Logger } from '../util/log.js';

/** The environment main.cts read, handed to every command (set once, by main). */
let env: Env = {};

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const flushTimeout = (): Option => new Option('--flush-timeout <seconds>', 'deadline for exporting the last spans').argParser(positive).default(10);
const maxFrameBytes = (): Option => new Option('--max-frame-bytes <bytes>', 'refuse frames larger than this').argParser(positive).default(1024 * 1024);
const queueDir = (): Option =>
  new Option(
    '--queue-dir <dir>',
    'disk queue for OTLP batches the backend does not take ("off" disables; default $XDG_STATE_HOME/ansible-otel/queue, else ~/.local/state/ansible-otel/queue)',
  ).env('ANSIBLE_OTEL_QUEUE_DIR');
const ledgerDir = (): Option =>
  new Option(
    '--ledger-dir <dir>',
    'delivery ledger: what each destination took, so a replay after a crash sends no span or log record twice ("off" disables; default: ledger/ in the queue dir)',
  ).env('ANSIBLE_OTEL_LEDGER_DIR');
const eventsFile = (): Option =>
  new Option('--events-file <path>', 'append every event as a JSON line (the --format json schema) to this file').env('ANSIBLE_OTEL_EVENTS_FILE');
const force = (): Option =>
  new Option(
    '--force',
    'send again what the ledger and the output marks say was sent before; without it, a run already sent is skipped and a run partly sent sends only the rest',
  ).default(false);
const ledgerRetention = (): Option =>
  new Option(
    '--ledger-retention <days>',
    'ledger entries and run marks not written for this long are removed; keep it longer than the shims keep spool files (spool_max_age, 7 days by default)',
  )
    .env('ANSIBLE_OTEL_LEDGER_RETENTION')
    .argParser(positive)
    .default(LEDGER_RETENTION_DAYS);
const historyDir = (): Option =>
  new Option(
    '--history-dir <dir>',
    'run history: a compact record of every playbook run, for --baseline and compare ("off" disables; default $XDG_STATE_HOME/ansible-otel/history, else ~/.local/state/ansible-otel/history)',
  ).env('ANSIBLE_OTEL_HISTORY_DIR');
const slowerRatio = (): Option =>
  new Option('--slower-ratio <x>', "against a baseline, a task is slower at this many times its usual duration (its slowest host's)")
    .argParser(positive)
    .default(DEFAULT_THRESHOLDS.slowerRatio);
const slowerBy = (): Option =>
  new Option('--slower-by <seconds>', '…and at least this much longer: shorter changes are noise')
    .argParser(nonNegative)
    .default(DEFAULT_THRESHOLDS.slowerByNs / 1e9);
const recordFrames = (): Option => new Option('--record-frames <path>', 'append every frame received, as NDJSON, to this file');
const tracesFile = (): Option =>
  new Option('--traces-file <path>', 'write spans as OTLP/JSON lines here, in place of ./ansible-otel-traces.jsonl (OTLP still gets them)').env(
    'ANSIBLE_OTEL_TRACES_FILE',
  );
const logsFile = (): Option =>
  new Option('--logs-file <path>', 'write log records as OTLP/JSON lines here, in place of ./ansible-otel-logs.jsonl (OTLP still gets them)').env(
    'ANSIBLE_OTEL_LOGS_FILE',
  );
const hostSpans = (): Option =>
  new Option(
    '--host-spans <mode>',
    'host spans a task gets: all, problems (failed, unreachable, changed, rescued, ignored, the 5 slowest), none, or auto:N (all up to N hosts in the play, problems above) (env ANSIBLE_OTEL_HOST_SPANS; default all)',
  );
const noLogTaskOutput = (): Option =>
  new Option(
    '--no-log-task-output',
    'no log records of task stdout/stderr (env ANSIBLE_OTEL_LOG_TASK_OUTPUT=false); failures, warnings and the summary still go',
  );

export const program = new Command('ansible-otel')
  .description('OpenTelemetry traces for ansible-playbook runs')
  .version(pkg.version)
  .enablePositionalOptions()
  .showHelpAfterError();

program
  .command('run')
  .description('run a command (ansible-playbook …) with a private sidecar; exits with its exit code')
  .argument('<command...>', 'the command, after --')
  .addOption(tracesFile())
  .addOption(flushTimeout())
  .addOption(queueDir())
  .addOption(ledgerDir())
  .addOption(ledgerRetention())
  .addOption(maxFrameBytes())
  .addOption(recordFrames())
  .option('-q, --quiet', 'no end summary (warnings still shown)', false)
  .addOption(
    new Option('--format <format>', "console output: ansible's own (default), or table, json, summary on stdout with ansible's quieted")
      .choices(CONSOLE_FORMATS)
      .default('default')
      .env('ANSIBLE_OTEL_FORMAT'),
  )
  .addOption(eventsFile())
  .option('--report <path>', 'write the HTML report of the run here when it ends')
  .option(
    '--baseline <auto|file>',
    'compare each playbook with a baseline run: auto (the last successful run with the same playbook, inventory, limit, tags and check mode in the run history), or a traces file, frames recording, last, last-success or a trace id',
  )
  .addOption(slowerRatio())
  .addOption(slowerBy())
  .passThroughOptions()
  .action(async (command: string[], o) => {
    // Exit now: an exporter still retrying a dead collector must not hold the command past its deadline.
    process.exit(await runCommand(command, o, env));
  });

program
  .command('serve')
  .description('long-lived sidecar for many concurrent runs; SIGTERM flushes and exits 0')
  .option('--socket <path>', 'Unix socket to listen on (default $XDG_RUNTIME_DIR/ansible-otel/sidecar.sock, else ~/.cache/ansible-otel/sidecar.sock)')
  .addOption(tracesFile())
  .addOption(eventsFile())
  .addOption(flushTimeout())
  .addOption(queueDir())
  .addOption(ledgerDir())
  .addOption(ledgerRetention())
  .addOption(maxFrameBytes())
  .addOption(recordFrames())
  .action(async (o) => {
    process.exitCode = await serveCommand(o, env);
  });

program
  .command('replay')
  .description('turn recorded frame files (--record-frames, shim spool files) into the traces of their runs')
  .argument('<files...>', 'NDJSON frame files')
  .addOption(tracesFile())
  .addOption(flushTimeout())
  .addOption(queueDir())
  .addOption(ledgerDir())
  .addOption(force())
  .action(async (files: string[], o) => {
    process.exit(await replayCommand(files, o, env));
  });

program
  .command('import')
  .description('turn ansible-runner artifacts (private data dir, artifacts/ or artifacts/<ident>/) into the traces and metrics of their runs')
  .argument('<dir>', 'ansible-runner private data dir, its artifacts/ dir, or one artifacts/<ident>/ dir')
  .addOption(tracesFile())
  .addOption(flushTimeout())
  .addOption(queueDir())
  .addOption(ledgerDir())
  .addOption(force())
  .action(async (dir: string, o) => {
    process.exit(await importCommand(dir, o, env));
  });

program
  .command('compare')
  .description('what changed from run BASE to run NEW: slower tasks, new failures, drift, tasks not idempotent; exit 3 when something regressed')
  .argument('<base>', 'a traces file, a frames recording, or a run of the history: last, last-success or a trace id')
  .argument('<new>', 'the same kinds as BASE')
  // `default` as run's --format has it (one flag, one default): here the table
  .addOption(new Option('--format <format>', 'output: default (a table), table, or json').choices(COMPARE_FORMATS).default('default'))
  .option('--report <path>', 'write the HTML report of NEW here, with a baseline column')
  .addOption(historyDir())
  .addOption(slowerRatio())
  .addOption(slowerBy())
  .addOption(
    new Option('--fail-on <kinds>', `what counts as a regression (exit 3), comma-separated: ${REGRESSION_KINDS.join(', ')}`).default(
      DEFAULT_THRESHOLDS.failOn.join(','),
    ),
  )
  .action(async (base: string, next: string, o) => {
    process.exitCode = await compareCommand(base, next, o, env);
  });

program
  .command('watch')
  .description('show the running playbooks of a serve --ws-port: play, task, hosts done / total, failures, elapsed, slowest host')
  .argument('<url>', 'ws:// or wss://HOST:PORT of serve --ws-port (path /watch)')
  .addOption(new Option('--token <token>', 'the token serve asks for').env(TOKEN_ENV))
  .option('--ca <file>', "PEM CA certificates that verify a wss:// sidecar (else the system's, plus NODE_EXTRA_CA_CERTS)")
  .option('--cert <file>', 'PEM client certificate, for a sidecar with --ws-tls-client-ca')
  .option('--key <file>', 'PEM private key of --cert')
  .option('--plain', 'plain lines even on a terminal', false)
  .addOption(new Option('--progress-every <seconds>', 'plain lines: a progress line for a task still running after this long').argParser(positive).default(10))
  .addOption(new Option('--runs <n>', 'exit 0 after this many playbooks ended').argParser(positive))
  .action(async (url: string, o) => {
    process.exit(await watchCommand(url, o, env));
  });

program
  .command('env')
  .description('print the shell exports that point a plain ansible-playbook at a running serve')
  .option(
    '--socket <path>',
    "serve's socket, or ws:// / wss://HOST:PORT of serve --ws-port (set ANSIBLE_OTEL_TOKEN yourself; default $XDG_RUNTIME_DIR/ansible-otel/sidecar.sock, else ~/.cache/ansible-otel/sidecar.sock)",
  )
  .option('--ca <file>', "wss://: PEM CA certificates that verify the sidecar (else the system's)")
  .option('--client-cert <file>', 'wss://: PEM client certificate, for serve --ws-tls-client-ca')
  .option('--client-key <file>', 'wss://: PEM private key of --client-cert')
  .action((o) => {
    process.stdout.write(envCommand(o, env, new Logger()));
  });

program
  .command('report')
  .description('an HTML report (waterfall, failures, slowest tasks, recap) from an OTLP/JSON lines traces file')
  .argument('<traces-file>', 'OTLP/JSON lines, as written by the sidecar or the collector file exporter')
  .requiredOption('-o, --output <path>', 'the HTML file to write')
  .option('--trace <trace-id>', 'report this trace (default: every playbook of the latest run in the file)')
  .option('--forks <n,…>', 'estimate the wall time at these fork counts (default: twice, four times and one per host)', forkCounts)
  .action(async (file: string, o) => {
    process.exitCode = await reportCommand(file, o, env);
  });

// The logs signal's options, for every command that exports.
for (const name of ['run', 'serve', 'replay', 'import'])
  for (const opt of [logsFile(), noLogTaskOutput()]) program.commands.find((c) => c.name() === name)?.addOption(opt);
// The run history (src/history): live runs append to it.
for (const name of ['run', 'serve']) program.commands.find((c) => c.name() === name)?.addOption(historyDir());
// Span volume (src/model/host-spans.ts): every command that builds traces; a run's shim may choose for itself.
for (const name of ['run', 'serve', 'replay', 'import']) program.commands.find((c) => c.name() === name)?.addOption(hostSpans());
// Slack and webhook notifications for run and serve (src/cli/notification-sinks.ts).
for (const name of ['run', 'serve']) for (const opt of notificationOptions()) program.commands.find((c) => c.name() === name)?.addOption(opt);
// Metrics outputs (src/cli/metrics-options.ts), import's too; the scrape endpoint only for the long-lived serve.
for (const name of ['run', 'serve', 'import']) for (const opt of metricsOptions()) program.commands.find((c) => c.name() === name)?.addOption(opt);
for (const opt of prometheusEndpointOptions()) program.commands.find((c) => c.name() === 'serve')?.addOption(opt);
for (const opt of websocketOptions()) program.commands.find((c) => c.name() === 'serve')?.addOption(opt);

/** Parses process.argv and runs the command with `processEnv`: main.cts calls it; tests read `program` without running it. */
export function main(processEnv: Env): void {
  env = processEnv;
  program.parseAsync().catch((err: unknown) => {
    const message = err instanceof SocketPathError || err instanceof Error ? err.message : String(err);
    process.stderr.write(`ansible-otel: error: ${message}\n`);
    process.exitCode = 2;
  });
}
