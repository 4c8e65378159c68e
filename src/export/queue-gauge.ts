import type { Context } from '@opentelemetry/api';
import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { CountingSpanExporter } from './counting-exporter.js';

/**
 * A span processor (the BatchSpanProcessor) with its backlog visible: spans it took but its
 * exporter has not settled yet (queued or in flight). The SDK does not expose its queue, so the
 * queue is mirrored by its own rule: a sampled span is dropped when the queue holds
 * `maxQueueSize` spans, and a batch leaves the queue when it is handed to the exporter.
 * Dropped spans never reach the exporter; counting them apart keeps the backlog from sticking.
 */
export class QueueGauge implements SpanProcessor {
  private accepted = 0;

  constructor(
    private readonly inner: SpanProcessor,
    private readonly exporter: CountingSpanExporter,
    private readonly maxQueueSize: number,
  ) {}

  /** Queued in the processor or in flight in the exporter. */
  get backlog(): number {
    return this.accepted - this.exporter.settled;
  }

  onStart(span: Span, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    const sampled = (span.spanContext().traceFlags & TraceFlags.SAMPLED) !== 0;
    if (sampled && this.accepted - this.exporter.handed < this.maxQueueSize) this.accepted += 1;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}
