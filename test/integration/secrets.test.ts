// The canary: a secret in no_log args, results, loop items and URL credentials appears nowhere
// the sidecar sends or writes. The vault test: no vault plaintext of vault.yml either, on the
// ansible-core under test (2.19's EncryptedString as much as 2.14's vault objects).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSIBLE_BIN, coreAtLeast } from '../helpers/ansible-version.js';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { HttpReceiver } from '../helpers/http-receiver.js';
import { PLAYBOOKS, cleanEnv, runPlaybooks, runShimmed, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';

const canary = `canary${randomBytes(6).toString('hex')}`;
const receiver = new OtlpReceiver();
const slack = new HttpReceiver();
const hook = new HttpReceiver();
let r: CliResult;
let tmp: string;
let file: string;

beforeAll(async () => {
  const url = await receiver.start();
  const slackUrl = await slack.start();
  const hookUrl = await hook.start();
  tmp = tempDir();
  file = join(tmp, 'traces.jsonl');
  r = await runPlaybooks(
    ['secrets.yml'],
    cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_CANARY: canary,
      SLACK_WEBHOOK_URL: `${slackUrl}/services/T/B/x`,
      SLACK_NOTIFY_SUCCESS: 'true',
      ANSIBLE_OTEL_WEBHOOK_URL: `${hookUrl}/hook`,
    }),
    {
      sidecarArgs: [
        '--traces-file',
        file,
        '--logs-file',
        join(tmp, 'logs.jsonl'),
        '--format',
        'json',
        '--events-file',
        join(tmp, 'events.jsonl'),
        '--report',
        join(tmp, 'report.html'),
        '--prometheus-textfile',
        join(tmp, 'ansible.prom'),
        '--record-frames',
        join(tmp, 'frames.ndjson'),
      ],
    },
  );
}, 300_000);
afterAll(async () => {
  await receiver.stop();
  await slack.stop();
  await hook.stop();
});

describe('no_log and URL credentials', () => {
  it('never sends or writes the secret: spans, metrics, log records, files, frames, console, notifications', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.spans.length).toBeGreaterThan(5);
    for (const req of [...receiver.requests, ...receiver.metricRequests, ...receiver.logRequests]) expect(req.raw.toString('utf8')).not.toContain(canary);
    expect(receiver.metricRequests.length).toBeGreaterThan(0);
    expect(receiver.logRecords.length).toBeGreaterThan(0);
    for (const name of ['traces.jsonl', 'logs.jsonl', 'events.jsonl', 'report.html', 'ansible.prom', 'frames.ndjson']) {
      const text = readFileSync(join(tmp, name), 'utf8');
      expect(text, name).toContain('secrets.yml'); // the output is there, about this run
      expect(text, name).not.toContain(canary);
    }
    for (const req of [...slack.requests, ...hook.requests]) expect(req.body).not.toContain(canary);
    expect(slack.requests.length).toBeGreaterThan(0);
    expect(hook.requests.length).toBeGreaterThan(0);
    expect(r.stdout).toContain('"Use a secret in loop items"'); // --format json
    expect(r.stdout).not.toContain(canary);
    const ours = r.stderr.split('\n').filter((l) => l.startsWith('ansible-otel'));
    expect(ours.join('\n')).not.toContain(canary);
  });

  it('keeps the shape of no_log tasks without their content', () => {
    const tree = new SpanTree(receiver.spans);
    const task = tree.one('Use a secret in args and result');
    expect(task.attributes['ansible.task.args.name']).toBeUndefined();
    expect(task.attributes['ansible.task.no_log']).toBe(true);
    const host = tree.children(task)[0]!;
    expect(String(host.attributes['ansible.task.message'])).toMatch(/no_log/);
    const loopHost = tree.children(tree.one('Use a secret in loop items'))[0]!;
    expect(tree.children(loopHost)).toHaveLength(2);
    const fact = tree.one('Keep a password in a fact (argument named like a secret)');
    expect(fact.attributes['ansible.task.args.name']).toEqual(['db_password']);
    expect(fact.attributes['ansible.task.args.value']).toEqual(['<redacted>']);
    const key = tree.children(tree.one('Print a private key (value pattern)'))[0]!;
    expect(key.attributes['ansible.task.message']).toBe('<redacted>');
    const url = tree.children(tree.one('Fetch with credentials in the URL'))[0]!;
    expect(url.attributes['ansible.task.message']).toBe('https://repo.example.invalid/pkg.tgz');
    // the log records of the failed no_log task say it failed, and nothing of what it printed
    const failed = tree.children(tree.one('Fail with a secret'))[0]!;
    const records = receiver.logRecords.filter((l) => l.spanId === failed.spanId);
    expect(records.map((l) => l.body)).toEqual([`[h1] Fail with a secret: ${failed.attributes['ansible.task.message']} (ignored)`]);
    expect(String(records[0]!.body)).toMatch(/no_log/);
    // the args as written, template unrendered: the user name goes too
    expect(url.attributes['ansible.task.args.value']).toEqual(['https://repo.example.invalid/pkg.tgz']);
  });
});

// How a vault plaintext shows in the results of vault.yml: the shim's *** before 2.22; from 2.22 on
// ansible masks the results it hands callbacks itself (docs/compatibility.md, difference 10).
const MASK = coreAtLeast(ANSIBLE_BIN, 2, 22) ? '$REDACTED$' : '***';
// The plaintexts of test/playbooks/vault.yml (test values; the password is in vault-password).
const PLAINTEXTS = ['VAULT-SCALAR-7q2w', 'VAULT-LIST-8e4r', 'VAULT-PLAYVAR-9t6y', 'VAULT-NOLOG-5u1i', 'VAULT-VARSFILE-3k5m'];
const expectNoPlaintext = (text: string, where: string) => {
  for (const p of PLAINTEXTS) expect(text, `${where}: ${p}`).not.toContain(p);
};

describe('vault values', () => {
  const otlp = new OtlpReceiver();
  const out = tempDir('otel-vault-');
  const vaultEnv = (extra: Record<string, string> = {}) => cleanEnv({ ANSIBLE_VAULT_PASSWORD_FILE: join(PLAYBOOKS, 'vault-password'), ...extra });
  let json: CliResult;
  const consoles: Record<string, CliResult> = {};
  let spoolDir: string;
  let shimmed: CliResult;

  beforeAll(async () => {
    const url = await otlp.start();
    json = await runPlaybooks(['vault.yml'], vaultEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }), {
      sidecarArgs: [
        '--traces-file',
        join(out, 'traces.jsonl'),
        '--prometheus-textfile',
        join(out, 'ansible.prom'),
        '--format',
        'json',
        '--events-file',
        join(out, 'events.jsonl'),
        '--report',
        join(out, 'report.html'),
        '--record-frames',
        join(out, 'frames.ndjson'),
      ],
    });
    for (const format of ['table', 'summary']) consoles[format] = await runPlaybooks(['vault.yml'], vaultEnv(), { sidecarArgs: ['--format', format] });
    // no sidecar listening: the shim keeps the whole run in its spool file
    const env = vaultEnv();
    spoolDir = env.ANSIBLE_OTEL_SPOOL_DIR!;
    shimmed = await runShimmed('vault.yml', join(out, 'nobody.sock'), env);
  }, 480_000);
  afterAll(async () => {
    await otlp.stop();
  });

  it(`sends <vaulted> for vault values and masks their plaintexts (${MASK}), in every output`, () => {
    expect(json.code, json.stderr).toBe(0);
    const frames = readFileSync(join(out, 'frames.ndjson'), 'utf8');
    expect(frames).toContain('"argv":["echo","<vaulted>"]');
    expect(frames).toContain(`"msg":"the value is ${MASK}"`);
    expectNoPlaintext(frames, 'frames');
    const otlpText = [...otlp.requests, ...otlp.metricRequests].map((r) => r.raw.toString('utf8')).join('\n');
    expect(otlpText).toContain('<vaulted>');
    expect(otlpText).toContain(MASK);
    expectNoPlaintext(otlpText, 'OTLP');
    for (const name of ['traces.jsonl', 'ansible.prom', 'events.jsonl', 'report.html']) {
      const text = readFileSync(join(out, name), 'utf8');
      expect(text, name).toContain('vault.yml'); // about this run
      expectNoPlaintext(text, name);
    }
    expect(readFileSync(join(out, 'traces.jsonl'), 'utf8')).toContain(`the value is ${MASK}`);
    expect(json.stdout).toContain('Vaulted play var in a loop label');
    expectNoPlaintext(json.stdout + json.stderr, '--format json');
  });

  it('leaves no plaintext on the console in table and summary formats', () => {
    for (const [format, r] of Object.entries(consoles)) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout, format).toMatch(/vault/i);
      expectNoPlaintext(r.stdout + r.stderr, `--format ${format}`);
    }
  });

  it('spools none either', () => {
    expect(shimmed.code, shimmed.stderr).toBe(0);
    const files = readdirSync(spoolDir);
    expect(files).toHaveLength(1);
    const spooled = readFileSync(join(spoolDir, files[0]!), 'utf8');
    expect(spooled).toContain('<vaulted>');
    expect(spooled).toContain(MASK);
    expectNoPlaintext(spooled, 'spool file');
  });

  it('shows the vaulted and masked values on the spans', () => {
    const tree = new SpanTree(otlp.spans);
    const scalar = tree.one('Inline vault in a scalar argument');
    expect(scalar.attributes['ansible.task.args.value']).toEqual(['<vaulted>']);
    const message = tree.children(tree.one('Vaulted play var in a message'))[0]!;
    expect(message.attributes['ansible.task.message']).toBe(`the value is ${MASK}`);
    const noLog = tree.one('Inline vault in a no_log task');
    expect(noLog.attributes['ansible.task.args.name']).toBeUndefined();
  });
});
