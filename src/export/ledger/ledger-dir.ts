import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { defaultQueueDir } from '../durable/signal-queue.js';
import type { Env } from '../../util/environment.js';

/**
 * How long ledger files and run marks are kept after their last write, by default: twice the
 * shim's spool_max_age (7 days), so a spool file is gone before what filters its replay is.
 */
export const LEDGER_RETENTION_DAYS = 14;

/**
 * The ledger root from --ledger-dir (or its ANSIBLE_OTEL_LEDGER_DIR); "off" disables it. By
 * default it sits in the disk queue's root (the sidecar's state), so both move together.
 */
export function ledgerDirFrom(option: string | undefined, queueRoot: string | undefined, env: Env): string | undefined {
  if (option === 'off') return undefined;
  return option || join(queueRoot ?? defaultQueueDir(env), 'ledger');
}

/** One directory per signal and destination: what one backend took says nothing about another. */
export function destinationDir(root: string, signal: 'spans' | 'logs', target: string): string {
  return join(root, `${signal}-${createHash('sha256').update(target).digest('hex').slice(0, 12)}`);
}
