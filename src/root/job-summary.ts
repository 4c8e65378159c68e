import { appendFileSync } from 'node:fs';
import { pathMarkdown } from '../analysis/path-text.js';
import type { RunSummary } from '../model/run-model.js';
import { traceLink } from '../model/trace-url.js';
import { baselineMarkdown, missingLine } from '../analysis/compare-text.js';

const ICON: Record<string, string> = { success: '✅', failure: '❌', error: '⚠️' };

/**
 * On GitHub Actions, the run's result and trace link in the job summary ($GITHUB_STEP_SUMMARY),
 * where people look first. Best effort: a summary that cannot be written changes nothing else.
 */
export function appendJobSummary(file: string | undefined, traceUrl: string | undefined, run: RunSummary): void {
  if (!file) return;
  const lines = run.traces.map((t) => {
    const link = traceLink(traceUrl, t);
    return `- ${ICON[t.result] ?? ''} \`${t.playbook}\`: ${t.result} — trace ${link ? `[${t.traceId}](${link})` : `\`${t.traceId}\``}`;
  });
  const counts = Object.entries(run.hostResults)
    .map(([status, n]) => `${n} ${status}`)
    .join(', ');
  try {
    const paths = run.traces.flatMap((t) => (t.analysis ? [`${pathMarkdown(t.analysis)}\n\n`] : [])).join('');
    // run --baseline: the same lines as the summary on stderr
    const baselines = run.traces
      .flatMap((t) =>
        t.baseline?.comparison ? [`${baselineMarkdown(t.baseline.comparison)}\n`] : t.baseline?.missing ? [`${missingLine(t.baseline.missing)}\n\n`] : [],
      )
      .join('');
    appendFileSync(file, `### ansible-otel\n\n${lines.join('\n')}\n\nHost results: ${counts || 'none'}\n\n${paths}${baselines}`);
  } catch {
    // not ours to fail the job over
  }
}
