import { describe, expect, it } from 'vitest';
import { RunModel } from '../../src/model/run-model.js';
import { ObserverFanout, type HostResultEvent, type PlaybookEndEvent, type RunObserver } from '../../src/model/run-observer.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { loadFrames } from '../helpers/recorded-run.js';

function observe(fixture: string): { events: { kind: string; e: any }[]; model: RunModel<unknown> } {
  const events: { kind: string; e: any }[] = [];
  const recorder: RunObserver = {
    playbookStart: (e) => events.push({ kind: 'playbookStart', e }),
    playStart: (e) => events.push({ kind: 'playStart', e }),
    taskStart: (e) => events.push({ kind: 'taskStart', e }),
    hostResult: (e) => events.push({ kind: 'hostResult', e }),
    itemResult: (e) => events.push({ kind: 'itemResult', e }),
    retry: (e) => events.push({ kind: 'retry', e }),
    playbookEnd: (e) => events.push({ kind: 'playbookEnd', e }),
  };
  const frames = loadFrames(fixture);
  const model = new RunModel(new MemoryWriter() as never, frames[0]!.run, recorder);
  for (const f of frames) model.apply(f);
  model.finish();
  return { events, model };
}

const of = <T>(events: { kind: string; e: any }[], kind: string): T[] => events.filter((x) => x.kind === kind).map((x) => x.e as T);

describe('run observer events from a recorded run', () => {
  it('reports one host result per host span, with frame-timed durations and the playbook context', () => {
    const { events, model } = observe('features');
    const results = of<HostResultEvent>(events, 'hostResult');
    const total = Object.values(model.result().hostResults).reduce((a, b) => a + (b ?? 0), 0);
    expect(results).toHaveLength(total);
    for (const r of results) {
      expect(r.endNs).toBeGreaterThanOrEqual(r.startNs);
      expect(r.playbook).toBe('features.yml');
      expect(r.traceId).toBe(model.result().traces[0]!.traceId);
    }
    const failed = results.find((r) => r.status === 'failed')!;
    expect(failed).toMatchObject({ host: 'h2', task: 'Fail for real on h2', module: 'ansible.builtin.fail', message: 'h2 is broken', play: 'Everything else' });
    const retried = results.find((r) => r.task === 'Retry until the third attempt' && r.host === 'h1')!;
    expect(retried.retries).toBe(2);
    expect(of(events, 'retry').length).toBe(4);
    expect(results.find((r) => r.task === 'Loop with a failing item' && r.host === 'h1')!.items).toBe(3);
  });

  it('ends each playbook once with its result, stats and failed hosts', () => {
    const { events } = observe('features');
    const ends = of<PlaybookEndEvent>(events, 'playbookEnd');
    expect(ends).toHaveLength(1);
    expect(ends[0]).toMatchObject({ result: 'failure', interrupted: false, failedHosts: ['h2'], unreachableHosts: ['gone'] });
    expect(ends[0]!.stats.h1).toMatchObject({ rescued: 1, ignored: 2 });
    expect(events[0]!.kind).toBe('playbookStart');
    expect(events[events.length - 1]!.kind).toBe('playbookEnd');
  });

  it('reports serial batches as numbered play starts', () => {
    const { events } = observe('features');
    expect(
      of<{ play: string; batch: number }>(events, 'playStart')
        .filter((p) => p.play === 'Serial rollout')
        .map((p) => p.batch),
    ).toEqual([1, 2]);
  });

  it('ends an interrupted playbook as error, interrupted', () => {
    const { events } = observe('killed');
    expect(of<PlaybookEndEvent>(events, 'playbookEnd')).toMatchObject([{ result: 'error', interrupted: true, stats: {} }]);
  });

  it('keeps going when one observer throws, and reports it', () => {
    const errors: string[] = [];
    const seen: string[] = [];
    const fan = new ObserverFanout(
      [
        {
          hostResult: () => {
            throw new Error('sink broke');
          },
        },
        { hostResult: (e) => seen.push(e.host) },
      ],
      (m, e) => errors.push(`${m}: ${(e as Error).message}`),
    );
    fan.hostResult({ host: 'h1' } as HostResultEvent);
    expect(seen).toEqual(['h1']);
    expect(errors).toEqual(['hostResult: sink broke']);
  });
});
