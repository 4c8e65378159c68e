import { JsonLogsSerializer, ProtobufLogsSerializer, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { Logger } from '../../util/log.js';
import type { OtlpProtocol } from '../otel-env.js';
import type { DiskQueue } from './disk-queue.js';
import { DurableOtlpExporter } from './durable-otlp-exporter.js';
import type { OtlpByteSender } from './otlp-byte-sender.js';
import { openSignalQueue } from './signal-queue.js';

/** The log record exporter the SDK's BatchLogRecordProcessor talks to: the traces' disk queue mechanism. */
export class DurableLogExporter extends DurableOtlpExporter<ReadableLogRecord[]> implements LogRecordExporter {
  constructor(serializer: ISerializer<ReadableLogRecord[], unknown>, sender: OtlpByteSender, queue: DiskQueue, onProblem: (message: string) => void) {
    super(serializer, sender, queue, onProblem, (records) => records.length);
  }
}

export function durableLogExporter(o: { url: string; protocol: OtlpProtocol; queueRoot: string; log: Logger }): DurableLogExporter {
  const { queue, serializer, sender, onProblem } = openSignalQueue({
    ...o,
    signal: 'logs',
    serializers: { json: JsonLogsSerializer, protobuf: ProtobufLogsSerializer },
  });
  return new DurableLogExporter(serializer, sender, queue, onProblem);
}
