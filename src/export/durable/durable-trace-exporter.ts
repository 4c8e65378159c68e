import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ISerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { DiskQueue } from './disk-queue.js';
import { DurableOtlpExporter } from './durable-otlp-exporter.js';
import type { OtlpByteSender } from './otlp-byte-sender.js';
import { encoderFor, openSignalQueue, type DurableExporterOptions } from './signal-queue.js';

/** The span exporter the SDK's BatchSpanProcessor talks to. */
export class DurableSpanExporter extends DurableOtlpExporter<ReadableSpan[]> implements SpanExporter {
  constructor(
    serializer: ISerializer<ReadableSpan[], unknown>,
    sender: OtlpByteSender,
    queue: DiskQueue,
    onProblem: (message: string) => void,
    encode?: (spans: ReadableSpan[]) => Promise<Uint8Array>,
  ) {
    super(serializer, sender, queue, onProblem, (spans) => spans.length, encode);
  }
}

/** An OTLP span exporter (HTTP or gRPC) with a disk queue of its own. */
export function durableTraceExporter(o: DurableExporterOptions): DurableSpanExporter {
  const { queue, serializer, sender, onProblem } = openSignalQueue({
    ...o,
    signal: 'traces',
    serializers: { json: JsonTraceSerializer, protobuf: ProtobufTraceSerializer },
  });
  const encoder = encoderFor(o);
  return new DurableSpanExporter(serializer, sender, queue, onProblem, encoder && ((spans) => encoder.encodeSpans(spans)));
}
