// Slack and webhook sinks from options and environment; both share one delivery helper.
import { Option } from 'commander';
import { HttpDelivery, safeOrigin } from '../sinks/http-delivery.js';
import { SlackSink } from '../sinks/slack.js';
import { DEFAULT_WEBHOOK_EVENTS, parseWebhookEvents, WebhookSink } from '../sinks/webhook.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import { outputName } from '../export/ledger/output-marks.js';

export interface NotificationOptions {
  slackWebhookUrl?: string;
  slackChannel?: string;
  slackNotifySuccess?: boolean;
  slackRollupWindow?: number;
  webhookUrl?: string;
  webhookEvents?: string;
}

/** Options `run` and `serve` share. Tokens and secrets are env-only: a command line is public in `ps`. */
export function notificationOptions(): Option[] {
  return [
    new Option('--slack-webhook-url <url>', 'Slack incoming webhook (env SLACK_WEBHOOK_URL; prefer the env: the URL is a secret)'),
    new Option('--slack-channel <channel>', 'channel for legacy webhooks that allow overriding it (env SLACK_CHANNEL)'),
    new Option('--slack-notify-success', 'also post a summary for playbooks that succeeded (env SLACK_NOTIFY_SUCCESS=true)'),
    new Option('--slack-rollup-window <seconds>', 'after an alert, failures are held this long and sent as one update').argParser(Number).default(10),
    new Option(
      '--webhook-url <url>',
      'POST JSON events here (env ANSIBLE_OTEL_WEBHOOK_URL; bearer token ANSIBLE_OTEL_WEBHOOK_TOKEN, signing secret ANSIBLE_OTEL_WEBHOOK_SECRET)',
    ),
    new Option(
      '--webhook-events <list>',
      `comma-separated event types or "all" (env ANSIBLE_OTEL_WEBHOOK_EVENTS; default ${DEFAULT_WEBHOOK_EVENTS.join(',')})`,
    ),
  ];
}

function isTrue(v: string | undefined): boolean {
  return ['1', 'true', 'yes', 'on'].includes((v ?? '').trim().toLowerCase());
}

/** The configured notification sinks; a bad event list throws before anything starts. */
export function notificationSinks(o: NotificationOptions, env: NodeJS.ProcessEnv, log: Logger): Sink[] {
  const sinks: Sink[] = [];
  const warn = (message: string): void => log.warn(message);
  const traceUrl = env.ANSIBLE_OTEL_TRACE_URL || undefined;
  const slackUrl = o.slackWebhookUrl ?? env.SLACK_WEBHOOK_URL;
  if (slackUrl) {
    // The whole Slack webhook URL is the credential: only its host is ever printed.
    const target = `Slack notifications (${safeOrigin(slackUrl).replace(/^https?:\/\//, '')})`;
    sinks.push(
      new SlackSink({
        delivery: new HttpDelivery({ url: slackUrl, target, warn }),
        channel: o.slackChannel ?? env.SLACK_CHANNEL,
        notifyOnSuccess: o.slackNotifySuccess ?? isTrue(env.SLACK_NOTIFY_SUCCESS),
        traceUrl,
        rollupWindowMs: (o.slackRollupWindow ?? 10) * 1000,
        mark: outputName('slack', slackUrl),
      }),
    );
  }
  const webhookUrl = o.webhookUrl ?? env.ANSIBLE_OTEL_WEBHOOK_URL;
  if (webhookUrl) {
    const token = env.ANSIBLE_OTEL_WEBHOOK_TOKEN;
    const list = o.webhookEvents ?? env.ANSIBLE_OTEL_WEBHOOK_EVENTS;
    sinks.push(
      new WebhookSink({
        delivery: new HttpDelivery({
          url: webhookUrl,
          target: `webhook ${safeOrigin(webhookUrl)}`,
          warn,
          headers: token ? { authorization: `Bearer ${token}` } : {},
        }),
        events: list ? parseWebhookEvents(list) : new Set(DEFAULT_WEBHOOK_EVENTS),
        secret: env.ANSIBLE_OTEL_WEBHOOK_SECRET || undefined,
        traceUrl,
        mark: outputName('webhook', webhookUrl),
      }),
    );
  }
  return sinks;
}
