import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpDelivery } from '../../src/sinks/http-delivery.js';
import { HttpReceiver } from '../helpers/http-receiver.js';

let receiver: HttpReceiver;
let url: string;
let warnings: string[];
beforeEach(async () => {
  receiver = new HttpReceiver();
  url = await receiver.start();
  warnings = [];
});
afterEach(() => receiver.stop());

const delivery = (o: Partial<ConstructorParameters<typeof HttpDelivery>[0]> = {}): HttpDelivery =>
  new HttpDelivery({ url: `${url}/hook`, target: 'test hook', backoff: { firstMs: 10, maxMs: 50, jitter: 'equal' }, warn: (m) => warnings.push(m), ...o });

describe('HTTP delivery', () => {
  it('retries a 500, a 503 and a 429, then delivers, in order, without a warning', async () => {
    receiver.failNext = [500, 503, 429];
    const d = delivery();
    d.send({ body: '{"n":1}' });
    d.send({ body: '{"n":2}' });
    const report = await d.shutdown(5_000);
    expect(receiver.requests.map((r) => r.status)).toEqual([500, 503, 429, 200, 200]);
    expect(receiver.delivered()).toEqual([{ n: 1 }, { n: 2 }]);
    expect(report).toEqual({ delivered: 2, failed: 0, undelivered: 0 });
    expect(warnings).toEqual([]);
  });

  it('does not retry a 400 and says so once for many failures', async () => {
    receiver.failNext = [400, 404, 401];
    const d = delivery();
    for (let i = 0; i < 3; i++) d.send({ body: '{}' });
    const report = await d.shutdown(5_000);
    expect(receiver.requests).toHaveLength(3);
    expect(report.failed).toBe(3);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^test hook: HTTP 400/);
  });

  it('retries an unreachable endpoint a bounded number of times, then gives up with one warning', async () => {
    await receiver.stop();
    const d = delivery({ retries: 2 });
    d.send({ body: '{}' });
    const report = await d.shutdown(5_000);
    expect(report.failed).toBe(1);
    expect(warnings).toEqual([expect.stringMatching(/ECONNREFUSED after 3 attempts/)]);
  });

  it('moves URL credentials into an Authorization header and never prints them', async () => {
    receiver.failNext = [403];
    const d = delivery({ url: `${url.replace('http://', 'http://alice:s3cret@')}/hook?token=abc` });
    d.send({ body: '{}' });
    await d.shutdown(5_000);
    expect(receiver.requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cret').toString('base64')}`);
    expect(warnings.join('\n')).not.toMatch(/s3cret|alice|token=abc/);
  });

  it('stops at the shutdown deadline and counts what was not delivered', async () => {
    receiver.failNext = Array(100).fill(503);
    const d = delivery({ backoff: { firstMs: 200, maxMs: 200, jitter: 'equal' }, retries: 100 });
    d.send({ body: '{}' });
    d.send({ body: '{}' });
    const report = await d.shutdown(300);
    expect(report).toEqual({ delivered: 0, failed: 0, undelivered: 2 });
    expect(warnings).toEqual([expect.stringMatching(/2 message\(s\) not delivered within the 0.3 s deadline/)]);
  });
});
