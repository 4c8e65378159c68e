// Slack and webhook sinks from the config (flags, else their variables: root/config.ts); both
// share one delivery helper.
import { Option } from 'commander';
import { HttpDelivery, safeOrigin } from '../sinks/http-delivery.js';
import { SlackSink } from '../sinks/slack.js';
import { DEFAULT_WEBHOOK_EVENTS, parseWebhookEvents, WebhookSink } from '../sinks/webhook.js';
import type { Sink } from '../sinks/sink.js';
import type { Logger } from '../util/log.js';
import type { NotificationFlags, SidecarConfig } from '../root/config.js';
import { outputName } from '../export/ledger/output-marks.js';

export type NotificationOptions = NotificationFlags;

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

/** The configured notification sinks; a bad event list throws before anything starts. */
export function notificationSinks(config: Pick<SidecarConfig, 'notifications' | 'traceUrl'>, log: Logger): Sink[] {
  const sinks: Sink[] = [];
  const warn = (message: string): void => log.warn(message);
  const { slack, webhook } = config.notifications;
  const traceUrl = config.traceUrl;
  if (slack) {
    // The whole Slack webhook URL is the credential: only its host is ever printed.
    const target = `Slack notifications (${safeOrigin(slack.url).replace(/^https?:\/\//, '')})`;
    sinks.push(
      new SlackSink({
        delivery: new HttpDelivery({ url: slack.url, target, warn }),
        channel: slack.channel,
        notifyOnSuccess: slack.notifySuccess,
        traceUrl,
        rollupWindowMs: slack.rollupWindowMs,
        mark: outputName('slack', slack.url),
      }),
    );
  }
  if (webhook) {
    sinks.push(
      new WebhookSink({
        delivery: new HttpDelivery({
          url: webhook.url,
          target: `webhook ${safeOrigin(webhook.url)}`,
          warn,
          headers: webhook.token ? { authorization: `Bearer ${webhook.token}` } : {},
        }),
        events: webhook.events ? parseWebhookEvents(webhook.events) : new Set(DEFAULT_WEBHOOK_EVENTS),
        secret: webhook.secret,
        traceUrl,
        mark: outputName('webhook', webhook.url),
      }),
    );
  }
  return sinks;
}
