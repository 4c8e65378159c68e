// One self-contained HTML file: style, script and data inline, nothing fetched at view time.
import { pageData } from './page-data.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_STYLE } from './page-style.js';
import type { ReportRun } from './report-model.js';

function escHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

/** JSON safe inside <script>: no `</script>`, no `<!--`, no line separators JS would choke on. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

export function renderReportHtml(run: ReportRun): string {
  const title = run.playbooks.map((p) => p.name).join(', ') || 'no playbook';
  const statuses = ['ok', 'changed', 'failed', 'unreachable', 'ignored', 'rescued', 'skipped'];
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>ansible-otel report: ${escHtml(title)}</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>Ansible run report</h1><div id="playbooks"></div></header>
<div class="filters">
  <label>Host <input id="f-host" list="host-names" placeholder="name or part of it" autocomplete="off"></label><datalist id="host-names"></datalist>
  <label>Status <select id="f-status"><option value="">any</option>${statuses.map((s) => `<option value="${s}">${s}</option>`).join('')}</select></label>
  <label><input id="f-path" type="checkbox"> critical path only</label>
  <button id="expand-all" type="button">Expand all</button><button id="collapse-all" type="button">Collapse all</button>
  <span class="legend">${statuses.map((s) => `<span><i class="sw s-${s}"></i>${s}</span>`).join('')}<span>◆ critical path</span></span>
</div>
<main>
<h2>Where the time went <span class="muted">the critical path: what the run waited for, from its start to its end</span></h2>
<div id="time-went"></div>
<section id="baseline-section" hidden>
<h2>Since the baseline <span class="muted">what changed against the run compared with</span></h2>
<div id="baseline"></div>
</section>
<h2>Waterfall <span class="muted">playbook → play → task → host; click a task for its hosts</span></h2>
<div id="waterfall" class="wf"></div>
<h2>Failed and unreachable hosts</h2>
<div id="failed"></div>
<div class="cols"><div><h2>Slowest tasks</h2><div id="slow-tasks"></div></div><div><h2>Slowest hosts</h2><div id="slow-hosts"></div></div></div>
<h2>Recap <span class="muted">counted from the host results</span></h2>
<div id="recap"></div>
</main>
<script type="application/json" id="report-data">${scriptJson(pageData(run))}</script>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
}
