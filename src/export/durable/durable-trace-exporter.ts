import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Logger } from '../../util/log.js';
import type { OtlpProtocol } from '../otel-env.js';
import type { DiskQueue } from './disk-queue.js';
import { DurableOtlpExporter } from './durable-otlp-exporter.js';
import type { OtlpByteSender } from './otlp-byte-sender.js';
import { openSignalQueue } from './signal-queue.js';

/** The span exporter the SDK's BatchSpanProcessor talks to. */
export class DurableSpanExporter extends DurableOtlpExporter<ReadableSpan[]> implements SpanExporter {
  constructor(serializer: ISerializer<ReadableSpan[], unknown>, sender: OtlpByteSender, queue: DiskQueue, onProblem: (message: string) => void) {
    super(serializer, sender, queue, onProblem, (spans) => spans.length);
  }
}

/** An OTLP span exporter (HTTP or gRPC) with a disk queue of its own. */
export function durableTraceExporter(o: { url: string; protocol: OtlpProtocol; queueRoot: string; log: Logger }): DurableSpanExporter {
  const { queue, serializer, sender, onProblem } = openSignalQueue({
    ...o,
    signal: 'traces',
    serializers: { json: JsonTraceSerializer, protobuf: ProtobufTraceSerializer },
  });
  return new DurableSpanExporter(serializer, sender, queue, onProblem);
}
