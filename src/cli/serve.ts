import { prepareSocketPath } from '../ingest/socket-path.js';
import { resolveConfig, type SidecarFlags } from '../root/config.js';
import { SidecarRoot } from '../root/sidecar-root.js';
import { Logger } from '../util/log.js';
import { notificationSinks, type NotificationOptions } from './notification-sinks.js';
import type { Env } from '../util/environment.js';
import { eventsFileSink } from '../sinks/events-file.js';

export interface ServeOptions extends SidecarFlags, NotificationOptions {
  socket?: string;
  /** --events-file: every run's events as JSON lines, appended here. */
  eventsFile?: string;
}

/** `ansible-otel serve`: long-lived, many concurrent runs; SIGTERM/SIGINT flush and exit 0. */
export async function serveCommand(o: ServeOptions, env: Env): Promise<number> {
  // Before anything is said: whoever reads "listening" may signal at once, and a signal that
  // comes before its handler kills the process without a flush.
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  const log = new Logger();
  const config = resolveConfig({ spoolScanMs: 10_000, ...o }, log, env);
  const socketPath = o.socket ?? config.defaultSocketPath;
  await prepareSocketPath(socketPath);
  const sinks = [...(o.eventsFile ? [eventsFileSink(o.eventsFile)] : []), ...notificationSinks(config, log)];
  const sidecar = new SidecarRoot(config, log, { sinks, socketPath });
  await sidecar.start();
  const ws = sidecar.websocket
    ? ` and ${sidecar.websocket.url} (shims: /frames, watchers: /watch${o.wsToken ? ', token required' : ''}${o.wsTlsClientCa ? ', client certificate required' : ''})`
    : '';
  log.info(
    `listening on ${socketPath}${ws}; spans → ${sidecar.tracing.targets.join(', ') || 'nowhere (exporting disabled)'}; metrics → ${sidecar.metrics!.targets.join(', ') || 'nowhere'}; logs → ${sidecar.logs.targets.join(', ') || 'nowhere'}`,
  );
  await stopped;
  log.info('shutting down: open runs end as interrupted');
  await sidecar.shutdown(config.flushTimeoutMs);
  return 0;
}
