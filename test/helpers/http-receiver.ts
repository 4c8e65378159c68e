// A loopback HTTP endpoint standing in for Slack or a webhook receiver: keeps every request,
// answers with the queued status codes first (to test retries), then 200.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapturedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** What the receiver answered. */
  status: number;
}

export class HttpReceiver {
  readonly requests: CapturedRequest[] = [];
  failNext: number[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        const status = this.failNext.shift() ?? 200;
        this.requests.push({ path: req.url ?? '', headers: req.headers, body, status });
        res.writeHead(status).end(status === 200 ? 'ok' : 'no');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Bodies of the requests answered 200, parsed. */
  delivered(): any[] {
    return this.requests.filter((r) => r.status === 200).map((r) => JSON.parse(r.body));
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
