// A TraceWriter that only names spans: the ids a live run's spans got (keyed-id-generator.ts),
// so a frames recording read for `compare` links to the spans its run exported.
import { keyedSpanId, keyedTraceId } from '../export/keyed-id-generator.js';
import type { StartSpanOptions, TraceWriter } from '../model/trace-writer.js';

interface Named {
  traceId: string;
  spanId: string;
}

export class KeyedIdWriter implements TraceWriter<Named> {
  startSpan(o: StartSpanOptions<Named>): Named {
    const parent = o.parent as Named | undefined;
    // a root under TRACEPARENT is in its parent's trace (version-traceid-spanid-flags)
    const remote = o.remoteParent?.traceparent.split('-')[1];
    return { traceId: parent?.traceId ?? remote ?? keyedTraceId(o.key), spanId: keyedSpanId(o.key) };
  }
  setAttributes(): void {}
  addEvent(): void {}
  endSpan(): void {}
  traceId(span: Named): string {
    return span.traceId;
  }
  spanId(span: Named): string {
    return span.spanId;
  }
}
