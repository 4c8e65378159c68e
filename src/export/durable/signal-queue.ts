import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import { stripUrlCredentials } from '../../util/redact.js';
import { defaultStateDir, stateDirFrom } from '../../util/state-dir.js';
import type { Logger } from '../../util/log.js';
import type { Env } from '../../util/environment.js';
import { DiskQueue } from './disk-queue.js';
import { OtlpByteSender } from './otlp-byte-sender.js';
import type { OtlpProtocol, Signal } from '../otel-env.js';

/** Default cap of one queue: an outage of a busy controller fits, a full disk does not happen. */
export const DEFAULT_QUEUE_MAX_BYTES = 256 * 1024 * 1024;

/** $XDG_STATE_HOME/ansible-otel/queue, else ~/.local/state/ansible-otel/queue. */
export const defaultQueueDir = (env: Env): string => defaultStateDir('queue', env);

/** The queue root from --queue-dir (or its ANSIBLE_OTEL_QUEUE_DIR); "off" disables the disk queue. */
export const queueDirFrom = (option: string | undefined, env: Env): string | undefined => stateDirFrom(option, 'queue', env);

export interface SignalQueueOptions<T> {
  signal: Signal;
  url: string;
  protocol: OtlpProtocol;
  queueRoot: string;
  log: Logger;
  serializers: { json: ISerializer<T, unknown>; protobuf: ISerializer<T, unknown> };
}

/**
 * What a durable exporter of one signal needs: its queue (one per signal, endpoint and protocol,
 * so batches meant for one backend never go to another), serializer, sender, and the say-once
 * problem report. Says so when an earlier sidecar left batches behind.
 */
export function openSignalQueue<T>(o: SignalQueueOptions<T>) {
  const json = o.protocol === 'http/json';
  const id = createHash('sha256').update(`${o.protocol} ${o.url}`).digest('hex').slice(0, 12);
  const queue = new DiskQueue(join(o.queueRoot, `${o.signal}-${id}`), DEFAULT_QUEUE_MAX_BYTES);
  const serializer = json ? o.serializers.json : o.serializers.protobuf;
  const sender = new OtlpByteSender(o.signal, o.protocol, o.url, serializer);
  const where = stripUrlCredentials(o.url);
  const items = { traces: 'spans', metrics: 'metric data points', logs: 'log records' }[o.signal];
  if (queue.length > 0) o.log.info(`${queue.items} ${items} left by an earlier sidecar in ${queue.dir}: sending them to ${where}`);
  const onProblem = (message: string): void => o.log.once(`durable:${queue.dir}`, `exporting ${o.signal} to ${where}: ${message}`);
  return { queue, serializer, sender, onProblem };
}
