// The requirement table the conformance test checks every signal against
// (test/conformance/requirements.json) as the tables of docs/semantic-conventions.md, each between
// `<!-- requirements:ID -->` and `<!-- /requirements:ID -->`. Rewrite them after editing the table:
//   node scripts/semconv-doc.mjs
// test/conformance/semconv-doc.test.ts fails while the document and the table differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const LEVEL = {
  required: 'Required',
  conditionally_required: 'Cond. Required',
  recommended: 'Recommended',
  opt_in: 'Opt-In',
  registry: '— (registry)',
};

const CONFIG = {
  traceUrl: '`ANSIBLE_OTEL_TRACE_URL` is set',
  exceptionEvents: 'exceptions are span events (`OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN` unset or `logs/dup`)',
  exceptionLogs: 'exceptions are logs (`OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN` `logs` or `logs/dup`)',
  ci: 'under CI',
  ciWorker: 'the CI names the runner',
};

const code = (v) => `\`${v}\``;

function condition(c) {
  if (c.all) return c.all.map(condition).join(' and ');
  if (c.config) return CONFIG[c.config];
  if (c.status) return 'the span is ERROR';
  return `${code(c.attr)} is ${c.in.map(code).join(', ')}`;
}

function present(p) {
  if (p === 'always') return 'always';
  if (p === 'maybe') return 'when known';
  if (p.iff) return `exactly when ${condition(p.iff)}`;
  return `when ${condition(p.when)}`;
}

function specLink(base, spec) {
  const [path, anchor] = spec.split('#');
  return `[${path.split('/').pop()}${anchor ? `:${anchor.slice(1)}` : ''}](${base}${spec})`;
}

const cell = (text) => text.replaceAll('|', '\\|');

function level(r) {
  return `${LEVEL[r.level]}${r.condition ? ` (${r.condition})` : ''}`;
}

function we(r) {
  const parts = [r.we];
  if (r.values) parts.push(`values: ${r.values.map(code).join(', ')}`);
  if (r.unique) parts.push(`unique in the ${r.unique === 'trace' ? 'pipeline run' : 'run'}`);
  return parts.join('; ');
}

function attributeRows(base, rows) {
  return rows.map(
    (r) =>
      `| ${code(r.key)} | ${specLink(base, r.spec)} | ${cell(level(r))} | ${cell(present(r.present))}${r.deviation ? ` — **deviation**: ${cell(r.deviation)}` : ''} | ${cell(we(r))} |`,
  );
}

function subjectTable(base, s) {
  const lead = [`Spec: ${specLink(base, s.spec)}.`];
  if (s.kind) lead.push(`Span kind ${code(s.kind)}.`);
  if (s.exists) lead.push(`Only when ${condition(s.exists)}.`);
  return [
    lead.join(' '),
    '',
    '| attribute | spec | level | we set it | what we set |',
    '| --- | --- | --- | --- | --- |',
    ...attributeRows(base, s.attributes),
  ].join('\n');
}

function metricsTable(base, metrics) {
  const rows = metrics.map((m) => {
    const attributes = m.attributes.map((r) => `${code(r.key)}: ${level(r)}, ${present(r.present)}`).join('; ');
    return `| ${code(m.name)} | ${m.spec ? specLink(base, m.spec) : 'ours'} | ${m.instrument} | ${code(m.unit)} | ${m.value} | ${cell(attributes || '`ansible.*` only')} |`;
  });
  return ['| metric | spec | instrument | unit | value | semconv attributes |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** Every table of the document, by id: one per subject of the table, and `metrics`. */
export function requirementTables(table) {
  const out = {};
  for (const s of table.subjects) out[s.id] = subjectTable(table.specBase, s);
  out.metrics = metricsTable(table.specBase, table.metrics);
  return out;
}

/** `doc` with each table between its markers rendered anew; a table without its markers is an error. */
export function withRequirementTables(doc, table) {
  let out = doc;
  for (const [id, body] of Object.entries(requirementTables(table))) {
    const open = `<!-- requirements:${id} -->`;
    const close = `<!-- /requirements:${id} -->`;
    const start = out.indexOf(open);
    const end = out.indexOf(close);
    if (start < 0 || end < start) throw new Error(`docs/semantic-conventions.md has no ${open} … ${close}`);
    out = `${out.slice(0, start + open.length)}\n${body}\n${out.slice(end)}`;
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const table = JSON.parse(readFileSync(new URL('../test/conformance/requirements.json', import.meta.url), 'utf8'));
  const doc = new URL('../docs/semantic-conventions.md', import.meta.url);
  writeFileSync(doc, withRequirementTables(readFileSync(doc, 'utf8'), table));
}
