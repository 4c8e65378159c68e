import { JsonLogsSerializer, ProtobufLogsSerializer, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { DiskQueue } from './disk-queue.js';
import { DurableOtlpExporter } from './durable-otlp-exporter.js';
import type { OtlpByteSender } from './otlp-byte-sender.js';
import { encoderFor, openSignalQueue, type DurableExporterOptions } from './signal-queue.js';

/** The log record exporter the SDK's BatchLogRecordProcessor talks to: the traces' disk queue mechanism. */
export class DurableLogExporter extends DurableOtlpExporter<ReadableLogRecord[]> implements LogRecordExporter {
  constructor(
    serializer: ISerializer<ReadableLogRecord[], unknown>,
    sender: OtlpByteSender,
    queue: DiskQueue,
    onProblem: (message: string) => void,
    encode?: (records: ReadableLogRecord[]) => Promise<Uint8Array>,
  ) {
    super(serializer, sender, queue, onProblem, (records) => records.length, encode);
  }
}

export function durableLogExporter(o: DurableExporterOptions): DurableLogExporter {
  const { queue, serializer, sender, onProblem } = openSignalQueue({
    ...o,
    signal: 'logs',
    serializers: { json: JsonLogsSerializer, protobuf: ProtobufLogsSerializer },
  });
  const encoder = encoderFor(o);
  return new DurableLogExporter(serializer, sender, queue, onProblem, encoder && ((records) => encoder.encodeLogs(records)));
}
