// Where the time went, as each output says it: the console summary, the sidecar's summary on
// stderr and the GitHub job summary — the same three parts, top contributors and what-if.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunModel } from '../../src/model/run-model.js';
import { ObserverFanout } from '../../src/model/run-observer.js';
import type { Frame } from '../../src/protocol/frames.js';
import { appendJobSummary } from '../../src/root/job-summary.js';
import { printRunSummary } from '../../src/root/summary.js';
import { ConsoleSummarySink } from '../../src/sinks/console-summary.js';
import { Logger } from '../../src/util/log.js';
import { MemoryWriter } from '../helpers/memory-writer.js';
import { linearOnTwoForks, throttledOnFourHosts } from '../helpers/path-frames.js';

function run(frames: Frame[]) {
  let text = '';
  const write = (s: string): boolean => {
    text += s;
    return true;
  };
  const sink = new ConsoleSummarySink({ out: { isTTY: false, write } });
  const model = new RunModel(new MemoryWriter(), frames[0]!.run, new ObserverFanout([sink]));
  for (const f of frames) model.apply(f);
  model.finish();
  return { console: text.split('\n'), summary: model.result() };
}

describe('where the time went, in the summaries', () => {
  const linear = run(linearOnTwoForks());

  it('the console summary: the three parts, the top contributors and the what-if, before the slowest tasks', () => {
    const at = linear.console.findIndex((l) => l.startsWith('Where the time went:'));
    expect(linear.console.slice(at, at + 4)).toEqual([
      'Where the time went: 10ms host work (25%), 10ms fork wait (25%), 20ms controller (50%) of 40ms',
      '   50%  Build [h4]  wait 10ms, work 10ms',
      'What if: forks 2 → 4: est. 40ms → 32ms (fork start-up 1ms)',
      'Slowest tasks:',
    ]);
  });

  it('says when forks are not the limit, and what is', () => {
    const throttled = run(throttledOnFourHosts());
    expect(throttled.console.find((l) => l.startsWith('What if:'))).toBe(
      'What if: forks 2 → 4: est. 25ms → 25ms (fork start-up 0ms); forks are not the limit: throttle on Rolling restart (60%)',
    );
  });

  it("the sidecar's summary on stderr says the same under the trace line", () => {
    let err = '';
    printRunSummary(new Logger((l) => void (err += l)), linear.summary, undefined);
    expect(err.split('\n').slice(0, 5)).toEqual([
      'ansible-otel: site.yml: success, trace trace-1',
      'ansible-otel:   where the time went: 10ms host work (25%), 10ms fork wait (25%), 20ms controller (50%) of 40ms',
      'ansible-otel:      50%  Build [h4]  wait 10ms, work 10ms',
      'ansible-otel:   what if: forks 2 → 4: est. 40ms → 32ms (fork start-up 1ms)',
      'ansible-otel: host results: 4 ok',
    ]);
  });

  it('the GitHub job summary holds them as a table', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'job-summary-')), 'summary.md');
    appendJobSummary(file, undefined, linear.summary);
    expect(readFileSync(file, 'utf8')).toContain(
      [
        '**Where the time went** (`site.yml`): 10ms host work (25%), 10ms fork wait (25%), 20ms controller (50%) of 40ms',
        '',
        '| share | task | host | fork wait | work |',
        '|---:|---|---|---:|---:|',
        '| 50% | Build | h4 | 10ms | 10ms |',
        '',
        'What if: forks 2 → 4: est. 40ms → 32ms (fork start-up 1ms)',
      ].join('\n'),
    );
  });
});
