import { ValueType, type Attributes, type HrTime } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  InstrumentType,
  type CollectionResult,
  type DataPoint,
  type Histogram,
  type HistogramMetricData,
  type MetricProducer,
  type MetricReader,
} from '@opentelemetry/sdk-metrics';
import { emptyResource } from '@opentelemetry/resources';
import { SCOPE_NAME, SCOPE_OPTIONS } from './scope.js';

/**
 * An explicit-bucket histogram the recorder aggregates itself and hands every reader as a
 * `MetricProducer`, instead of an SDK instrument: the SDK hashes the attribute set (sort +
 * JSON.stringify) on every `record`, an eighth of all the bytes serve allocated at one record per
 * host result (bench/analysis.md, issue 31). Here a result adds to a series the recorder already
 * holds (`DurationSeries.record`): no lookup, no hash. The points are what the SDK's histogram
 * aggregator makes (sdk-metrics aggregator/Histogram.js): the same buckets, count, sum, min, max,
 * descriptor and scope, in each reader's own temporality.
 */

/** What the SDK instrument was created with (name, unit, description, advice's boundaries). */
export interface HistogramDescriptor {
  name: string;
  unit: string;
  description: string;
  boundaries: number[];
}

/**
 * Series kept at most, the overflow series included: the SDK's default cardinality limit per
 * instrument (2,000). Past it every new attribute set goes to the overflow series
 * `otel.metric.overflow=true`, as in the SDK, so nothing recorded is lost and memory stays flat.
 * The series are never let go of, unlike the recorder's attribute cache: a cumulative point must
 * keep its start time and never go down, so a series once reported is kept for the process's life.
 */
export const HISTOGRAM_SERIES_KEPT = 2_000;
const OVERFLOW: Attributes = { 'otel.metric.overflow': true };

/** The time as the SDK's points have it (MetricCollector: millisToHrTime(Date.now())). */
const now = (): HrTime => millisToHrTime(Date.now());

/** Index of the bucket `(b[i-1], b[i]]` holding `value`: upper bounds inclusive, as the SDK's binarySearchUB. */
export function bucketOf(boundaries: readonly number[], value: number): number {
  let lo = 0;
  let hi = boundaries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (boundaries[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Count, sum, min, max and bucket counts of the values of one series over some span of time. */
class Accumulation {
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  readonly counts: number[];

  constructor(buckets: number) {
    this.counts = new Array<number>(buckets).fill(0);
  }

  add(value: number, bucket: number): void {
    this.count += 1;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.counts[bucket]! += 1;
  }

  /** A copy for a point: the exporter reads it after this accumulation has moved on. */
  value(boundaries: number[]): Histogram {
    return { count: this.count, sum: this.sum, min: this.min, max: this.max, buckets: { boundaries, counts: [...this.counts] } };
  }
}

/** One attribute set: its values since it started, and since each delta reader's last collection. */
export class DurationSeries {
  readonly total: Accumulation;
  /** One per delta reader that has collected (DurationProducer.slot). */
  readonly sinceCollection: Accumulation[] = [];

  constructor(
    private readonly boundaries: number[],
    readonly attributes: Attributes,
    /** When the series started: a cumulative point's start time. */
    readonly start: HrTime,
    deltaReaders: number,
  ) {
    this.total = new Accumulation(boundaries.length + 1);
    for (let i = 0; i < deltaReaders; i++) this.sinceCollection.push(new Accumulation(boundaries.length + 1));
  }

  /** One value; NaN is dropped as the SDK drops it. */
  record(value: number): void {
    if (Number.isNaN(value)) return;
    const bucket = bucketOf(this.boundaries, value);
    this.total.add(value, bucket);
    for (const a of this.sinceCollection) a.add(value, bucket);
  }
}

/** The series of one histogram, bounded (HISTOGRAM_SERIES_KEPT), and the producers that report them. */
export class DurationHistogram {
  private readonly series = new Map<string, DurationSeries>();
  private overflow: DurationSeries | undefined;
  private deltaReaders = 0;

  constructor(
    readonly descriptor: HistogramDescriptor,
    private readonly limit = HISTOGRAM_SERIES_KEPT,
  ) {}

  /**
   * The series `key` names (its attributes, from `attributes()` when it is new); past the limit,
   * the overflow series. Callers look it up once and keep it: `record` on it costs no hash.
   */
  seriesOf(key: string, attributes: () => Attributes): DurationSeries {
    const known = this.series.get(key);
    if (known) return known;
    // the overflow series counts towards the limit, as in the SDK (DeltaMetricProcessor: limit - 1 others)
    if (this.series.size >= this.limit - 1) return (this.overflow ??= this.newSeries(OVERFLOW));
    const s = this.newSeries(attributes());
    this.series.set(key, s);
    return s;
  }

  private newSeries(attributes: Attributes): DurationSeries {
    return new DurationSeries(this.descriptor.boundaries, attributes, now(), this.deltaReaders);
  }

  /** Series kept now, the overflow series included. */
  get size(): number {
    return this.series.size + (this.overflow ? 1 : 0);
  }

  /** Every series, the overflow series last. */
  *all(): Iterable<DurationSeries> {
    yield* this.series.values();
    if (this.overflow) yield this.overflow;
  }

  /** A new accumulation in every series from now on, for a delta reader; returns its index. */
  addDeltaReader(): number {
    for (const s of this.all()) s.sinceCollection.push(new Accumulation(this.descriptor.boundaries.length + 1));
    return this.deltaReaders++;
  }

  /** Resets a delta reader's accumulation of `s`, returning what it held. */
  takeSinceCollection(s: DurationSeries, slot: number): Accumulation {
    const taken = s.sinceCollection[slot]!;
    s.sinceCollection[slot] = new Accumulation(this.descriptor.boundaries.length + 1);
    return taken;
  }
}

/**
 * The points of one reader, in that reader's temporality (asked of the reader itself at its first
 * collection, as the SDK does, and kept): cumulative points have every series since it started;
 * delta points have the series that had values since this reader's previous collection, from that
 * collection's time. A delta reader's first collection reports everything so far (its previous
 * collection is the start), then it gets an accumulation of its own in every series.
 */
class DurationProducer implements MetricProducer {
  private temporality: AggregationTemporality | undefined;
  /** This delta reader's accumulation in each series, once it has collected. */
  private slot: number | undefined;
  private lastCollection: HrTime | undefined;

  constructor(
    private readonly histogram: DurationHistogram,
    private readonly temporalityOf: () => AggregationTemporality,
  ) {}

  collect(): Promise<CollectionResult> {
    const endTime = now();
    this.temporality ??= this.temporalityOf();
    const { boundaries } = this.histogram.descriptor;
    const dataPoints: DataPoint<Histogram>[] = [];
    for (const s of this.histogram.all()) {
      if (this.slot === undefined) {
        // cumulative, or a delta reader's first collection: everything since the series started
        if (s.total.count > 0) dataPoints.push({ attributes: s.attributes, startTime: s.start, endTime, value: s.total.value(boundaries) });
      } else if (s.sinceCollection[this.slot]!.count > 0) {
        const value = this.histogram.takeSinceCollection(s, this.slot).value(boundaries);
        dataPoints.push({ attributes: s.attributes, startTime: this.lastCollection!, endTime, value });
      }
    }
    if (this.temporality === AggregationTemporality.DELTA) this.slot ??= this.histogram.addDeltaReader();
    this.lastCollection = endTime;
    const scopeMetrics = dataPoints.length ? [this.scopeMetrics(dataPoints)] : [];
    // the reader keeps the SDK's resource and takes only the scope metrics of a producer
    return Promise.resolve({ resourceMetrics: { resource: emptyResource(), scopeMetrics }, errors: [] });
  }

  private scopeMetrics(dataPoints: DataPoint<Histogram>[]) {
    const d = this.histogram.descriptor;
    const metric: HistogramMetricData = {
      // what the SDK's InstrumentDescriptor for the instrument is, advice included
      descriptor: {
        name: d.name,
        description: d.description,
        unit: d.unit,
        valueType: ValueType.DOUBLE,
        type: InstrumentType.HISTOGRAM,
        advice: { explicitBucketBoundaries: d.boundaries },
      } as HistogramMetricData['descriptor'],
      aggregationTemporality: this.temporality!,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints,
    };
    // the SDK meter's scope: no version is ''
    return { scope: { name: SCOPE_NAME, version: '', ...SCOPE_OPTIONS }, metrics: [metric] };
  }
}

/**
 * A reader `make` builds with a producer of `histogram`'s points in that reader's temporality
 * (none without a histogram: the SDK instrument records then). The reader is asked its temporality
 * for histograms at its first collection: Prometheus is cumulative, a push exporter says what
 * OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE asked for.
 */
export function withHistogram<R extends MetricReader>(histogram: DurationHistogram | undefined, make: (metricProducers: MetricProducer[]) => R): R {
  if (!histogram) return make([]);
  let reader: R | undefined;
  const producer = new DurationProducer(histogram, () => reader!.selectAggregationTemporality(InstrumentType.HISTOGRAM));
  reader = make([producer]);
  return reader;
}
