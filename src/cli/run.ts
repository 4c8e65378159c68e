import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { shimEnvironment } from './ansible-env.js';
import { resolveConfig, type SidecarFlags } from '../root/config.js';
import { SidecarRoot } from '../root/sidecar-root.js';
import { commandRunFrames } from '../root/command-run.js';
import { ansibleConsole, consoleSinks, type ConsoleOutputOptions } from './console-outputs.js';
import { Logger } from '../util/log.js';
import { notificationSinks, type NotificationOptions } from './notification-sinks.js';
import { runReportSinks } from './report.js';
import type { Env } from '../util/environment.js';

export interface RunOptions extends SidecarFlags, ConsoleOutputOptions, NotificationOptions {
  /** --report: the HTML report of the run, written when it ends. */
  report?: string;
  quiet: boolean;
}

/** After the command exits, how long its connection may take to deliver the last frames. */
const LAST_FRAMES_GRACE_MS = 3_000;

/** `ansible-otel run -- cmd…`: a private sidecar around one command; exits with its exit code. */
export async function runCommand(command: string[], o: RunOptions, env: Env): Promise<number> {
  const log = new Logger(undefined, o.quiet);
  const config = resolveConfig(o, log, env);
  const sinks = [...consoleSinks(o, config), ...notificationSinks(config, log), ...runReportSinks(o.report, config.traceUrl, log)];
  const ansibleOut = ansibleConsole(o);
  const dir = mkdtempSync(join(tmpdir(), 'ansible-otel-')); // 0700
  const socketPath = join(dir, 'sidecar.sock');
  const sidecar = new SidecarRoot(config, log, { sinks, socketPath });
  try {
    await sidecar.start();
    const startNs = Date.now() * 1e6;
    const exitCode = await spawnForwardingSignals(
      command,
      // The environment main read, for the command as for us. --host-spans speaks for this run:
      // the shim would send ANSIBLE_OTEL_HOST_SPANS, which wins.
      { ...config.env, ...shimEnvironment(config.env, socketPath), ...ansibleOut.env, ...(o.hostSpans ? { ANSIBLE_OTEL_HOST_SPANS: config.hostSpans } : {}) },
      log,
      ansibleOut.stdout,
    );
    const endNs = Date.now() * 1e6;
    await sidecar.server!.waitIdle(LAST_FRAMES_GRACE_MS);
    const reported = sidecar.runsEnded > 0;
    // Nothing reported and the command failed: it stopped before ansible loaded its callbacks (a
    // playbook that does not parse). Its trace is the command itself, with the exit code's result.
    if (!reported && exitCode !== 0) await sidecar.feed(commandRunFrames(command, exitCode, startNs, endNs, randomUUID().replaceAll('-', '')));
    await sidecar.shutdown(config.flushTimeoutMs);
    if (!reported && exitCode !== 0) log.warn(`${command[0]} exited ${exitCode} before ansible reported a playbook: its trace holds the command alone`);
    else if (!reported) log.warn(`no ansible run reported to the sidecar (was ${command[0]} an ansible-playbook or ansible command?)`);
    return exitCode;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function spawnForwardingSignals(command: string[], env: Env, log: Logger, stdout: 'inherit' | number = 'inherit'): Promise<number> {
  const [file, ...args] = command as [string, ...string[]];
  return new Promise((resolve) => {
    const child = spawn(file, args, { env, stdio: ['inherit', stdout, 'inherit'] });
    const forward = (signal: NodeJS.Signals): void => {
      // Ctrl-C on a terminal already reached the whole foreground process group, ansible
      // included: a second SIGINT would cut its cleanup short.
      if (signal === 'SIGINT' && process.stdin.isTTY) return;
      child.kill(signal);
    };
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, forward);
    const done = (code: number): void => {
      for (const s of signals) process.off(s, forward);
      resolve(code);
    };
    child.once('error', (err: NodeJS.ErrnoException) => {
      log.error(`cannot run ${file}: ${err.code === 'ENOENT' ? 'command not found' : err.message}`);
      done(err.code === 'ENOENT' ? 127 : 126);
    });
    child.once('exit', (code, signal) => done(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0)));
  });
}
