// The report's script, inlined. It renders from the embedded JSON on demand: tasks start
// collapsed, host rows exist only for expanded tasks and are capped, so 20,000 host results
// stay a few hundred DOM rows until the reader asks for more. (No template literals inside.)
export const PAGE_SCRIPT = `
(function () {
  'use strict';
  var D = JSON.parse(document.getElementById('report-data').textContent);
  var ST = D.statuses;
  var MAX_HOST_ROWS = 1500;
  var WORST = ['failed', 'unreachable', 'rescued', 'ignored', 'changed', 'ok', 'skipped'];
  var F = { host: '', status: '', path: false };
  var expanded = {};
  var tasks = [];
  var end = 0;

  D.playbooks.forEach(function (pb, i) {
    end = Math.max(end, pb.e);
    pb.plays.forEach(function (play, j) {
      play.tasks.forEach(function (t, k) {
        var rs = [];
        for (var x = 0; x < t.r.length; x += 5) {
          rs.push({ h: D.hosts[t.r[x]], s: ST[t.r[x + 1]], st: t.r[x + 2], d: t.r[x + 3], m: t.r[x + 4] < 0 ? '' : D.messages[t.r[x + 4]] });
        }
        tasks.push({ key: i + '.' + j + '.' + k, pb: pb, play: play, t: t, rs: rs });
      });
    });
  });
  var span = end > 0 ? end : 1;

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function dur(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    var s = ms / 1000;
    if (s < 60) return s.toFixed(s < 10 ? 2 : 1) + ' s';
    return Math.floor(s / 60) + ' min ' + Math.round(s % 60) + ' s';
  }
  function bar(s, e, cls, title) {
    var left = (s / span) * 100, width = Math.max(((e - s) / span) * 100, 0.15);
    return '<div class="bar ' + cls + '" style="left:' + left.toFixed(3) + '%;width:' + width.toFixed(3) + '%" title="' + esc(title) + '"></div>';
  }
  function row(kind, label, barHtml, attrs, cls) {
    return '<div class="row k-' + kind + (cls ? ' ' + cls : '') + '" data-kind="' + kind + '"' + (attrs || '') + '><div class="label" title="' + esc(label.replace(/<[^>]*>/g, '')) + '">' + label + '</div><div class="track">' + barHtml + '</div></div>';
  }
  function hostMatch(h) { return F.host === '' || h.toLowerCase().indexOf(F.host) >= 0; }
  function match(r) { return hostMatch(r.h) && (F.status === '' || r.s === F.status); }
  function worst(rs) {
    var best = 99;
    for (var i = 0; i < rs.length; i++) best = Math.min(best, WORST.indexOf(rs[i].s));
    return best === 99 ? 'skipped' : WORST[best];
  }
  function filtering() { return F.host !== '' || F.status !== '' || F.path; }
  function onPath(x, h) { return !!x.t.cp && x.t.cp.indexOf(h) >= 0; }
  function pct(share) { return Math.round(share * 100) + '%'; }

  // Where the time went: per playbook, the three parts as a bar, the path as a table, the what-if.
  function renderTimeWent() {
    var out = [];
    D.playbooks.forEach(function (pb) {
      var p = pb.cp;
      if (D.playbooks.length > 1) out.push('<h3>' + esc(pb.name) + '</h3>');
      if (!p) { out.push('<p class="muted">not known: the playbook had not ended</p>'); return; }
      var seg = function (cls, ms, label) {
        var w = p.wall > 0 ? (ms / p.wall) * 100 : 0;
        return '<div class="cp-seg ' + cls + '" style="width:' + w.toFixed(3) + '%" title="' + esc(label + ': ' + dur(ms) + ' (' + pct(ms / (p.wall || 1)) + ')') + '"></div>';
      };
      out.push('<div class="cp" data-playbook="' + esc(pb.name) + '">');
      out.push('<p class="cp-parts">' + esc(p.parts) + (p.recorded ? ' <span class="muted">(as the run recorded it: its host spans were sampled)</span>' : '') + '</p>');
      out.push('<div class="cp-bar">' + seg('cp-work', p.hostWork, 'host work') + seg('cp-wait', p.forkWait, 'fork wait') + seg('cp-ctl', p.controller, 'controller') + '</div>');
      out.push('<div class="legend cp-legend"><span><i class="sw cp-work"></i>host work ' + dur(p.hostWork) + '</span><span><i class="sw cp-wait"></i>fork wait ' + dur(p.forkWait) + '</span><span><i class="sw cp-ctl"></i>controller ' + dur(p.controller) + '</span></div>');
      var rows = p.steps.map(function (s) {
        return '<tr class="' + (s.top ? 'top' : '') + '"><td>' + esc(s.task) + (s.cut ? ' <span class="muted">(cut off)</span>' : '') + '</td><td>' + esc(s.host) + '</td><td class="n">' + dur(s.wait) + '</td><td class="n">' + dur(s.work) + '</td><td class="n">' + pct(s.share) + '</td></tr>';
      });
      if (p.more > 0) rows.push('<tr><td colspan="5" class="muted">and ' + p.more + ' more steps, each a smaller share</td></tr>');
      out.push('<table class="cp-steps"><tr><th>task</th><th>host</th><th>fork wait</th><th>work</th><th>share of wall</th></tr>' + rows.join('') + '</table>');
      var wi = ['<tr class="now"><td class="n">' + p.forks + ' (this run)</td><td class="n">' + dur(p.wall) + '</td><td class="n">—</td></tr>'].concat(p.options.map(function (o) {
        return '<tr><td class="n">' + o.forks + '</td><td class="n">' + dur(o.wall) + '</td><td class="n">' + dur(p.wall - o.wall) + '</td></tr>';
      }));
      out.push('<h3>What if: forks</h3><table class="cp-whatif"><tr><th>forks</th><th>est. wall time</th><th>saves</th></tr>' + wi.join('') + '</table>');
      out.push('<p class="cp-verdict">' + esc(p.whatIf) + '</p>');
      out.push('<ul class="cp-limits">' + p.limits.map(function (l) { return '<li data-limit="' + esc(l.kind) + '">' + esc(l.text) + '</li>'; }).join('') + '</ul>');
      out.push('</div>');
    });
    document.getElementById('time-went').innerHTML = out.join('');
  }

  function renderWaterfall() {
    var out = [], hostRows = 0, lastPb = null, lastPlay = null;
    var ticks = '';
    for (var q = 0; q <= 4; q++) ticks += '<span class="tick" style="left:' + (q * 25) + '%;transform:translateX(' + (-q * 25) + '%)">' + dur((span * q) / 4) + '</span>';
    out.push('<div class="axis"><div></div><div class="track">' + ticks + '</div></div>');
    tasks.forEach(function (x) {
      var rs = filtering() ? x.rs.filter(function (r) { return match(r) && (!F.path || onPath(x, r.h)); }) : x.rs;
      if (filtering() && rs.length === 0) return;
      if (x.pb !== lastPb) {
        lastPb = x.pb;
        out.push(row('playbook', esc(x.pb.name), bar(x.pb.s, x.pb.e, '', x.pb.name + ': ' + dur(x.pb.e - x.pb.s))));
      }
      if (x.play !== lastPlay) {
        lastPlay = x.play;
        out.push(row('play', esc(x.play.name), bar(x.play.s, x.play.e, '', x.play.name + ': ' + dur(x.play.e - x.play.s))));
      }
      var open = !!expanded[x.key];
      var st = worst(rs);
      var name = (x.t.role ? x.t.role + ' : ' : '') + x.t.name + (x.t.handler ? ' (handler)' : '');
      var cp = x.t.cp ? ' data-path="' + esc(x.t.cp.join(' ')) + '"' : '';
      out.push(row('task', '<span class="tog">' + (open ? '▾' : '▸') + '</span>' + esc(name) + ' <span class="muted">' + rs.length + (rs.length === 1 ? ' host' : ' hosts') + '</span>',
        bar(x.t.s, x.t.e, 's-' + st, name + ': ' + dur(x.t.e - x.t.s) + ', worst ' + st + (x.t.cp ? ', critical path: ' + x.t.cp.join(', ') : '')), ' data-key="' + x.key + '" data-status="' + st + '"' + cp, x.t.cp ? 'on-path' : ''));
      if (!open) return;
      var shown = 0;
      for (var i = 0; i < rs.length && hostRows < MAX_HOST_ROWS; i++, shown++, hostRows++) {
        var r = rs[i];
        var hp = onPath(x, r.h);
        out.push(row('host', esc(r.h) + ' <span class="muted">' + r.s + '</span>', bar(r.st, r.st + r.d, 's-' + r.s, r.h + ': ' + r.s + ', ' + dur(r.d) + (hp ? ', critical path' : '') + (r.m ? ' — ' + r.m : '')), ' data-host="' + esc(r.h) + '" data-status="' + r.s + '"', hp ? 'on-path' : ''));
      }
      if (shown < rs.length) out.push('<div class="note">' + (rs.length - shown) + ' more hosts not shown: narrow the filter or collapse other tasks</div>');
    });
    if (out.length === 1) out.push('<div class="note">nothing matches the filter</div>');
    document.getElementById('waterfall').innerHTML = out.join('');
  }

  function renderTables() {
    var failed = [], perHost = {}, slowTasks = [];
    tasks.forEach(function (x) {
      slowTasks.push(x);
      x.rs.forEach(function (r) {
        if (!hostMatch(r.h)) return;
        var c = perHost[r.h] || (perHost[r.h] = { ok: 0, changed: 0, failed: 0, unreachable: 0, ignored: 0, rescued: 0, skipped: 0, time: 0 });
        c[r.s] += 1;
        c.time += r.d;
        if (r.s === 'failed' || r.s === 'unreachable') failed.push({ x: x, r: r });
      });
    });
    var rows = failed.slice(0, 500).map(function (f) {
      return '<tr data-host="' + esc(f.r.h) + '"><td>' + esc(f.r.h) + '</td><td>' + esc(f.x.t.name) + '</td><td class="hot">' + f.r.s + '</td><td class="msg">' + esc(f.r.m) + '</td></tr>';
    });
    if (failed.length > 500) rows.push('<tr><td colspan="4" class="muted">and ' + (failed.length - 500) + ' more</td></tr>');
    document.getElementById('failed').innerHTML = failed.length ? '<table><tr><th>host</th><th>task</th><th>status</th><th>message</th></tr>' + rows.join('') + '</table>' : '<p class="muted">no failed or unreachable host</p>';

    slowTasks.sort(function (a, b) { return (b.t.e - b.t.s) - (a.t.e - a.t.s); });
    var withBaseline = tasks.some(function (x) { return !!x.t.b; });
    document.getElementById('slow-tasks').innerHTML = '<table><tr><th>task</th><th>play</th><th>time</th>' + (withBaseline ? '<th>baseline</th>' : '') + '</tr>' + slowTasks.slice(0, 10).map(function (x) {
      return '<tr><td>' + esc(x.t.name) + '</td><td>' + esc(x.play.name) + '</td><td class="n">' + dur(x.t.e - x.t.s) + '</td>' + (withBaseline ? baselineCell(x.t.b) : '') + '</tr>';
    }).join('') + '</table>';
    var hosts = Object.keys(perHost).sort();
    var slowHosts = hosts.slice().sort(function (a, b) { return perHost[b].time - perHost[a].time; });
    document.getElementById('slow-hosts').innerHTML = '<table><tr><th>host</th><th>time in tasks</th></tr>' + slowHosts.slice(0, 10).map(function (h) {
      return '<tr><td>' + esc(h) + '</td><td class="n">' + dur(perHost[h].time) + '</td></tr>';
    }).join('') + '</table>';

    var cols = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];
    var recap = hosts.filter(function (h) { return F.status === '' || perHost[h][F.status] > 0; }).map(function (h) {
      var c = perHost[h];
      return '<tr data-host="' + esc(h) + '"><td class="' + (c.failed || c.unreachable ? 'hot' : '') + '">' + esc(h) + '</td>' + cols.map(function (k) {
        // ansible's recap counts changed results as ok too
        var n = k === 'ok' ? c.ok + c.changed : c[k];
        return '<td class="n' + (n && (k === 'failed' || k === 'unreachable') ? ' hot' : '') + '">' + n + '</td>';
      }).join('') + '</tr>';
    });
    document.getElementById('recap').innerHTML = '<table><tr><th>host</th>' + cols.map(function (k) { return '<th>' + k + '</th>'; }).join('') + '</tr>' + recap.join('') + '</table>';
  }

  // The baseline column: the slowest host's time in the baseline run, this run's as a multiple of it, and what changed.
  function baselineCell(b) {
    if (!b) return '<td class="n muted">—</td>';
    var text = b.m === undefined ? 'new task' : dur(b.m) + (b.r !== undefined ? ' (' + b.r.toFixed(1) + '×)' : '');
    var hot = b.f.indexOf('slower') >= 0 || b.f.indexOf('newly-failed') >= 0;
    return '<td class="n baseline' + (hot ? ' hot' : '') + '" data-flags="' + esc(b.f.join(' ')) + '" title="' + esc('slowest host: ' + dur(b.n) + ' now' + (b.m === undefined ? '' : ', ' + dur(b.m) + ' in the baseline') + (b.f.length ? '; ' + b.f.join(', ') : '') + (b.h.length ? ': ' + b.h.join(', ') : '')) + '">' + esc(text) + (b.f.length ? ' <span class="muted">' + esc(b.f.join(', ')) + '</span>' : '') + '</td>';
  }

  function renderBaseline() {
    var out = [];
    D.playbooks.forEach(function (pb) {
      var bl = pb.bl;
      if (!bl) return;
      if (D.playbooks.length > 1) out.push('<h3>' + esc(pb.name) + '</h3>');
      var link = D.traceUrl ? ' · <a href="' + esc(D.traceUrl.split('{trace_id}').join(bl.traceId).split('{span_id}').join(bl.rootSpanId)) + '">baseline trace</a>' : '';
      out.push('<p class="bl-head">' + esc(bl.lines[0]) + ' <span class="muted">' + esc(new Date(bl.start).toLocaleString()) + '</span>' + link + '</p>');
      out.push('<ul class="bl-lines">' + bl.lines.slice(1).map(function (l) { return '<li>' + esc(l) + '</li>'; }).join('') + '</ul>');
      if (bl.rows.length) {
        out.push('<table class="bl-tasks"><tr><th>task</th><th>this run</th><th>baseline</th><th>change</th></tr>' + bl.rows.map(function (r) {
          return '<tr data-flags="' + esc(r.f.join(' ')) + '"><td>' + esc(r.task) + '</td><td class="n">' + (r.n === undefined ? '—' : dur(r.n)) + '</td><td class="n baseline">' + (r.m === undefined ? '—' : dur(r.m)) + '</td><td>' + esc((r.r !== undefined ? r.r.toFixed(1) + '×, ' : '') + r.f.join(', ')) + '</td></tr>';
        }).join('') + '</table>');
      }
      if (bl.removed.length) out.push('<p class="muted">removed since the baseline: ' + esc(bl.removed.join(', ')) + '</p>');
    });
    if (out.length) {
      document.getElementById('baseline').innerHTML = out.join('');
      document.getElementById('baseline-section').hidden = false;
    }
  }

  function render() {
    renderWaterfall();
    renderTables();
  }

  document.getElementById('waterfall').addEventListener('click', function (ev) {
    var el = ev.target.closest('[data-key]');
    if (!el) return;
    var k = el.getAttribute('data-key');
    expanded[k] = !expanded[k];
    renderWaterfall();
  });
  document.getElementById('f-host').addEventListener('input', function (ev) { F.host = ev.target.value.trim().toLowerCase(); render(); });
  document.getElementById('f-status').addEventListener('change', function (ev) { F.status = ev.target.value; render(); });
  document.getElementById('f-path').addEventListener('change', function (ev) { F.path = ev.target.checked; renderWaterfall(); });
  document.getElementById('expand-all').addEventListener('click', function () { tasks.forEach(function (x) { expanded[x.key] = true; }); renderWaterfall(); });
  document.getElementById('collapse-all').addEventListener('click', function () { expanded = {}; renderWaterfall(); });

  var hostList = document.getElementById('host-names');
  hostList.innerHTML = D.hosts.slice().sort().map(function (h) { return '<option value="' + esc(h) + '">'; }).join('');

  // Header: one line per playbook, with its outcome, time, counts and trace link.
  document.getElementById('playbooks').innerHTML = D.playbooks.map(function (pb) {
    var counts = {};
    pb.plays.forEach(function (p) { p.tasks.forEach(function (t) { for (var x = 1; x < t.r.length; x += 5) counts[ST[t.r[x]]] = (counts[ST[t.r[x]]] || 0) + 1; }); });
    var c = WORST.filter(function (s) { return counts[s]; }).map(function (s) { return counts[s] + ' ' + s; }).join(', ');
    var link = D.traceUrl ? ' · <a href="' + esc(D.traceUrl.split('{trace_id}').join(pb.traceId).split('{span_id}').join(pb.rootSpanId)) + '">trace</a>' : '';
    return '<div class="pb"><b>' + esc(pb.name) + '</b> <span class="badge ' + esc(pb.result) + '">' + esc(pb.result) + '</span> <span class="muted">' +
      esc(new Date(D.t0 + pb.s).toLocaleString()) + ' · ' + dur(pb.e - pb.s) + ' · ' + esc(c || 'no host results') + ' · trace ' + esc(pb.traceId) + '</span>' + link + '</div>';
  }).join('');
  renderTimeWent();
  renderBaseline();
  render();
})();
`;
