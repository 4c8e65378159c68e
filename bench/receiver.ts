// The loopback OTLP/HTTP receiver, run as its own process (node dist/bench/receiver.js MODE) so
// it never shares the event loop of what it measures. It answers every request with 200 and
// keeps only counts ('count' mode), or also when each span arrived and a few of its attributes
// ('pick' mode, for latency). The parent talks to it over the IPC channel.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { countSpans, pickSpans } from './otlp-wire.js';
import { wallMs } from './clock.js';

export type ReceiverMode = 'count' | 'pick';

export const PICK_KEYS = ['ansible.task.host.name', 'ansible.task.uuid'] as const;

export interface ReceiverStats {
  spans: number;
  requests: number;
  bytes: number;
  /** Wall clock (ms since the epoch) of the first and the latest request. */
  firstAtMs: number;
  lastAtMs: number;
}

/** One span seen in 'pick' mode: [host, task uuid, wall clock ms when its request arrived]. */
export type Arrival = [string, string, number];

export type ReceiverMessage = { type: 'ready'; url: string } | { type: 'stats'; stats: ReceiverStats } | { type: 'arrivals'; arrivals: Arrival[] };
export type ReceiverRequest = { type: 'stats' } | { type: 'arrivals' };

function main(mode: ReceiverMode): void {
  const stats: ReceiverStats = { spans: 0, requests: 0, bytes: 0, firstAtMs: 0, lastAtMs: 0 };
  const arrivals: Arrival[] = [];
  const keys = new Set<string>(PICK_KEYS);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = wallMs();
      if (req.url !== '/v1/traces') {
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(); // metrics: not counted
        return;
      }
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      if (mode === 'pick') {
        const spans = pickSpans(body, keys);
        stats.spans += spans.length;
        for (const s of spans) {
          const host = s.attributes[PICK_KEYS[0]];
          const task = s.attributes[PICK_KEYS[1]];
          if (host !== undefined && task !== undefined) arrivals.push([host, task, at]);
        }
      } else {
        stats.spans += countSpans(body);
      }
      stats.requests += 1;
      stats.bytes += raw.length;
      stats.firstAtMs ||= at;
      stats.lastAtMs = at;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ type: 'ready', url: `http://127.0.0.1:${port}` } satisfies ReceiverMessage);
  });
  process.on('message', (m: ReceiverRequest) => {
    if (m.type === 'stats') process.send?.({ type: 'stats', stats } satisfies ReceiverMessage);
    else process.send?.({ type: 'arrivals', arrivals } satisfies ReceiverMessage);
  });
  process.on('disconnect', () => process.exit(0));
}

main(process.argv[2] === 'pick' ? 'pick' : 'count');
