import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { stripUrlCredentials } from '../../util/redact.js';
import type { Logger } from '../../util/log.js';
import { DiskQueue } from './disk-queue.js';
import { DurableSpanExporter } from './durable-span-exporter.js';
import { OtlpByteSender } from './otlp-byte-sender.js';

/** Default cap of one queue: an outage of a busy controller fits, a full disk does not happen. */
export const DEFAULT_QUEUE_MAX_BYTES = 256 * 1024 * 1024;

/** $XDG_STATE_HOME/ansible-otel/queue, else ~/.local/state/ansible-otel/queue. */
export function defaultQueueDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'ansible-otel', 'queue');
}

/** The queue root from --queue-dir / ANSIBLE_OTEL_QUEUE_DIR; "off" disables the disk queue. */
export function queueDirFrom(option: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = option ?? env.ANSIBLE_OTEL_QUEUE_DIR;
  if (value === 'off') return undefined;
  return value || defaultQueueDir(env);
}

/**
 * An OTLP/HTTP span exporter with a disk queue of its own: one queue per endpoint and protocol,
 * so batches meant for one backend never go to another.
 */
export function durableTraceExporter(o: { url: string; protocol: 'http/json' | 'http/protobuf'; queueRoot: string; log: Logger }): DurableSpanExporter {
  const json = o.protocol === 'http/json';
  const id = createHash('sha256').update(`${o.protocol} ${o.url}`).digest('hex').slice(0, 12);
  const queue = new DiskQueue(join(o.queueRoot, `traces-${id}`), DEFAULT_QUEUE_MAX_BYTES);
  const serializer = json ? JsonTraceSerializer : ProtobufTraceSerializer;
  const sender = new OtlpByteSender('TRACES', 'v1/traces', json ? 'application/json' : 'application/x-protobuf', serializer);
  if (queue.length > 0) o.log.info(`${queue.items} spans left by an earlier sidecar in ${queue.dir}: sending them to ${stripUrlCredentials(o.url)}`);
  return new DurableSpanExporter(serializer, sender, queue, (message) => o.log.once(`durable:${queue.dir}`, `exporting spans to ${stripUrlCredentials(o.url)}: ${message}`));
}
