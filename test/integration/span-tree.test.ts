// A real ansible-playbook run through `ansible-otel run` into a loopback OTLP/HTTP receiver:
// the span tree for every construct the model knows.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpReceiver } from '../helpers/otlp-receiver.js';
import { cleanEnv, runPlaybooks, tempDir, type CliResult } from '../helpers/sidecar-run.js';
import { SpanTree } from '../helpers/span-tree.js';
import { KIND, STATUS, type OtlpSpan } from '../helpers/otlp-spans.js';

const receiver = new OtlpReceiver();
let result: CliResult;
let tree: SpanTree;

const onHost = (host: string) => (s: OtlpSpan) => s.attributes['ansible.task.host.name'] === host;

beforeAll(async () => {
  const url = await receiver.start();
  result = await runPlaybooks(
    ['features.yml'],
    cleanEnv({
      OTEL_EXPORTER_OTLP_ENDPOINT: url,
      OTEL_TEST_TMP: tempDir(),
      OTEL_SERVICE_NAME: 'deploys',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    }),
  );
  tree = new SpanTree(receiver.spans);
}, 300_000);

afterAll(() => receiver.stop());

describe('features.yml through ansible-otel run (http/protobuf)', () => {
  it('passes ansible-playbook exit code through and prints a summary', () => {
    expect(result.code, result.stderr).toBe(4); // ansible-playbook: unreachable hosts
    expect(result.stderr).toMatch(/features\.yml: failure, trace [0-9a-f]{32}/);
    expect(result.stderr).toMatch(/spans → http:\/\/127\.0\.0\.1:\d+\/v1\/traces \(OTLP http\/protobuf\)/);
    expect(receiver.requests.every((r) => r.contentType === 'application/x-protobuf')).toBe(true);
  });

  it('exports one well-formed trace rooted at a SERVER span named `{action} {pipeline}` (semconv CI/CD pipeline run)', () => {
    tree.expectWellFormed();
    const roots = tree.roots();
    expect(roots.map((r) => r.name)).toEqual(['RUN features.yml']);
    const root = roots[0]!;
    expect(root.kind).toBe(KIND.SERVER);
    expect(root.status.code).toBe(STATUS.ERROR);
    expect(new Set(tree.spans.map((s) => s.traceId))).toEqual(new Set([root.traceId]));
    expect(root.attributes).toMatchObject({
      'cicd.pipeline.result': 'failure',
      'cicd.pipeline.name': 'features.yml',
      'cicd.pipeline.action.name': 'RUN',
      // ansible-playbook exits 4 when a host was unreachable, even with another one failed
      'ansible.process.exit.code': 4,
      'error.type': 'unreachable',
      'ansible.stats.failed_hosts': ['h2'],
      'ansible.stats.unreachable_hosts': ['gone'],
    });
    expect(root.attributes['ansible.version']).toMatch(/^2\.\d+/);
    expect(root.resource).toMatchObject({ 'service.name': 'deploys', 'deployment.environment.name': 'test' });
  });

  it('has play spans under the root, and serial batches inside one play span', () => {
    const serial = tree.one('Serial rollout');
    expect(tree.parent(serial)?.name).toBe('RUN features.yml');
    expect(serial.attributes['ansible.play.batches']).toBe(2);
    const rolls = tree.named('Roll one host');
    expect(rolls).toHaveLength(2);
    expect(rolls.map((t) => tree.parent(t))).toEqual([serial, serial]);
    expect(rolls.flatMap((t) => tree.children(t).map((h) => h.name)).sort()).toEqual(['h1', 'h2']);
  });

  it('maps ok, changed, ignored and skipped host results', () => {
    expect(tree.one('h1', (s) => tree.parent(s)?.name === 'Say ok').attributes['ansible.task.host.status']).toBe('ok');
    const changed = tree.one('h1', (s) => tree.parent(s)?.name === 'Change something');
    expect(changed.attributes).toMatchObject({
      'ansible.task.host.status': 'changed',
      'ansible.task.module': 'ansible.builtin.command',
      'ansible.task.result': 0,
    });
    const ignored = tree.one('h1', (s) => tree.parent(s)?.name === 'Fail but carry on');
    expect(ignored.status.code).not.toBe(STATUS.ERROR);
    expect(ignored.attributes).toMatchObject({ 'ansible.task.host.status': 'ignored', 'ansible.task.result': 2 });
    expect(String(ignored.attributes['ansible.task.message'])).toMatch(/non-zero return code/);
    const skipped = tree.one('h1', (s) => tree.parent(s)?.name === 'Skip me');
    expect(skipped.status.code).toBe(STATUS.UNSET);
    expect(skipped.attributes['ansible.task.host.status']).toBe('skipped');
    expect(String(skipped.attributes['ansible.task.skip_reason'])).toMatch(/Conditional result was False/);
  });

  it('gives a failed host ERROR with an exception event and keeps task attributes', () => {
    const task = tree.one('Fail for real on h2');
    const h2 = tree.children(task).find(onHost('h2'))!;
    expect(h2.status).toEqual({ code: STATUS.ERROR, message: 'h2 is broken' });
    const exception = h2.events.find((e) => e.name === 'exception');
    expect(exception?.attributes['exception.message']).toBe('h2 is broken');
    expect(task.status.code).toBe(STATUS.ERROR);
    expect(task.attributes).toMatchObject({
      'ansible.task.module': 'ansible.builtin.fail',
      'cicd.pipeline.task.run.result': 'failure',
      'error.type': 'failed',
      'ansible.play.name': 'Everything else',
    });
    // semconv's pipeline task run: INTERNAL, its required attributes given at the start, a deploy (not --check)
    expect(task.kind).toBe(KIND.INTERNAL);
    expect(task.attributes).toMatchObject({
      'cicd.pipeline.task.name': 'Fail for real on h2',
      'cicd.pipeline.task.run.id': task.attributes['ansible.task.uuid'],
      'cicd.pipeline.task.type': 'deploy',
    });
    expect(tree.one('Recover').attributes).not.toHaveProperty('error.type');
    expect(String(task.attributes['code.file.path'])).toMatch(/features\.yml$/);
    expect(task.attributes['code.line.number']).toBeGreaterThan(1);
    expect(task.attributes).not.toHaveProperty(['code.filepath']);
    expect(tree.children(task).find(onHost('h1'))?.attributes['ansible.task.host.status']).toBe('skipped');
  });

  it('gives a rescued failure ERROR on its host span without failing the play for it', () => {
    const broken = tree.one('Break inside block');
    for (const host of tree.children(broken)) {
      expect(host.status.code).toBe(STATUS.ERROR);
      expect(host.attributes['ansible.task.host.status']).toBe('rescued');
    }
    expect(tree.children(tree.one('Recover')).map((h) => h.attributes['ansible.task.host.status'])).toEqual(['ok', 'ok']);
  });

  it('makes loop items children of the host span, chained in time, the failing one ERROR', () => {
    const host = tree.one('h1', (s) => tree.parent(s)?.name === 'Loop with a failing item');
    const items = tree.children(host).sort((a, b) => Number(a.startNs - b.startNs));
    expect(items.map((i) => i.name)).toEqual(['good', 'bad', 'fine']);
    expect(items.map((i) => i.status.code)).toEqual([STATUS.UNSET, STATUS.ERROR, STATUS.UNSET]);
    expect(items[0]!.startNs).toBe(host.startNs);
    expect(items[1]!.startNs).toBe(items[0]!.endNs);
    expect(host.attributes['ansible.task.host.status']).toBe('ignored');
  });

  it('records until-retries as events with attempt numbers', () => {
    const host = tree.one('h1', (s) => tree.parent(s)?.name === 'Retry until the third attempt');
    const retries = host.events.filter((e) => e.name === 'ansible.retry');
    expect(retries.map((e) => e.attributes['ansible.task.attempts'])).toEqual([1, 2]);
    expect(host.status.code).toBe(STATUS.UNSET);
  });

  it('records async polls on the host span of the async task', () => {
    const host = tree.one('h1', (s) => tree.parent(s)?.name === 'Run in the background');
    const names = host.events.map((e) => e.name);
    expect(names).toContain('ansible.async_poll');
    expect(names[names.length - 1]).toBe('ansible.async_ok');
    expect(new Set(host.events.filter((e) => e.name.startsWith('ansible.async')).map((e) => e.attributes['ansible.async.job_id'])).size).toBe(1);
    expect(tree.spans.filter((s) => tree.parent(s)?.name === 'Run in the background')).toHaveLength(2);
  });

  it('puts notify events on the notifying host span and marks the handler task', () => {
    const greet = tree.one('Greet');
    expect(tree.parent(greet)?.name).toBe('role greeter');
    for (const host of tree.children(greet)) expect(host.events.map((e) => e.name)).toContain('ansible.notify');
    const handler = tree.one('Greeted');
    expect(handler.attributes['ansible.task.handler']).toBe(true);
  });

  it('wraps included tasks and roles in include and role spans', () => {
    const include = tree.one('include included.yml');
    expect(include.attributes['ansible.scope.kind']).toBe('include');
    expect(tree.parent(tree.one('Included task'))).toBe(include);
    const listers = tree.named('List');
    expect(listers).toHaveLength(2);
    const via = listers.map((t) => tree.parent(t)!).map((p) => [p.name, p.attributes['ansible.scope.via']]);
    expect(via).toEqual([
      ['role lister', 'include_role'],
      ['role lister', 'import_role'],
    ]);
  });

  it('marks an unreachable host ERROR', () => {
    const gone = tree.one('gone');
    expect(gone.status.code).toBe(STATUS.ERROR);
    expect(gone.attributes['ansible.task.host.status']).toBe('unreachable');
    expect(tree.parent(tree.parent(gone)!)?.name).toBe('Unreachable');
  });
});
