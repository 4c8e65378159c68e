// The Slack sink's throttling on lifecycle events, with fake timers: no network, exact counts.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SlackSink } from '../../src/sinks/slack.js';
import type { Delivery, OutgoingRequest } from '../../src/sinks/http-delivery.js';
import type { HostResultEvent, PlaybookEndEvent } from '../../src/model/run-observer.js';

class MemoryDelivery implements Delivery {
  readonly sent: any[] = [];
  send(r: OutgoingRequest): void {
    this.sent.push(JSON.parse(r.body));
  }
  async settled() {}
  async shutdown() {
    return { delivered: this.sent.length, failed: 0, undelivered: 0 };
  }
}

const ref = { runId: 'run-1', pipelineRunId: 'run-1', playbook: 'site.yml', playbookPath: '/p/site.yml', traceId: 'ab'.repeat(16), rootSpanId: 'cd'.repeat(8) };
const failure = (host: string, task = 'Deploy'): HostResultEvent =>
  ({
    ...ref,
    play: 'Web',
    task,
    taskUuid: `uuid-${task}`,
    taskRunId: `uuid-${task}`,
    host,
    status: 'failed',
    startNs: 1e18,
    endNs: 1e18 + 1e9,
    message: `boom on ${host}`,
    items: 0,
    retries: 0,
    spanId: '01'.repeat(8),
    handler: false,
    changed: false,
  }) as HostResultEvent;
const end = (result: 'success' | 'failure', failedHosts: string[] = []): PlaybookEndEvent =>
  ({
    ...ref,
    startNs: 1e18,
    endNs: 1e18 + 75e9,
    result,
    interrupted: false,
    stats: { web1: { ok: 3, changed: 1, failures: failedHosts.length ? 1 : 0 } },
    failedHosts,
    unreachableHosts: [],
    spanId: '02'.repeat(8),
  }) as PlaybookEndEvent;

let delivery: MemoryDelivery;
let sink: SlackSink;
beforeEach(() => {
  vi.useFakeTimers();
  delivery = new MemoryDelivery();
  sink = new SlackSink({ delivery, notifyOnSuccess: false, traceUrl: 'https://jaeger.example/trace/{trace_id}', rollupWindowMs: 10_000, channel: '#ops' });
});
afterEach(() => vi.useRealTimers());

const texts = (): string[] => delivery.sent.map((m) => JSON.stringify(m.attachments[0].blocks));

describe('Slack sink', () => {
  it('sends the first failure at once and rolls 499 more into one update at the end of the window', () => {
    sink.hostResult(failure('web000'));
    expect(delivery.sent).toHaveLength(1);
    expect(delivery.sent[0].text).toBe('site.yml: task failed on web000 (Deploy): boom on web000');
    for (let i = 1; i < 500; i++) sink.hostResult(failure(`web${String(i).padStart(3, '0')}`));
    expect(delivery.sent).toHaveLength(1);
    vi.advanceTimersByTime(10_000);
    expect(delivery.sent).toHaveLength(2);
    expect(delivery.sent[1].text).toBe('site.yml: 499 more host(s) failed');
    expect(texts()[1]).toContain('and 484 more');
    vi.advanceTimersByTime(60_000);
    expect(delivery.sent).toHaveLength(2);
  });

  it('flushes held failures before the final summary, coloured red, with the failed hosts', () => {
    sink.hostResult(failure('web1'));
    sink.hostResult(failure('web2', 'Migrate'));
    sink.playbookEnd(end('failure', ['web1', 'web2']));
    expect(delivery.sent.map((m) => m.text)).toEqual([
      'site.yml: task failed on web1 (Deploy): boom on web1',
      'site.yml: 1 more host(s) failed',
      'site.yml failed (3 ok, 1 changed, 1 failed, 0 unreachable)',
    ]);
    expect(delivery.sent[2].attachments[0].color).toBe('#d92d20');
    expect(texts()[2]).toContain('*Failed hosts* (2): `web1`, `web2`');
    expect(texts()[2]).toContain('1m 15s');
  });

  it('puts the trace link and the channel in every message', () => {
    sink.hostResult(failure('web1'));
    sink.hostResult(failure('web2'));
    sink.playbookEnd(end('failure', ['web1', 'web2']));
    expect(delivery.sent).toHaveLength(3);
    for (const [i, m] of delivery.sent.entries()) {
      expect(m.channel).toBe('#ops');
      expect(texts()[i]).toContain(`<https://jaeger.example/trace/${ref.traceId}|View trace>`);
    }
  });

  it('announces a success only with notify-on-success, in green', async () => {
    sink.playbookEnd(end('success'));
    expect(delivery.sent).toHaveLength(0);
    const chatty = new SlackSink({ delivery, notifyOnSuccess: true });
    chatty.playbookEnd(end('success'));
    expect(delivery.sent[0].attachments[0].color).toBe('#12b76a');
    expect(delivery.sent[0].text).toMatch(/^site.yml succeeded/);
  });

  it('escapes Slack markup in messages', () => {
    sink.hostResult({ ...failure('web1'), message: 'a <b> & c' });
    expect(texts()[0]).toContain('a &lt;b&gt; &amp; c');
  });

  it('sends held failures at shutdown when the playbook never ended', async () => {
    sink.hostResult(failure('web1'));
    sink.hostResult(failure('web2'));
    await sink.shutdown(1000);
    expect(delivery.sent).toHaveLength(2);
  });
});
