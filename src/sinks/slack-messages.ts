// Slack Block Kit bodies for the Slack sink: an alert, a rolled-up update, a final summary.
// Blocks sit inside an attachment so the message carries a colour bar (Block Kit alone has none).
import type { PlaybookEndEvent } from '../model/run-observer.js';

export interface Failure {
  host: string;
  task: string;
  status: 'failed' | 'unreachable';
  message?: string | undefined;
}

export interface MessageContext {
  playbook: string;
  runId: string;
  channel?: string | undefined;
  /** The trace link, when ANSIBLE_OTEL_TRACE_URL is configured. */
  traceLink?: string | undefined;
}

const COLOR = { failure: '#d92d20', interrupted: '#f79009', success: '#12b76a' } as const;
type Block = Record<string, unknown>;

/** Slack mrkdwn treats &, < and > as markup. */
function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

const header = (text: string): Block => ({ type: 'header', text: { type: 'plain_text', text: cut(text, 150), emoji: true } });
const section = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: cut(text, 3000) } });
const fields = (pairs: [string, string][]): Block => ({
  type: 'section',
  fields: pairs.slice(0, 10).map(([k, v]) => ({ type: 'mrkdwn', text: cut(`*${k}*\n${v}`, 2000) })),
});

function context(c: MessageContext, extra: string[] = []): Block {
  const parts = [...extra, `run \`${esc(c.runId)}\``];
  if (c.traceLink) parts.push(`<${c.traceLink}|View trace>`);
  return { type: 'context', elements: [{ type: 'mrkdwn', text: parts.join('  ·  ') }] };
}

function payload(c: MessageContext, text: string, color: string, blocks: Block[]): string {
  return JSON.stringify({
    ...(c.channel ? { channel: c.channel } : {}),
    username: 'Ansible',
    icon_emoji: ':robot_face:',
    text: cut(text, 1000), // notifications and clients without Block Kit show this
    attachments: [{ color, blocks }],
  });
}

function hostList(hosts: string[], max: number): string {
  const shown = hosts
    .slice(0, max)
    .map((h) => `\`${esc(h)}\``)
    .join(', ');
  return hosts.length > max ? `${shown} and ${hosts.length - max} more` : shown;
}

/** The first failure of a playbook, sent at once. */
export function alertMessage(c: MessageContext, f: Failure): string {
  const what = f.status === 'unreachable' ? 'Host unreachable' : 'Task failed';
  const blocks = [
    header(`:x: ${what} — ${c.playbook}`),
    fields([
      ['Host', `\`${esc(f.host)}\``],
      ['Task', esc(f.task)],
    ]),
  ];
  if (f.message) blocks.push(section(`\`\`\`${esc(cut(f.message, 1500))}\`\`\``));
  blocks.push(context(c));
  return payload(c, `${c.playbook}: ${what.toLowerCase()} on ${f.host} (${f.task})${f.message ? `: ${f.message}` : ''}`, COLOR.failure, blocks);
}

/** Every failure since the last message, grouped by task: one message however many hosts. */
export function rollupMessage(c: MessageContext, failures: Failure[]): string {
  const byTask = new Map<string, Failure[]>();
  for (const f of failures) {
    const list = byTask.get(f.task);
    if (list) list.push(f);
    else byTask.set(f.task, [f]);
  }
  const hosts = new Set(failures.map((f) => f.host)).size;
  const blocks = [header(`:rotating_light: ${hosts} more host${hosts === 1 ? '' : 's'} failed — ${c.playbook}`)];
  for (const [task, fs] of [...byTask].slice(0, 8)) {
    const first = fs.find((f) => f.message)?.message;
    blocks.push(
      section(
        `*${esc(task)}* — ${fs.length} host${fs.length === 1 ? '' : 's'}: ${hostList(
          fs.map((f) => f.host),
          15,
        )}${first ? `\n> ${esc(cut(first, 300))}` : ''}`,
      ),
    );
  }
  if (byTask.size > 8) blocks.push(section(`and ${byTask.size - 8} more tasks`));
  blocks.push(context(c));
  return payload(c, `${c.playbook}: ${hosts} more host(s) failed`, COLOR.failure, blocks);
}

function duration(ns: number): string {
  const s = Math.max(0, Math.round(ns / 1e9));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h ${m}m ${s % 60}s` : m ? `${m}m ${s % 60}s` : `${s}s`;
}

/** The end of a playbook, coloured by its outcome, with the recap totals. */
export function summaryMessage(c: MessageContext, e: PlaybookEndEvent, controller?: string): string {
  const outcome = e.interrupted ? 'interrupted' : e.result === 'success' ? 'success' : 'failure';
  const title = {
    failure: `:x: ${c.playbook} failed`,
    interrupted: `:warning: ${c.playbook} was interrupted`,
    success: `:white_check_mark: ${c.playbook} succeeded`,
  }[outcome];
  const total = { ok: 0, changed: 0, failures: 0, unreachable: 0, skipped: 0, rescued: 0, ignored: 0 };
  for (const s of Object.values(e.stats)) for (const k of Object.keys(total) as (keyof typeof total)[]) total[k] += Number(s[k] ?? 0);
  const blocks = [
    header(title),
    fields([
      ['Duration', duration(e.endNs - e.startNs)],
      ['Hosts', String(Object.keys(e.stats).length)],
      ['OK', String(total.ok)],
      ['Changed', String(total.changed)],
      ['Failed', String(total.failures)],
      ['Unreachable', String(total.unreachable)],
      ['Skipped', String(total.skipped)],
      ['Rescued / ignored', `${total.rescued} / ${total.ignored}`],
    ]),
  ];
  if (e.failedHosts.length) blocks.push(section(`*Failed hosts* (${e.failedHosts.length}): ${hostList(e.failedHosts, 20)}`));
  if (e.unreachableHosts.length) blocks.push(section(`*Unreachable hosts* (${e.unreachableHosts.length}): ${hostList(e.unreachableHosts, 20)}`));
  blocks.push(context(c, controller ? [`on \`${esc(controller)}\``] : []));
  const counts = `${total.ok} ok, ${total.changed} changed, ${total.failures} failed, ${total.unreachable} unreachable`;
  return payload(c, `${title.replace(/^:[a-z_]+: /, '')} (${counts})`, COLOR[outcome], blocks);
}
