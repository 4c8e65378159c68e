// The conformance checks: every span, span event, log record, metric point and resource of real
// runs against the requirement table (requirements.json, written by us from semconv v1.44) and
// the registry of the pinned @opentelemetry/semantic-conventions (registry.ts). Pure: decoded
// OTLP in, violations out, each naming its rule, where and what.
import type { OtlpLogRecord } from '../helpers/otlp-logs.js';
import type { OtlpPoint } from '../helpers/otlp-metrics.js';
import { STATUS, type AttrValue, type OtlpSpan } from '../helpers/otlp-spans.js';
import type { Registry } from './registry.js';

export type Condition = { attr: string; in: string[] } | { status: 'error' } | { config: keyof RunConfig } | { all: Condition[] };

export interface Requirement {
  key: string;
  level: 'required' | 'conditionally_required' | 'recommended' | 'opt_in' | 'registry';
  /** The spec's condition, in its words (conditionally required). */
  condition?: string;
  /** Where the spec says it: a path under specBase, with a line anchor where there is one. */
  spec: string;
  /** What we guarantee: always, when a condition holds, exactly when it holds, or when known. */
  present: 'always' | 'maybe' | { when: Condition } | { iff: Condition };
  /** Our values, where the spec leaves them open (error.type, exception.type). */
  values?: string[];
  /** The value is the item's value of this attribute, unless the item was cut off (ansible.run.interrupted). */
  matches?: string;
  /** Unique among the items of one trace, or of the whole run. */
  unique?: 'trace' | 'run';
  /** Where our guarantee is less than the spec's level, and why. */
  deviation?: string;
  /** What we set, for docs/semantic-conventions.md. */
  we: string;
}

export interface Subject {
  id: string;
  signal: 'span' | 'event' | 'log' | 'resource';
  /** Which items: a span kind of ours (root, play, scope, task, host, item), an event name, a log event name. */
  select: string;
  /** Log records of these event names too. */
  alsoSelect?: string[];
  /** Items of this subject exist only when this holds. */
  exists?: Condition;
  kind?: 'SERVER' | 'INTERNAL';
  title: string;
  spec: string;
  attributes: Requirement[];
}

export interface MetricRequirement {
  name: string;
  instrument: 'counter' | 'updowncounter' | 'histogram';
  unit: string;
  value: 'int' | 'double';
  spec?: string;
  attributes: Requirement[];
}

export interface Table {
  semconv: string;
  schemaUrl: string;
  specBase: string;
  subjects: Subject[];
  metrics: MetricRequirement[];
}

/** How a run was configured: what the conditions of the table ask about. */
export interface RunConfig {
  /** ANSIBLE_OTEL_TRACE_URL set. */
  traceUrl: boolean;
  /** `exception` span events (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN unset or logs/dup). */
  exceptionEvents: boolean;
  /** exception.* on log records (logs or logs/dup). */
  exceptionLogs: boolean;
  /** Under a CI system's variables. */
  ci: boolean;
  /** …one that gives the runner an identity (GitLab, a self-hosted GitHub runner). */
  ciWorker: boolean;
}

export interface RunSignals {
  name: string;
  config: RunConfig;
  spans: OtlpSpan[];
  logs: OtlpLogRecord[];
  points: OtlpPoint[];
}

export type Rule =
  | 'table'
  | 'present'
  | 'values'
  | 'registry'
  | 'listed'
  | 'meaning'
  | 'status'
  | 'kind'
  | 'unique'
  | 'instrument'
  | 'schema'
  | 'exists'
  | 'naming'
  | 'coverage';

export interface Violation {
  rule: Rule;
  where: string;
  what: string;
}

type Attrs = Record<string, AttrValue>;

/** Our own namespace: keys the registry does not govern. */
const OURS = /^ansible\./;
/** The namespaces whose keys on the resource must be in the table (the rest come from the SDK's detectors). */
const RESOURCE_GOVERNED = /^(cicd|vcs)\./;

const SPAN_KINDS: Record<string, (s: OtlpSpan) => boolean> = {
  root: (s) => s.attributes['ansible.playbook.path'] !== undefined,
  play: (s) => s.attributes['ansible.play.uuid'] !== undefined,
  scope: (s) => s.attributes['ansible.scope.kind'] !== undefined,
  task: (s) => s.attributes['ansible.task.uuid'] !== undefined && s.attributes['ansible.task.host.name'] === undefined,
  host: (s) => s.attributes['ansible.task.host.name'] !== undefined && s.attributes['ansible.task.item.label'] === undefined,
  item: (s) => s.attributes['ansible.task.item.label'] !== undefined,
};
const KIND = { SERVER: 2, INTERNAL: 1 } as const;

/**
 * semconv's name syntax (policies/yaml_schema.rego `name_regex`): lowercase letters and digits,
 * `.` between namespaces, `_` between words, no delimiter first, last or twice in a row.
 */
const NAME = /^[a-z][a-z0-9]*([._][a-z0-9]+)*$/;
/** An English plural in `-s` (not `-ss`, `-us`, `-is`: process, status, analysis). */
const PLURAL = /(?<![sui])s$/;

function holds(c: Condition, attrs: Attrs, config: RunConfig, status?: number): boolean {
  if ('all' in c) return c.all.every((x) => holds(x, attrs, config, status));
  if ('config' in c) return config[c.config];
  if ('status' in c) return status === STATUS.ERROR;
  return c.in.includes(String(attrs[c.attr]));
}

const str = (v: AttrValue): string => JSON.stringify(v);

export class Checker {
  readonly violations: Violation[] = [];
  private readonly schemaSaid = new Set<string>();
  private readonly namesSaid = new Set<string>();
  /** What the runs showed of the table: subjects and metrics with an item, rows with a value (`id key`). */
  private readonly seen = new Set<string>();

  constructor(
    private readonly table: Table,
    private readonly registry: Registry,
  ) {}

  private add(rule: Rule, where: string, what: string): void {
    this.violations.push({ rule, where, what });
  }

  /** The table itself: the pinned package's release, registered keys, the spec's levels kept or a deviation said. */
  checkTable(): this {
    const { table, registry } = this;
    if (table.semconv !== registry.version) this.add('table', 'requirements.json', `semconv ${table.semconv}, but the pinned package is ${registry.version}`);
    if (table.schemaUrl !== `https://opentelemetry.io/schemas/${table.semconv}`) this.add('table', 'requirements.json', `schemaUrl ${table.schemaUrl}`);
    const rows = [...table.subjects.map((s) => [s.id, s.attributes] as const), ...table.metrics.map((m) => [m.name, m.attributes] as const)];
    for (const [id, attributes] of rows)
      for (const r of attributes) {
        if (!registry.keys.has(r.key) || registry.deprecated.has(r.key)) this.add('table', id, `${r.key} is not a key of the v${registry.version} registry`);
        if (r.level === 'required' && r.present !== 'always' && !r.deviation)
          this.add('table', id, `${r.key} is Required but not always set, and no deviation says why`);
        if (r.level === 'conditionally_required' && (r.present === 'maybe' || !r.condition) && !r.deviation)
          this.add('table', id, `${r.key} is Conditionally Required: its condition and our guarantee must be stated`);
      }
    for (const m of table.metrics) if (!OURS.test(m.name) && !registry.metrics.has(m.name)) this.add('table', m.name, 'not a metric of the registry');
    return this;
  }

  /** Every signal of one run. */
  checkRun(run: RunSignals): this {
    this.checkSpans(run);
    this.checkLogs(run);
    this.checkPoints(run);
    this.checkResources(run);
    this.checkMeaning(run);
    this.checkNames(run);
    return this;
  }

  /**
   * After every run: each subject and metric of the table had an item, and each of its attributes
   * a value, somewhere. A row no run shows is a claim the test does not prove.
   */
  checkCoverage(): this {
    for (const [id, rows] of [
      ...this.table.subjects.map((s) => [s.id, s.attributes] as const),
      ...this.table.metrics.map((m) => [m.name, m.attributes] as const),
    ]) {
      if (!this.seen.has(id)) this.add('coverage', id, 'no run has one');
      else for (const r of rows) if (!this.seen.has(`${id} ${r.key}`)) this.add('coverage', id, `no run has ${r.key}`);
    }
    return this;
  }

  private subject(signal: Subject['signal'], select: string): Subject | undefined {
    return this.table.subjects.find((s) => s.signal === signal && (s.select === select || s.alsoSelect?.includes(select)));
  }

  /** The requirements of one item: presence, values, and that every registered key it has is one the table lists for it. */
  private checkItem(id: string, where: string, attrs: Attrs, rows: Requirement[], config: RunConfig, status?: number, governed: RegExp | null = null): void {
    const listed = new Set(rows.map((r) => r.key));
    this.seen.add(id);
    for (const r of rows) {
      const present = attrs[r.key] !== undefined;
      if (present) this.seen.add(`${id} ${r.key}`);
      const p = r.present;
      if (p === 'always' && !present) this.add('present', where, `${r.key} is missing (${r.level})`);
      if (typeof p === 'object' && 'when' in p && holds(p.when, attrs, config, status) && !present)
        this.add('present', where, `${r.key} is missing (${r.level}${r.condition ? `: ${r.condition}` : ''})`);
      if (typeof p === 'object' && 'iff' in p && holds(p.iff, attrs, config, status) !== present)
        this.add(
          'present',
          where,
          present ? `${r.key}=${str(attrs[r.key])} where it must not be` : `${r.key} is missing (${r.level}${r.condition ? `: ${r.condition}` : ''})`,
        );
      if (!present) continue;
      const value = String(attrs[r.key]);
      if (r.values && !r.values.includes(value)) this.add('values', where, `${r.key}=${value} is not one of ours: ${r.values.join(', ')}`);
      if (r.matches && attrs['ansible.run.interrupted'] === undefined && attrs[r.matches] !== attrs[r.key])
        this.add('values', where, `${r.key}=${value}, but ${r.matches}=${str(attrs[r.matches])}`);
    }
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined) continue;
      const spec = this.registry.enums.get(key);
      // An enum whose only registered value is the fallback (error.type: `_OTHER`) is open: the table's values apply.
      const open = spec && spec.size === 1 && spec.has('_OTHER');
      if (spec && !open && !spec.has(String(value))) this.add('values', where, `${key}=${String(value)} is not in the spec's set: ${[...spec].join(', ')}`);
      if (OURS.test(key)) continue;
      if (this.registry.deprecated.has(key)) this.add('registry', where, `${key} is deprecated in the v${this.registry.version} registry`);
      else if (!this.registry.keys.has(key)) this.add('registry', where, `${key} is not a key of the v${this.registry.version} registry, nor ours (ansible.*)`);
      else if (!listed.has(key) && (governed === null || governed.test(key))) this.add('listed', where, `${key} is not in the table for this item`);
    }
  }

  private checkSpans(run: RunSignals): void {
    const byTrace = new Map<string, OtlpSpan[]>();
    for (const s of run.spans) byTrace.set(s.traceId, [...(byTrace.get(s.traceId) ?? []), s]);
    const unique = new Map<string, Set<string>>();
    for (const s of run.spans) {
      const kinds = Object.keys(SPAN_KINDS).filter((k) => SPAN_KINDS[k]!(s));
      const where = `${run.name}: ${kinds[0] ?? 'span'} span "${s.name}"`;
      this.schema(where, s.schemaUrl);
      if (kinds.length !== 1) {
        this.add('kind', where, `is ${kinds.length ? kinds.join(' and ') : 'none'} of the span kinds the table knows`);
        continue;
      }
      const subject = this.subject('span', kinds[0]!);
      if (!subject) {
        this.add('table', where, `no subject for ${kinds[0]} spans`);
        continue;
      }
      if (subject.kind && s.kind !== KIND[subject.kind]) this.add('kind', where, `span kind ${s.kind}, want ${subject.kind}`);
      this.checkItem(subject.id, where, s.attributes, subject.attributes, run.config, s.status.code);
      this.statusRules(where, s, kinds[0]!);
      // a failure's exception is an `exception` event on its span, unless exceptions go to logs only
      if (
        run.config.exceptionEvents &&
        s.status.code === STATUS.ERROR &&
        (kinds[0] === 'host' || kinds[0] === 'item') &&
        !s.events.some((e) => e.name === 'exception')
      )
        this.add('present', where, 'an ERROR host or item span without its exception event');
      for (const r of subject.attributes.filter((x) => x.unique && s.attributes[x.key] !== undefined)) {
        const scope = `${r.key} ${r.unique === 'trace' ? s.traceId : ''}`;
        const seen = unique.get(scope) ?? new Set<string>();
        const v = String(s.attributes[r.key]);
        if (seen.has(v)) this.add('unique', where, `${r.key}=${v} again in its ${r.unique === 'trace' ? 'pipeline run' : 'run'}`);
        seen.add(v);
        unique.set(scope, seen);
      }
      for (const e of s.events) this.checkEvent(`${where}, event ${e.name}`, e.name, e.attributes, run.config);
    }
  }

  private checkEvent(where: string, name: string, attrs: Attrs, config: RunConfig): void {
    const subject = this.subject('event', name);
    if (subject?.exists && !holds(subject.exists, attrs, config)) this.add('exists', where, `no ${name} event may be here in this configuration`);
    this.checkItem(subject?.id ?? `event ${name}`, where, attrs, subject?.attributes ?? [], config);
  }

  /** recording-errors.md: unset unless it failed, and ERROR with error.type; the results agree with the status. */
  private statusRules(where: string, s: OtlpSpan, kind: string): void {
    const error = s.status.code === STATUS.ERROR;
    if (s.status.code === STATUS.OK) this.add('status', where, 'status OK: it MUST be left unset when nothing failed');
    if (error !== (s.attributes['error.type'] !== undefined)) this.add('status', where, error ? 'ERROR without error.type' : 'error.type without ERROR');
    const result = s.attributes[kind === 'root' ? 'cicd.pipeline.result' : 'cicd.pipeline.task.run.result'];
    if (kind === 'root' || kind === 'task') {
      const failed = ['failure', 'error', 'cancellation', 'timeout'].includes(String(result));
      if (failed !== error) this.add('status', where, `result ${String(result)} with status ${s.status.code}`);
    }
    if (kind === 'root' && s.name !== `${String(s.attributes['cicd.pipeline.action.name'])} ${String(s.attributes['cicd.pipeline.name'])}`)
      this.add('status', where, 'the name is not `{action} {pipeline}`');
  }

  private checkLogs(run: RunSignals): void {
    const uids = new Set<string>();
    for (const l of run.logs) {
      const where = `${run.name}: log ${l.eventName ?? '(no event name)'} "${String(l.body).split('\n')[0]!.slice(0, 60)}"`;
      this.schema(where, l.schemaUrl);
      const subject = l.eventName === undefined ? undefined : this.subject('log', l.eventName);
      if (!subject) {
        this.add('table', where, 'no subject for this event name');
        continue;
      }
      if (subject.exists && !holds(subject.exists, l.attributes, run.config)) this.add('exists', where, 'no such record may be here in this configuration');
      this.checkItem(subject.id, where, l.attributes, subject.attributes, run.config);
      const uid = String(l.attributes['log.record.uid']);
      if (uids.has(uid)) this.add('unique', where, `log.record.uid ${uid} again`);
      uids.add(uid);
    }
  }

  private checkPoints(run: RunSignals): void {
    for (const p of run.points) {
      const where = `${run.name}: point ${p.metric}`;
      this.schema(where, p.schemaUrl);
      const m = this.table.metrics.find((x) => x.name === p.metric);
      if (!m) {
        this.add('instrument', where, 'a metric the table does not have (add it to requirements.json and docs/metrics.md)');
        continue;
      }
      const histogram = p.kind === 'histogram' || p.kind === 'exponentialHistogram';
      if ((m.instrument === 'histogram') !== histogram) this.add('instrument', where, `a ${p.kind}, want a ${m.instrument}`);
      if (m.instrument !== 'histogram' && p.monotonic !== (m.instrument === 'counter'))
        this.add('instrument', where, `monotonic ${p.monotonic}, want a ${m.instrument}`);
      if (p.unit !== m.unit) this.add('instrument', where, `unit ${p.unit}, want ${m.unit}`);
      if (!histogram && p.valueType !== m.value) this.add('instrument', where, `${p.valueType} values, want ${m.value}`);
      this.checkItem(m.name, where, p.attributes, m.attributes, run.config);
    }
  }

  private checkResources(run: RunSignals): void {
    const subject = this.subject('resource', 'resource')!;
    const seen = new Set<string>();
    for (const [signal, resource] of [
      ...run.spans.map((s) => ['traces', s.resource] as const),
      ...run.logs.map((l) => ['logs', l.resource] as const),
      ...run.points.map((p) => ['metrics', p.resource] as const),
    ]) {
      const id = `${signal} ${JSON.stringify(resource)}`;
      if (seen.has(id)) continue;
      seen.add(id);
      this.checkItem(subject.id, `${run.name}: the ${signal} resource`, resource, subject.attributes, run.config, undefined, RESOURCE_GOVERNED);
    }
  }

  /**
   * One key, one meaning: no key on the resource is on a span, event, record or point too; and
   * what a record or point says about a pipeline run, task run or error is what its span says.
   */
  private checkMeaning(run: RunSignals): void {
    const onResource = new Set(
      [...run.spans.map((s) => s.resource), ...run.logs.map((l) => l.resource), ...run.points.map((p) => p.resource)].flatMap((r) => Object.keys(r)),
    );
    const items: [string, Attrs][] = [
      ...run.spans.flatMap((s): [string, Attrs][] => [
        [`span "${s.name}"`, s.attributes],
        ...s.events.map((e): [string, Attrs] => [`event ${e.name} of "${s.name}"`, e.attributes]),
      ]),
      ...run.logs.map((l): [string, Attrs] => [`log ${l.eventName}`, l.attributes]),
      ...run.points.map((p): [string, Attrs] => [`point ${p.metric}`, p.attributes]),
    ];
    const reported = new Set<string>();
    for (const [what, attrs] of items)
      for (const key of Object.keys(attrs))
        if (onResource.has(key) && !reported.has(key)) {
          reported.add(key);
          this.add('meaning', `${run.name}: ${what}`, `${key} is on the resource too`);
        }
    // a record says what its span (or the nearest span above it that has the key) says
    const byId = new Map(run.spans.map((s) => [s.spanId, s]));
    const shared = ['cicd.pipeline.name', 'cicd.pipeline.run.id', 'cicd.pipeline.result', 'cicd.pipeline.task.name', 'cicd.pipeline.task.run.id', 'error.type'];
    for (const l of run.logs) {
      const span = byId.get(l.spanId);
      if (!span) {
        this.add('meaning', `${run.name}: log ${l.eventName}`, `its span ${l.spanId} is not in the trace`);
        continue;
      }
      for (const key of shared.filter((k) => l.attributes[k] !== undefined)) {
        let s: OtlpSpan | undefined = span;
        while (s && s.attributes[key] === undefined) s = byId.get(s.parentSpanId);
        if (s?.attributes[key] !== l.attributes[key])
          this.add(
            'meaning',
            `${run.name}: log ${l.eventName} on "${span.name}"`,
            `${key}=${str(l.attributes[key])}, its span says ${str(s?.attributes[key])}`,
          );
      }
    }
    // a point's pipeline, result and error are those of a root of the run
    const roots = run.spans.filter(SPAN_KINDS.root!);
    for (const p of run.points) {
      const a = p.attributes;
      if (a['cicd.pipeline.name'] === undefined) continue;
      const match = roots.some((r) =>
        ['cicd.pipeline.name', 'cicd.pipeline.result', 'error.type'].every((k) => a[k] === undefined || a[k] === r.attributes[k]),
      );
      if (!match) this.add('meaning', `${run.name}: point ${p.metric}`, `no pipeline run of the trace has ${JSON.stringify(a)}`);
    }
  }

  /** semconv's naming rules ({@link namingProblems}) on every name the run sends, each name said once. */
  private checkNames(run: RunSignals): void {
    const keys = new Set<string>();
    const events = new Set<string>();
    for (const s of run.spans) {
      for (const k of [...Object.keys(s.attributes), ...Object.keys(s.resource)]) keys.add(k);
      for (const e of s.events) {
        events.add(e.name);
        for (const k of Object.keys(e.attributes)) keys.add(k);
      }
    }
    for (const l of run.logs) {
      if (l.eventName !== undefined) events.add(l.eventName);
      for (const k of [...Object.keys(l.attributes), ...Object.keys(l.resource)]) keys.add(k);
    }
    for (const p of run.points) for (const k of [...Object.keys(p.attributes), ...Object.keys(p.resource)]) keys.add(k);
    const metrics = new Map<string, MetricName>();
    for (const p of run.points) {
      const histogram = p.kind === 'histogram' || p.kind === 'exponentialHistogram';
      metrics.set(p.metric, { name: p.metric, unit: p.unit, instrument: histogram ? 'histogram' : p.monotonic === false ? 'updowncounter' : 'counter' });
    }
    for (const { name, what } of namingProblems([...keys], [...events], [...metrics.values()])) {
      if (this.namesSaid.has(`${name} ${what}`)) continue;
      this.namesSaid.add(`${name} ${what}`);
      this.add('naming', `${run.name}: ${name}`, what);
    }
  }

  /** Said once per scope URL and signal: every item of a scope has the same. */
  private schema(where: string, schemaUrl: string | undefined): void {
    const once = `${where.split(':')[0]} ${where.split(':')[1]?.trim().split(' ')[0]} ${String(schemaUrl)}`;
    if (schemaUrl === this.table.schemaUrl || this.schemaSaid.has(once)) return;
    this.schemaSaid.add(once);
    this.add('schema', where, `scope schema URL ${String(schemaUrl)}, want ${this.table.schemaUrl}`);
  }
}

export type MetricName = Pick<MetricRequirement, 'name' | 'unit' | 'instrument'>;

/**
 * Names as semconv's naming.md and the policies its own registry is checked with ask: the name
 * syntax for attribute keys, event names and metric names (policies/yaml_schema.rego); no attribute
 * key that is a namespace of another (attribute_name_collisions.rego), no metric name that is a
 * namespace of another metric (metrics_collisions.rego); metric namespaces singular, an
 * UpDownCounter's name singular, a plural name only for a count in a `{unit}`, no `total`
 * (naming.md#naming-rules-for-counters-and-updowncounters). Pure: names in, problems out.
 */
export function namingProblems(keys: string[], events: string[], metrics: MetricName[]): { name: string; what: string }[] {
  const out: { name: string; what: string }[] = [];
  const say = (name: string, what: string): number => out.push({ name, what });
  for (const name of [...keys, ...events])
    if (!NAME.test(name)) say(name, "not a name by semconv's syntax: lowercase a-z 0-9, `.` between namespaces, `_` between words");
  for (const key of keys) {
    const below = keys.filter((k) => k.startsWith(`${key}.`));
    if (below.length) say(key, `an attribute, and a namespace of ${below.join(', ')}`);
  }
  for (const { name, unit, instrument } of metrics) {
    if (!NAME.test(name)) say(name, "not a metric name by semconv's syntax");
    const below = metrics.filter((m) => m.name.startsWith(`${name}.`)).map((m) => m.name);
    if (below.length) say(name, `a metric, and a namespace of ${below.join(', ')}`);
    const parts = name.split('.');
    const last = parts.pop()!;
    const plural = parts.filter((n) => PLURAL.test(n));
    if (plural.length) say(name, `plural metric namespace ${plural.join(', ')}`);
    if (PLURAL.test(last) && instrument === 'updowncounter') say(name, 'an UpDownCounter with a plural name');
    else if (PLURAL.test(last) && !/^\{.+\}$/.test(unit)) say(name, `a plural name for a measure in ${unit}, not a count`);
    if (/(^|_)total$/.test(last)) say(name, 'ends in total');
  }
  return out;
}

/** Violations of `rule`, as lines (what a failing assertion prints). */
export function linesOf(violations: Violation[], rule: Rule): string[] {
  return violations.filter((v) => v.rule === rule).map((v) => `${v.where}: ${v.what}`);
}
