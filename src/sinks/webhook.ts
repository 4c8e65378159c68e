// Generic webhook: one JSON POST per selected event, optionally signed with HMAC-SHA256 so the
// receiver can tell the body came from us and was not changed (docs/outputs.md shows how to verify).
import { createHmac, randomUUID } from 'node:crypto';
import type { HostResultEvent, PlayStartEvent, PlaybookEndEvent, PlaybookStartEvent, RunRef, TaskStartEvent } from '../model/run-observer.js';
import { traceLink } from '../model/trace-url.js';
import type { Delivery } from './http-delivery.js';
import type { Sink } from './sink.js';

export const WEBHOOK_EVENTS = [
  'playbook_started',
  'play_started',
  'task_started',
  'host_result',
  'host_failed',
  'host_unreachable',
  'playbook_completed',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
/** Not every host result by default: 20,000 of them would be 20,000 requests. */
export const DEFAULT_WEBHOOK_EVENTS: WebhookEvent[] = ['playbook_started', 'host_failed', 'host_unreachable', 'playbook_completed'];

export const SIGNATURE_HEADER = 'x-ansible-otel-signature';

export interface WebhookOptions {
  delivery: Delivery;
  events: ReadonlySet<WebhookEvent>;
  /** Shared secret: adds `X-Ansible-Otel-Signature: sha256=<hex HMAC of the body>`. */
  secret?: string | undefined;
  traceUrl?: string | undefined;
  /** Its name in the output marks (output-marks.ts), so a replayed run's events are not posted again. */
  mark?: string;
}

/** `a,b` or `all` → the event set; unknown names are an error the CLI reports before starting. */
export function parseWebhookEvents(list: string): Set<WebhookEvent> {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.includes('all')) return new Set(WEBHOOK_EVENTS);
  const unknown = names.filter((n) => !(WEBHOOK_EVENTS as readonly string[]).includes(n));
  if (unknown.length) throw new Error(`unknown webhook event type ${unknown.join(', ')} (known: ${WEBHOOK_EVENTS.join(', ')}, all)`);
  return new Set(names as WebhookEvent[]);
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export class WebhookSink implements Sink {
  readonly name = 'webhook';
  readonly mark: string | undefined;

  constructor(private readonly o: WebhookOptions) {
    this.mark = o.mark;
  }

  /** Every event posted so far is delivered (or given up). */
  taken(): Promise<void> {
    return this.o.delivery.settled();
  }

  playbookStart(e: PlaybookStartEvent): void {
    this.post('playbook_started', e, e.startNs, { ansible_version: e.ansibleVersion, check_mode: e.check, controller: e.controller, user: e.user });
  }

  playStart(e: PlayStartEvent): void {
    this.post('play_started', e, e.startNs, { play: e.play, play_uuid: e.playUuid, batch: e.batch });
  }

  taskStart(e: TaskStartEvent): void {
    this.post('task_started', e, e.startNs, { play: e.play, task: e.task, task_uuid: e.taskUuid, action: e.action, role: e.role, handler: e.handler });
  }

  hostResult(e: HostResultEvent): void {
    const data = {
      play: e.play,
      task: e.task,
      task_uuid: e.taskUuid,
      module: e.module,
      role: e.role,
      host: e.host,
      status: e.status,
      changed: e.status === 'changed',
      message: e.message,
      rc: e.rc,
      duration_ms: Math.round((e.endNs - e.startNs) / 1e6),
      span_id: e.spanId,
    };
    this.post('host_result', e, e.endNs, data);
    if (e.status === 'failed') this.post('host_failed', e, e.endNs, data);
    if (e.status === 'unreachable') this.post('host_unreachable', e, e.endNs, data);
  }

  playbookEnd(e: PlaybookEndEvent): void {
    this.post('playbook_completed', e, e.endNs, {
      result: e.result,
      interrupted: e.interrupted,
      duration_ms: Math.round((e.endNs - e.startNs) / 1e6),
      total_hosts: Object.keys(e.stats).length,
      failed_hosts: e.failedHosts,
      unreachable_hosts: e.unreachableHosts,
      summary: e.stats,
    });
  }

  async shutdown(deadlineMs: number): Promise<void> {
    await this.o.delivery.shutdown(deadlineMs);
  }

  private post(type: WebhookEvent, ref: RunRef, tsNs: number, data: Record<string, unknown>): void {
    if (!this.o.events.has(type)) return;
    const body = JSON.stringify({
      // Unique per event and kept across retries: receivers can drop duplicates.
      event_id: randomUUID(),
      event_type: type,
      run_id: ref.runId,
      playbook: ref.playbook,
      playbook_path: ref.playbookPath,
      trace_id: ref.traceId,
      trace_url: traceLink(this.o.traceUrl, ref),
      timestamp: new Date(tsNs / 1e6).toISOString(),
      data,
    });
    const headers: Record<string, string> = { 'x-ansible-otel-event': type };
    if (this.o.secret) headers[SIGNATURE_HEADER] = signature(this.o.secret, body);
    this.o.delivery.send({ body, headers });
  }
}
