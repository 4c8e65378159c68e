import type { Frame } from '../protocol/frames.js';
import type { Logger } from '../util/log.js';
import type { SidecarConfig, SidecarFlags } from './config.js';
import { SidecarRoot } from './sidecar-root.js';

/** The flags of the commands that turn stored frames into telemetry (replay, import). */
export type FrameExportFlags = Pick<
  SidecarFlags,
  'tracesFile' | 'logsFile' | 'logTaskOutput' | 'flushTimeout' | 'queueDir' | 'ledgerDir' | 'prometheusTextfile' | 'metricsHostAttribute' | 'metricsRunEntity'
> & {
  /** Send again what the ledger and the marks say was sent (on purpose: to a backend that lost it). */
  force?: boolean;
};

/**
 * Frames (of one or several runs, told apart by run id) through the composition root, then every
 * run ended (a run without its final frames as interrupted) and flushed within the flush timeout.
 * With `metrics`, the run's metrics go out too, as from a live sidecar. The ledger and the marks
 * keep back what was sent before (a second replay of a file sends nothing), unless `force`.
 * Returns the number of runs, and whether every span and log record was delivered (or queued
 * on disk for later).
 */
export async function exportFrames(
  frames: AsyncIterable<Frame> | Iterable<Frame>,
  config: SidecarConfig,
  log: Logger,
  metrics = false,
  force = false,
): Promise<{ runs: number; delivered: boolean }> {
  const root = new SidecarRoot(config, log, { metrics, force });
  await root.start();
  let runs: number;
  try {
    runs = await root.feed(frames);
  } catch (err) {
    await root.shutdown(config.flushTimeoutMs); // what was fed still goes out, and the report says so
    throw err;
  }
  return { runs, delivered: await root.shutdown(config.flushTimeoutMs) };
}
