// Section 6: bytes per span of the sidecar's real OTLP output. Recorded and generated frame
// streams are replayed by `ansible-otel replay` into a loopback receiver that keeps the request
// bodies, once as plain http/protobuf and once gzip-compressed (OTEL_EXPORTER_OTLP_COMPRESSION).
// Sizes by kind of span come from the spans as encoded in those bodies; the size of a fleet
// trace is computed from them (docs/scale.md compares it with backend limits).
//
//   node dist/bench/trace-size.js [HOSTS TASKS]     (prints the result as JSON)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { BodyReceiver, type KeptRequest } from './body-receiver.js';
import { benchEnv } from './env.js';
import { frameChunks, streamShape, type StreamSize } from './frame-stream.js';
import { countSpans, encodedSpans, type EncodedSpan } from './otlp-wire.js';
import { CLI, ROOT } from './sidecar-process.js';

const run = promisify(execFile);

/** Host spans carry the host's name; task spans the task's uuid only; the rest: playbook, play, includes, roles. */
export type SpanKind = 'host' | 'task' | 'other';
const kindOf = (s: EncodedSpan): SpanKind => (s.keys.has('ansible.task.host.name') ? 'host' : s.keys.has('ansible.task.uuid') ? 'task' : 'other');

/** The sidecar's export batch (OTEL_BSP_MAX_EXPORT_BATCH_SIZE default): gzip works on requests of this many spans. */
export const BATCH_SPANS = 512;

export interface KindSize {
  spans: number;
  /** Mean bytes of one span in the request, protobuf (with its framing). */
  protobufPerSpan: number;
  /** Mean bytes of one span after gzip, spans of this kind compressed BATCH_SPANS at a time. */
  gzipPerSpan: number;
}

export interface SourceSize {
  name: string;
  /** What was replayed, for the report. */
  stream: string;
  spans: number;
  requests: number;
  /** Whole requests (resource, scope and framing included) per span: the plain and the gzip run. */
  protobufPerSpan: number;
  gzipPerSpan: number;
  kinds: Record<SpanKind, KindSize>;
}

export interface FleetTrace {
  size: StreamSize;
  spans: number;
  /** The trace as a backend counts it: encoded spans (protobuf), resource and scope once per request. */
  protobufBytes: number;
  /** On the wire with gzip. */
  gzipBytes: number;
}

export interface TraceSizeResult {
  command: string;
  sources: SourceSize[];
  /** From the generated source, whose spans have the shape of a fleet run. */
  fleet: FleetTrace;
}

async function replay(file: string, compression: 'none' | 'gzip', dir: string): Promise<KeptRequest[]> {
  const receiver = new BodyReceiver();
  const url = await receiver.start();
  try {
    // The disk queue stays on (in `dir`): on a loaded machine the exporter's concurrent-export limit
    // sends batches there, to be re-sent; without it they would be lost. A generous flush deadline too.
    const { stderr } = await run(process.execPath, [CLI, 'replay', '--flush-timeout', '600', file], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      env: benchEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
        OTEL_EXPORTER_OTLP_COMPRESSION: compression,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'none',
        ANSIBLE_OTEL_LEDGER_DIR: 'off',
        XDG_STATE_HOME: dir,
      }),
    });
    const wrong = receiver.traces.find((r) => (r.encoding === 'gzip') !== (compression === 'gzip'));
    if (wrong) throw new Error(`replay ${file}: asked for ${compression}, a request came with content-encoding ${wrong.encoding ?? 'none'}`);
    // Sizes of a partial export would be wrong without a sign: every span the replay made must have arrived.
    const made = Number(/(\d+) spans → /.exec(stderr)?.[1]);
    const received = receiver.traces.reduce((n, r) => n + countSpans(r.encoding === 'gzip' ? gunzipSync(r.body) : r.body), 0);
    if (made !== received) throw new Error(`replay ${file} (${compression}): made ${made} spans, ${received} arrived: ${stderr.trim()}`);
    return receiver.traces;
  } finally {
    await receiver.stop();
  }
}

const gzipBytes = (messages: Buffer[]): number => {
  let total = 0;
  for (let i = 0; i < messages.length; i += BATCH_SPANS) total += gzipSync(Buffer.concat(messages.slice(i, i + BATCH_SPANS))).length;
  return total;
};

export async function measureSource(name: string, file: string, stream: string, dir: string): Promise<SourceSize> {
  const plain = await replay(file, 'none', join(dir, 'state-plain'));
  const gzipped = await replay(file, 'gzip', join(dir, 'state-gzip'));
  const spans = plain.flatMap((r) => encodedSpans(r.body));
  const byKind: Record<SpanKind, EncodedSpan[]> = { host: [], task: [], other: [] };
  for (const s of spans) byKind[kindOf(s)].push(s);
  const kinds = {} as Record<SpanKind, KindSize>;
  for (const [kind, list] of Object.entries(byKind) as [SpanKind, EncodedSpan[]][]) {
    const n = Math.max(1, list.length);
    kinds[kind] = {
      spans: list.length,
      protobufPerSpan: list.reduce((total, s) => total + s.framedBytes, 0) / n,
      gzipPerSpan: list.length ? gzipBytes(list.map((s) => s.message)) / n : 0,
    };
  }
  const sum = (rs: KeptRequest[]): number => rs.reduce((n, r) => n + r.body.length, 0);
  return {
    name,
    stream,
    spans: spans.length,
    requests: plain.length,
    protobufPerSpan: sum(plain) / spans.length,
    gzipPerSpan: sum(gzipped) / spans.length,
    kinds,
  };
}

/** A fleet run of `size`, from the per-kind sizes of a generated run of the same shape. */
export function fleetTrace(generated: SourceSize, size: StreamSize): FleetTrace {
  const spans = streamShape(size).spans;
  const host = size.hosts * size.tasks;
  const other = spans - host - size.tasks;
  const k = generated.kinds;
  const spanBytes = host * k.host.protobufPerSpan + size.tasks * k.task.protobufPerSpan + other * k.other.protobufPerSpan;
  // What requests add beyond their spans (resource, scope, framing), spread over the spans.
  const measuredSpanBytes = (Object.values(k) as KindSize[]).reduce((n, x) => n + x.spans * x.protobufPerSpan, 0);
  const overheadPerSpan = generated.protobufPerSpan - measuredSpanBytes / generated.spans;
  return { size, spans, protobufBytes: spanBytes + overheadPerSpan * spans, gzipBytes: generated.gzipPerSpan * spans };
}

export const RECORDED_FIXTURE = 'test/fixtures/features.ndjson';

export async function traceSizes(generatedSize: StreamSize, fleetSize: StreamSize = { hosts: 10_000, tasks: 100 }): Promise<TraceSizeResult> {
  const dir = mkdtempSync(join(tmpdir(), 'otel-bench-size-'));
  try {
    const generatedFile = join(dir, 'generated.ndjson');
    writeFileSync(generatedFile, [...frameChunks(generatedSize)].join(''));
    const recorded = await measureSource(
      'recorded run',
      join(ROOT, RECORDED_FIXTURE),
      `\`${RECORDED_FIXTURE}\` (a real ansible-playbook run: failures, loops, includes, handlers)`,
      dir,
    );
    const generated = await measureSource(
      'generated fleet run',
      generatedFile,
      `generated stream, ${generatedSize.hosts} hosts × ${generatedSize.tasks} tasks (bench/frame-stream.ts)`,
      dir,
    );
    return {
      command: `node ${CLI.replace(`${ROOT}/`, '')} replay --flush-timeout 600 FILE (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf, OTEL_EXPORTER_OTLP_COMPRESSION=none, then gzip)`,
      sources: [recorded, generated],
      fleet: fleetTrace(generated, fleetSize),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const [hosts = 1000, tasks = 100] = process.argv.slice(2).map(Number);
  process.stdout.write(`${JSON.stringify(await traceSizes({ hosts, tasks }), null, 2)}\n`);
}
