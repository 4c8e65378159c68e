// The report's stylesheet, inlined: the file must open with no network.
export const PAGE_STYLE = `
:root { --ok:#12b76a; --changed:#f79009; --failed:#d92d20; --unreachable:#7a5af8; --ignored:#fdb022; --rescued:#2e90fa; --skipped:#98a2b3; --line:#e4e7ec; --muted:#667085; }
* { box-sizing: border-box; }
body { font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #101828; background: #fff; }
header { padding: 14px 20px 8px; border-bottom: 1px solid var(--line); }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 22px 0 8px; }
main { padding: 0 20px 40px; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; color: #fff; font-weight: 600; font-size: 12px; }
.badge.success { background: var(--ok); } .badge.failure { background: var(--failed); } .badge.interrupted, .badge.error, .badge.running { background: var(--changed); }
.pb { margin: 4px 0; }
.filters { position: sticky; top: 0; z-index: 2; background: #f9fafb; border-bottom: 1px solid var(--line); padding: 8px 20px; display: flex; gap: 14px; align-items: center; flex-wrap: wrap; }
.filters input, .filters select, .filters button { font: inherit; padding: 3px 6px; }
.legend span { display: inline-flex; align-items: center; gap: 4px; margin-right: 10px; }
.sw { width: 10px; height: 10px; border-radius: 2px; display: inline-block; }
.wf { border: 1px solid var(--line); border-radius: 4px; }
.row { display: grid; grid-template-columns: 380px 1fr; height: 22px; align-items: center; border-bottom: 1px solid #f2f4f7; }
.row:hover { background: #f9fafb; }
.label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; padding-right: 8px; }
.track { position: relative; height: 100%; }
.bar { position: absolute; top: 5px; height: 12px; min-width: 2px; border-radius: 2px; }
.k-playbook .label { font-weight: 700; } .k-play .label { font-weight: 600; padding-left: 12px; }
.k-task .label { padding-left: 24px; cursor: pointer; } .k-host .label { padding-left: 48px; color: #344054; }
.k-playbook .bar, .k-play .bar { background: #475467; }
.tog { display: inline-block; width: 14px; color: var(--muted); }
.axis { display: grid; grid-template-columns: 380px 1fr; font-size: 11px; color: var(--muted); border-bottom: 1px solid var(--line); }
.axis .track { height: 18px; }
.axis .tick { position: absolute; top: 2px; white-space: nowrap; }
.s-ok { background: var(--ok); } .s-changed { background: var(--changed); } .s-failed { background: var(--failed); } .s-unreachable { background: var(--unreachable); }
.s-ignored { background: var(--ignored); } .s-rescued { background: var(--rescued); } .s-skipped { background: var(--skipped); }
.note { padding: 4px 48px; color: var(--muted); font-style: italic; }
table { border-collapse: collapse; }
th, td { text-align: left; padding: 3px 10px 3px 0; border-bottom: 1px solid #f2f4f7; vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
td.msg { font-family: ui-monospace, monospace; white-space: pre-wrap; max-width: 800px; }
.cols { display: flex; gap: 40px; flex-wrap: wrap; }
.hot { color: var(--failed); font-weight: 600; }
h3 { font-size: 13px; margin: 14px 0 6px; }
.cp-parts { margin: 4px 0 8px; }
.cp-bar { display: flex; height: 16px; max-width: 900px; border-radius: 3px; overflow: hidden; border: 1px solid var(--line); }
.cp-work { background: #2e90fa; } .cp-wait { background: #f04438; } .cp-ctl { background: #98a2b3; }
.cp-legend { margin: 6px 0 10px; display: block; }
.cp-steps tr.top td:first-child { font-weight: 600; }
.cp-verdict { margin: 6px 0; }
.cp-limits { margin: 4px 0 0; padding-left: 18px; color: #344054; }
.row.on-path { background: #fff6ed; }
.row.on-path .bar { outline: 2px solid #101828; outline-offset: 1px; }
.row.on-path .label::after { content: " ◆"; color: #f04438; }
`;
