// Slack and the generic webhook on a real playbook failing on 23 local hosts, against loopback
// receivers: one alert and one rolled-up update (not 23), a red summary, signed webhook events
// delivered in order after a 500.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReceiver } from '../helpers/http-receiver.js';
import { cleanEnv, PLAYBOOKS, runCli, tempDir, type CliResult } from '../helpers/sidecar-run.js';

const slack = new HttpReceiver();
const hook = new HttpReceiver();
const SECRET = 'shared-signing-secret';
const TOKEN = 'bearer-token-4711';
const SLACK_PATH = '/services/T000/B000/slackSecretPath';
let r: CliResult;
let traceId: string;

beforeAll(async () => {
  const slackUrl = await slack.start();
  const hookUrl = await hook.start();
  hook.failNext = [500];
  const tmp = tempDir();
  r = await runCli(
    [
      'run',
      '--slack-rollup-window',
      '60',
      '--traces-file',
      join(tmp, 'traces.jsonl'),
      '--',
      'ansible-playbook',
      '-i',
      join(PLAYBOOKS, 'many-hosts.ini'),
      join(PLAYBOOKS, 'many-fail.yml'),
    ],
    cleanEnv({
      OTEL_TRACES_EXPORTER: 'none',
      ANSIBLE_FORKS: '24',
      SLACK_WEBHOOK_URL: slackUrl + SLACK_PATH,
      SLACK_CHANNEL: '#deploys',
      ANSIBLE_OTEL_WEBHOOK_URL: `${hookUrl}/ansible`,
      ANSIBLE_OTEL_WEBHOOK_TOKEN: TOKEN,
      ANSIBLE_OTEL_WEBHOOK_SECRET: SECRET,
      ANSIBLE_OTEL_TRACE_URL: 'http://jaeger.invalid/trace/{trace_id}',
    }),
  );
  traceId = /many-fail\.yml: failure, trace ([0-9a-f]{32})/.exec(r.stderr)?.[1] ?? '';
}, 300_000);
afterAll(async () => {
  await slack.stop();
  await hook.stop();
});

describe('Slack notifications of a playbook failing on 23 hosts', () => {
  it('the run keeps ansible-playbook exit code and names no secret', () => {
    expect(r.code, r.stderr).toBe(2);
    expect(traceId).not.toBe('');
    expect(r.stderr).not.toMatch(/slackSecretPath|bearer-token|shared-signing|warning/);
  });

  it('posts one alert, one rolled-up update and one red summary, in that order', () => {
    expect(slack.requests.map((q) => q.path)).toEqual([SLACK_PATH, SLACK_PATH, SLACK_PATH]);
    const [alert, rollup, summary] = slack.delivered();
    expect(alert.text).toMatch(/^many-fail\.yml: task failed on m\d\d \(Apply the release\): disk full on m\d\d$/);
    expect(rollup.text).toBe('many-fail.yml: 22 more host(s) failed');
    expect(JSON.stringify(rollup.attachments[0].blocks)).toContain('*Apply the release* — 22 hosts');
    expect(summary.text).toMatch(/^many-fail\.yml failed \(\d+ ok, 1 changed, 23 failed, 0 unreachable\)$/);
    expect(summary.attachments[0].color).toBe('#d92d20');
    expect(JSON.stringify(summary.attachments[0].blocks)).toContain('*Failed hosts* (23)');
  });

  it('uses Block Kit, the channel and the trace link in every message', () => {
    for (const m of slack.delivered()) {
      expect(m.channel).toBe('#deploys');
      const blocks = m.attachments[0].blocks;
      expect(blocks[0].type).toBe('header');
      expect(JSON.stringify(blocks)).toContain(`<http://jaeger.invalid/trace/${traceId}|View trace>`);
    }
  });
});

describe('webhook events of the same run', () => {
  it('retries after a 500 and delivers every selected event once, in order', () => {
    expect(hook.requests[0]!.status).toBe(500);
    const events = hook.delivered();
    expect(hook.requests).toHaveLength(events.length + 1);
    expect(hook.requests[1]!.body).toBe(hook.requests[0]!.body); // the same event, retried
    expect(events.map((e) => e.event_type)).toEqual(['playbook_started', ...Array(23).fill('host_failed'), 'playbook_completed']);
    expect(new Set(events.map((e) => e.event_id)).size).toBe(events.length);
  });

  it('carries run id, playbook, trace, timestamp and data', () => {
    const events = hook.delivered();
    const failed = events.find((e) => e.event_type === 'host_failed');
    expect(failed).toMatchObject({
      playbook: 'many-fail.yml',
      trace_id: traceId,
      trace_url: `http://jaeger.invalid/trace/${traceId}`,
      data: { task: 'Apply the release', status: 'failed', play: 'Roll out to the fleet' },
    });
    expect(failed.data.message).toBe(`disk full on ${failed.data.host}`);
    expect(failed.run_id).toMatch(/\S/);
    expect(new Set(events.map((e) => e.run_id)).size).toBe(1);
    expect(Date.parse(failed.timestamp)).toBeGreaterThan(Date.parse(events[0].timestamp) - 1);
    const done = events.at(-1);
    expect(done.data).toMatchObject({ result: 'failure', interrupted: false, total_hosts: 24 });
    expect(done.data.failed_hosts).toHaveLength(23);
  });

  it('signs each body with HMAC-SHA256 and sends the bearer token', () => {
    for (const q of hook.requests) {
      const expected = Buffer.from(`sha256=${createHmac('sha256', SECRET).update(q.body).digest('hex')}`);
      const got = Buffer.from(String(q.headers['x-ansible-otel-signature']));
      expect(got.length === expected.length && timingSafeEqual(got, expected)).toBe(true);
      expect(q.headers.authorization).toBe(`Bearer ${TOKEN}`);
      expect(q.headers['content-type']).toBe('application/json');
      expect(q.headers['x-ansible-otel-event']).toBe(JSON.parse(q.body).event_type);
    }
  });
});

describe('a notification endpoint that is down', () => {
  it('changes nothing for the playbook or the trace and is said once', async () => {
    const down = new HttpReceiver();
    const url = await down.start();
    await down.stop(); // nothing listens there any more
    const tmp = tempDir();
    const res = await runCli(
      [
        'run',
        '--traces-file',
        join(tmp, 'traces.jsonl'),
        '--flush-timeout',
        '3',
        '--',
        'ansible-playbook',
        '-i',
        join(PLAYBOOKS, 'many-hosts.ini'),
        join(PLAYBOOKS, 'many-fail.yml'),
      ],
      cleanEnv({
        OTEL_TRACES_EXPORTER: 'none',
        ANSIBLE_FORKS: '24',
        SLACK_WEBHOOK_URL: `${url}/services/T/B/downSecret`,
        ANSIBLE_OTEL_WEBHOOK_URL: `${url}/hook`,
      }),
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/54 spans → .*traces\.jsonl/);
    const warnings = res.stderr.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(2); // one line per sink: Slack, webhook
    expect(warnings[0]).toMatch(/Slack notifications \(127\.0\.0\.1:\d+\)|webhook http:\/\/127\.0\.0\.1:\d+/);
    expect(res.stderr).not.toContain('downSecret');
  });
});
