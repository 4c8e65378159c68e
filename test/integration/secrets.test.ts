// The canary: a secret in no_log args, results, loop items and URL credentials appears nowhere
// the sidecar sends or writes.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';

const canary = `canary${randomBytes(6).toString('hex')}`;
const receiver = new OtlpReceiver();
let r: CliResult;
let file: string;

beforeAll(async () => {
  const url = await receiver.start();
  file = join(tempDir(), 'traces.jsonl');
  r = await runPlaybooks(['secrets.yml'], cleanEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_CANARY: canary }), { sidecarArgs: ['--traces-file', file] });
}, 120_000);
afterAll(() => receiver.stop());

describe('no_log and URL credentials', () => {
  it('never sends or writes the secret', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(receiver.spans.length).toBeGreaterThan(5);
    for (const req of receiver.requests) expect(req.raw.toString('utf8')).not.toContain(canary);
    expect(readFileSync(file, 'utf8')).not.toContain(canary);
    expect(readFileSync(file, 'utf8')).toContain('Use a secret in loop items');
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
    const url = tree.children(tree.one('Fetch with credentials in the URL'))[0]!;
    expect(url.attributes['ansible.task.message']).toBe('https://repo.example.invalid/pkg.tgz');
    // the args as written, template unrendered: the user name goes too
    expect(url.attributes['ansible.task.args.value']).toEqual(['https://repo.example.invalid/pkg.tgz']);
  });
});
