// The one way notifications leave the sidecar: HTTP POST with a timeout, retries with backoff and
// a bounded in-order queue. Slack and the webhook only build bodies; a durable on-disk queue can
// later implement the same `Delivery` interface without either of them changing.

import { backoffMs, type BackoffPolicy } from '../util/backoff.js';
import { withinDeadline } from '../util/deadline.js';

export interface OutgoingRequest {
  body: string;
  headers?: Record<string, string>;
}

export interface DeliveryReport {
  delivered: number;
  failed: number;
  /** Still queued when the deadline came, or refused because the queue was full. */
  undelivered: number;
}

/** What a sink hands its requests to. */
export interface Delivery {
  send(request: OutgoingRequest): void;
  /** Resolves once every request sent so far is delivered or given up (what the output marks wait for). */
  settled(): Promise<void>;
  /** Delivers what is queued within the deadline; what is left is counted, never waited for. */
  shutdown(deadlineMs: number): Promise<DeliveryReport>;
}

export interface HttpDeliveryOptions {
  url: string;
  /** Safe to print: never the URL itself (Slack webhook URLs are secrets in their path). */
  target: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
  /** Attempts after the first. */
  retries?: number;
  /** The waits between attempts; a `Retry-After` answer sets the next one (at most `maxMs`). */
  backoff?: BackoffPolicy;
  maxQueue?: number;
  /** Called at most once per delivery: notification trouble is one warning line, never more. */
  warn: (message: string) => void;
  fetch?: typeof fetch;
}

/** 4 retries after at most 0.5, 1, 2 and 4 s: a notification is worth some seconds, not the run's flush deadline. */
export const DELIVERY_BACKOFF: BackoffPolicy = { firstMs: 500, maxMs: 8_000, jitter: 'equal' };

const DEFAULTS = { timeoutMs: 5_000, retries: 4, backoff: DELIVERY_BACKOFF, maxQueue: 10_000 };

class Permanent extends Error {}

/** `https://user:pw@host:1/path?q` → `https://host:1`: for log lines. */
export function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}

/** fetch refuses `user:pw@` in URLs: they become a Basic authorization header (a given one wins). */
function withoutCredentials(url: string, headers: Record<string, string> = {}): { url: string; headers: Record<string, string> } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { url, headers };
  }
  if (!u.username && !u.password) return { url, headers };
  const basic = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
  u.username = '';
  u.password = '';
  return { url: u.href, headers: { authorization: basic, ...headers } };
}

export class HttpDelivery implements Delivery {
  private readonly o: Required<Omit<HttpDeliveryOptions, 'headers' | 'fetch'>> & Pick<HttpDeliveryOptions, 'headers'>;
  private readonly fetch: typeof fetch;
  private readonly queue: OutgoingRequest[] = [];
  private draining: Promise<void> | undefined;
  private stopped = false;
  private readonly abort = new AbortController();
  private warned = false;
  private readonly report: DeliveryReport = { delivered: 0, failed: 0, undelivered: 0 };
  /** Requests handed over, and those done with (delivered or given up): the queue is in order. */
  private handed = 0;
  private finished = 0;
  private readonly waiters: { upTo: number; resolve: () => void }[] = [];

  constructor(o: HttpDeliveryOptions) {
    this.o = { ...DEFAULTS, ...o, ...withoutCredentials(o.url, o.headers) };
    this.fetch = o.fetch ?? fetch;
  }

  send(request: OutgoingRequest): void {
    if (this.stopped) return;
    if (this.queue.length >= this.o.maxQueue) {
      this.report.undelivered += 1;
      this.warnOnce(`notification queue full (${this.o.maxQueue}); further messages are dropped`);
      return;
    }
    this.handed += 1;
    this.queue.push(request);
    this.draining ??= this.drain().finally(() => (this.draining = undefined));
  }

  settled(): Promise<void> {
    if (this.finished >= this.handed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo: this.handed, resolve }));
  }

  /** `n` more requests are done with: the waiters they complete go. */
  private done(n: number): void {
    this.finished += n;
    while (this.waiters.length && this.waiters[0]!.upTo <= this.finished) this.waiters.shift()!.resolve();
  }

  async shutdown(deadlineMs: number): Promise<DeliveryReport> {
    if (this.draining) await withinDeadline(this.draining, deadlineMs);
    this.stopped = true;
    this.abort.abort(); // an attempt or a backoff sleep still running ends now
    await this.draining;
    this.report.undelivered += this.queue.length;
    if (this.queue.length) this.warnOnce(`${this.queue.length} message(s) not delivered within the ${deadlineMs / 1000} s deadline`);
    // Given up: never delivered by this process. Marked as taken all the same, or the waiters would
    // wait forever; a replay does not send them either (docs/reliability.md names this window).
    this.done(this.queue.length);
    this.queue.length = 0;
    return { ...this.report };
  }

  private async drain(): Promise<void> {
    while (this.queue.length && !this.stopped) {
      const request = this.queue[0] as OutgoingRequest;
      try {
        await this.deliver(request);
        this.report.delivered += 1;
      } catch (error) {
        if (this.stopped) return; // cut by the deadline: counted as undelivered
        this.report.failed += 1;
        this.warnOnce((error as Error).message);
      }
      this.queue.shift();
      this.done(1);
    }
  }

  /** One request, retried on network errors, timeouts, 429 and 5xx; other answers are final. */
  private async deliver(request: OutgoingRequest): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const failed = await this.attempt(request);
      if (failed === undefined) return;
      if (attempt >= this.o.retries) throw new Error(`${failed.problem} after ${attempt + 1} attempts`);
      // the server's own word is not jittered: coming back earlier than it asked is pointless
      const { retryAfterMs } = failed;
      await this.sleep(retryAfterMs === undefined ? backoffMs(this.o.backoff, attempt) : Math.min(this.o.backoff.maxMs, retryAfterMs));
    }
  }

  /**
   * One attempt: undefined once delivered, else what went wrong when another attempt may help;
   * throws when none can (Permanent: a final answer, a request fetch cannot build) or when stopped.
   */
  private async attempt(request: OutgoingRequest): Promise<{ problem: string; retryAfterMs?: number | undefined } | undefined> {
    try {
      const res = await this.fetch(this.o.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'ansible-otel', ...this.o.headers, ...request.headers },
        body: request.body,
        signal: AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined); // free the connection
      if (res.ok) return undefined;
      const problem = `HTTP ${res.status}`;
      if (res.status !== 429 && res.status < 500) throw new Permanent(problem);
      const after = Number(res.headers.get('retry-after'));
      return { problem, retryAfterMs: Number.isFinite(after) && after > 0 ? after * 1000 : undefined };
    } catch (error) {
      if (error instanceof Permanent || this.stopped) throw error;
      const e = error as Error & { cause?: { code?: string } };
      // A TypeError without a cause is a request fetch cannot even build: retrying won't help.
      if (e instanceof TypeError && !e.cause) throw new Permanent(e.message);
      return { problem: e.name === 'TimeoutError' ? `no answer within ${this.o.timeoutMs / 1000} s` : (e.cause?.code ?? e.message) };
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private warnOnce(problem: string): void {
    if (this.warned) return;
    this.warned = true;
    // Never the URL: only the target name, and the problem with any URL in it cut to its origin.
    this.o.warn(
      `${this.o.target}: ${problem.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s'"]+/gi, (u) => safeOrigin(u))} (said once; the playbook and the trace are not affected)`,
    );
  }
}
