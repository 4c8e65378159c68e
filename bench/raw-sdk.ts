// The limit: the OTel SDK alone creating and exporting the spans of a stream of the same size
// (same tree, same attributes, the sidecar's batch settings, the OTLP http/protobuf exporter to
// the same loopback receiver). Run as its own process: node dist/bench/raw-sdk.js URL HOSTS TASKS.
// Creation waits when the batch queue is near full, so no span is dropped.
import { SpanStatusCode, trace, ROOT_CONTEXT, SpanKind, type Span } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { hostName, T0_NS, taskUuid } from './frame-stream.js';
import { wallMs } from './clock.js';

export interface RawSdkDone {
  t0Ms: number;
  createdMs: number;
  spans: number;
}

const BSP = { maxQueueSize: 65_536, scheduledDelayMillis: 1_000, maxExportBatchSize: 512 };

class Counting implements SpanExporter {
  exported = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (r: ExportResult) => void): void {
    this.inner.export(spans, (r) => {
      if (r.code === ExportResultCode.SUCCESS) this.exported += spans.length;
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

const hr = (ns: number): [number, number] => [Math.floor(ns / 1e9), ns % 1e9];

async function main(url: string, hosts: number, tasks: number): Promise<void> {
  const exporter = new Counting(new OTLPTraceExporter({ url: `${url}/v1/traces` }));
  const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter, BSP)] });
  const tracer = provider.getTracer('bench-raw-sdk');
  const names = Array.from({ length: hosts }, (_, i) => hostName(i));
  const t0Ms = wallMs();
  let ended = 0;
  let ts = T0_NS;
  const root = tracer.startSpan('fleet.yml', { kind: SpanKind.SERVER, startTime: hr(ts), attributes: { 'ansible.playbook.name': 'fleet.yml' } });
  const play = tracer.startSpan('Fleet', { startTime: hr(ts), attributes: { 'ansible.play.name': 'Fleet' } }, trace.setSpan(ROOT_CONTEXT, root));
  const playCtx = trace.setSpan(ROOT_CONTEXT, play);
  for (let t = 0; t < tasks; t++) {
    const name = `step ${t}`;
    const uuid = taskUuid(t);
    const task: Span = tracer.startSpan(name, {
      startTime: hr((ts += 1000)),
      attributes: { 'ansible.task.name': name, 'ansible.task.uuid': uuid, 'ansible.task.module': 'ansible.builtin.debug' },
    });
    const taskCtx = trace.setSpan(playCtx, task);
    for (let h = 0; h < hosts; h++) {
      const host = names[h] as string;
      const span = tracer.startSpan(
        host,
        {
          startTime: hr((ts += 1000)),
          attributes: {
            'ansible.task.host.name': host,
            'ansible.task.name': name,
            'ansible.task.uuid': uuid,
            'ansible.task.module': 'ansible.builtin.debug',
            'ansible.task.args.name': ['msg'],
            'ansible.task.args.value': [`step ${t}`],
          },
        },
        taskCtx,
      );
      span.setAttributes({
        'ansible.task.host.status': 'ok',
        'ansible.task.message': `step ${t} on ${host}`,
        'ansible.task.changed': false,
      });
      span.setStatus({ code: SpanStatusCode.UNSET });
      span.end(hr(ts));
      ended += 1;
      while (ended - exporter.exported > BSP.maxQueueSize - 4 * BSP.maxExportBatchSize) await new Promise((r) => setTimeout(r, 1));
    }
    task.end(hr(ts));
    ended += 1;
  }
  play.end(hr(ts));
  root.end(hr(ts));
  const createdMs = wallMs();
  ended += 2;
  // forceFlush would send every queued batch at once, over the exporter's concurrency limit.
  while (exporter.exported < ended) await new Promise((r) => setTimeout(r, 5));
  process.send?.({ t0Ms, createdMs, spans: ended } satisfies RawSdkDone);
  await provider.shutdown();
}

const [url, hosts, tasks] = process.argv.slice(2);
await main(url as string, Number(hosts), Number(tasks));
process.disconnect?.();
