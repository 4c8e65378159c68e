import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { isLoopback, sameSecret } from '../util/bearer.js';
import type { Component } from '../util/lifecycle.js';
import { withinDeadline } from '../util/deadline.js';

/**
 * The Prometheus scrape endpoint, served by us around the exporter's request handler so it can
 * ask for a bearer token: loopback needs none, any other address refuses to start without one.
 */
export class ScrapeEndpoint implements Component {
  readonly name = 'Prometheus scrape endpoint';
  private server: Server | undefined;

  constructor(
    private readonly exporter: PrometheusExporter,
    readonly host: string,
    readonly port: number,
    private readonly token: string | undefined,
  ) {}

  /** Where to scrape, for the summary: with the port bound once started (`--prometheus-port 0`: any free one). */
  get target(): string {
    const address = this.server?.address();
    const port = address && typeof address === 'object' ? address.port : this.port;
    return `http://${this.host.includes(':') ? `[${this.host}]` : this.host}:${port}/metrics (Prometheus scrape)`;
  }

  async start(): Promise<void> {
    if (!this.token && !isLoopback(this.host)) {
      throw new Error(
        `${this.host} is reachable from other machines: give the endpoint a token (--prometheus-token or ANSIBLE_OTEL_PROMETHEUS_TOKEN) and put it in the scrape config's authorization`,
      );
    }
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.port, this.host, () => resolve());
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    if (this.token && !sameSecret(req.headers.authorization ?? '', `Bearer ${this.token}`)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end('token required\n');
      return;
    }
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('not found: GET /metrics\n');
      return;
    }
    this.exporter.getMetricsRequestHandler(req, res);
  }

  /** Stops listening; a scraper still connected at the deadline is cut. */
  async shutdown(deadlineMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    if (!(await withinDeadline(closed, deadlineMs))) server.closeAllConnections();
    await closed;
  }
}
