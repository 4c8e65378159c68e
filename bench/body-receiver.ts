// A loopback OTLP/HTTP receiver that keeps every trace request body as it arrived (compressed or
// not), for measuring sizes. In process: nothing here is timed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface KeptRequest {
  body: Buffer;
  encoding: string | undefined;
}

export class BodyReceiver {
  readonly traces: KeptRequest[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces') this.traces.push({ body: Buffer.concat(chunks), encoding: req.headers['content-encoding'] });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}
