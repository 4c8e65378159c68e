import { describe, expect, it } from 'vitest';
import type { TraceSummary } from '../../src/model/run-model.js';
import { traceSizeWarning } from '../../src/root/trace-size.js';

const trace = (spans: number, hostSpans: TraceSummary['hostSpans'] = 'all'): TraceSummary => ({
  traceId: 'ab'.repeat(16),
  rootSpanId: 'cd'.repeat(8),
  playbook: 'fleet.yml',
  result: 'success',
  spans,
  hostSpans,
});

describe('the run summary warns about a trace larger than backends take', () => {
  it("says nothing up to Tempo's 5 MB (≈ 8,333 spans at 600 bytes)", () => {
    expect(traceSizeWarning(trace(38))).toBeUndefined();
    expect(traceSizeWarning(trace(8_333))).toBeUndefined();
  });

  it("names Tempo's limit and suggests problems for a run in all", () => {
    expect(traceSizeWarning(trace(10_102))).toBe(
      "fleet.yml: 10,102 spans in one trace (≈ 6.1 MB of OTLP protobuf), more than Tempo's default max_bytes_per_trace (5 MB); --host-spans problems (only the failed, changed and slowest hosts get spans; every task span keeps all hosts' facts) would cut it (docs/scale.md)",
    );
  });

  it('names both limits for a million spans, and suggests none once problems (or auto) is not enough', () => {
    for (const mode of ['problems', 'auto:500'] as const) {
      const w = traceSizeWarning(trace(90_462, mode))!;
      expect(w).toContain("more than Tempo's default max_bytes_per_trace (5 MB) and what Jaeger's UI can show (≈ 20,000 spans)");
      expect(w).toContain('--host-spans none');
    }
    expect(traceSizeWarning(trace(1_000_102, 'none'))).toMatch(
      /^fleet\.yml: 1,000,102 spans in one trace \(≈ 600\.1 MB of OTLP protobuf\), more than .*\(≈ 20,000 spans\)$/,
    );
  });
});
