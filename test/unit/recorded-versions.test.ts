// The run model on features.yml recorded with ansible-core 2.14 (features.ndjson) and with 2.19
// (features-2.19.ndjson, recorded as test/fixtures/README.md says): the same span tree, statuses,
// host statuses and event names, with only the normalisations of
// test/integration/same-trace.test.ts (docs/compatibility.md, "Differences a trace may show").
import { describe, expect, it } from 'vitest';
import type { MemoryWriter } from '../helpers/memory-writer.js';
import { loadFrames, pathOf, replay } from '../helpers/recorded-run.js';

function shape(w: MemoryWriter): string[] {
  return w.spans
    .map((s) => {
      const events = [...new Set(s.events.map((e) => e.name))].sort().join(',');
      return `${pathOf(s).join(' > ')} | status ${s.status?.code} | host ${s.attributes['ansible.task.host.status'] ?? '-'} | events ${events}`;
    })
    .sort();
}

describe('features.yml recorded on ansible-core 2.14 and 2.19', () => {
  it('is what each says it is', () => {
    for (const [name, version] of [
      ['features', '2.14.'],
      ['features-2.19', '2.19.'],
    ] as const) {
      const hello = loadFrames(name)[0]!;
      expect(hello.t === 'hello' && String(hello.ansible_version).startsWith(version), name).toBe(true);
    }
  });

  it('replays to the same trace', () => {
    expect(shape(replay('features-2.19').w)).toEqual(shape(replay('features').w));
  });
});
