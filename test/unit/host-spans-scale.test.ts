// The span counts of docs/scale.md (item 1), measured: generated runs of 10, 1,000 and 10,000 hosts
// × 5 tasks in each --host-spans mode, each task span's aggregates checked against the truth.
import { describe, expect, it } from 'vitest';
import { HOST_SPAN_MODES } from '../../src/model/host-spans.js';
import { RunModel } from '../../src/model/run-model.js';
import { expectedAggregates, fleetRun, keptWithPath } from '../helpers/fleet-run.js';
import { MemoryWriter } from '../helpers/memory-writer.js';

const TASKS = 5;

describe('--host-spans: span counts of generated fleet runs (printed for docs/scale.md)', () => {
  for (const hosts of [10, 1_000, 10_000]) {
    it(`${hosts} hosts × ${TASKS} tasks`, () => {
      const fleet = fleetRun(hosts, TASKS);
      const all = [...fleet.truth.values()].flat();
      for (const mode of HOST_SPAN_MODES) {
        const w = new MemoryWriter();
        const model = new RunModel(w, 'scale', {}, { hostSpans: mode });
        for (const f of fleet.frames) model.apply(f);
        model.finish();
        const tasks = [...fleet.truth.keys()].map((name) => w.one(name));
        const hostSpans = w.spans.filter((s) => s.parent !== undefined && tasks.includes(s.parent));
        const items = w.spans.filter((s) => s.name.startsWith('item '));
        for (const [name, truth] of fleet.truth) expect(w.one(name).attributes).toMatchObject(expectedAggregates(truth));
        // the path's host span (the task's last host) is kept in every mode
        const expectedHosts = { all: all.length, problems: [...fleet.truth.values()].reduce((n, t) => n + keptWithPath(t).size, 0), none: TASKS }[mode];
        expect(hostSpans).toHaveLength(expectedHosts);
        expect(w.open()).toHaveLength(0);
        console.log(
          `host-spans ${mode.padEnd(8)} ${String(hosts).padStart(6)} hosts × ${TASKS} tasks: ${w.spans.length} spans (${hostSpans.length} host, ${items.length} item, ${w.spans.length - hostSpans.length - items.length} run/play/task)`,
        );
      }
    });
  }
});
