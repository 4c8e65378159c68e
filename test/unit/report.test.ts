// The report built from a traces file: the model, and a page that needs no network.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTracesFile } from '../../src/report/otlp-json-lines.js';
import { ReportBuilder } from '../../src/report/report-builder.js';
import { replaySpans, selectTraces } from '../../src/report/replay-spans.js';
import { renderReportHtml } from '../../src/report/render-html.js';
import { tempDir } from '../helpers/sidecar-run.js';
import { writeSyntheticTraces } from '../helpers/synthetic-traces.js';
import { EXTERNAL_REF } from '../helpers/report-page.js';

describe('report of 200 hosts × 100 tasks', () => {
  it('holds every task and host result, and stays a reasonably small self-contained page', async () => {
    const path = join(tempDir(), 'big.jsonl');
    const run = writeSyntheticTraces(path, 200, 100);
    const { spans, badLines } = await readTracesFile(path);
    expect(badLines).toBe(0);
    const builder = new ReportBuilder();
    replaySpans(spans, selectTraces(spans), builder);
    const [pb] = builder.playbooks;
    expect(builder.playbooks).toHaveLength(1);
    expect(pb!.result).toBe('failure');
    expect(pb!.plays.map((p) => p.tasks.length)).toEqual([50, 50]);
    expect(pb!.plays.flatMap((p) => p.tasks).reduce((n, t) => n + t.results.length, 0)).toBe(run.hostSpans);
    const html = renderReportHtml({ playbooks: builder.playbooks });
    expect(html.length).toBeLessThan(2_000_000); // ~0.7 MB here: compact, not one DOM row per span
    expect(html).not.toMatch(EXTERNAL_REF);
    expect(html).not.toMatch(/https?:\/\//);
    for (const message of run.failures.values()) expect(html).toContain(message);
  });
});

describe('report page', () => {
  it('keeps a hostile message inert inside the embedded data', () => {
    const html = renderReportHtml({
      playbooks: [
        {
          name: 'x.yml',
          path: '/x.yml',
          traceId: 't',
          rootSpanId: 's',
          runId: 'r',
          startNs: 0,
          endNs: 10,
          interrupted: false,
          result: 'failure',
          plays: [
            {
              name: 'p',
              startNs: 0,
              endNs: 10,
              tasks: [
                {
                  name: 't',
                  uuid: 'u',
                  handler: false,
                  startNs: 0,
                  endNs: 10,
                  results: [{ host: 'h', status: 'failed', startNs: 0, endNs: 10, message: '</script><script>alert(1)</script>' }],
                },
              ],
            },
          ],
        },
      ],
    });
    expect(html).not.toContain('<script>alert(1)');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
  });
});
