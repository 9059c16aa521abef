/**
 * The in-memory sink behind `GET /v1/agent/metrics` (go-metrics' InmemSink, as Consul runs it): values are
 * aggregated per 10 s interval, the last minute of intervals is kept, and the answer shows the most recent
 * finished interval (the current one when it is the only one).
 *
 * Bounds: at most {@link MAX_INTERVALS} intervals, each with at most {@link MAX_SERIES_PER_INTERVAL} counter and as
 * many sample series. Overflow policy: a new series arriving at a full interval is dropped (existing series keep aggregating)
 * and counted, so the loss is visible as `entente.metrics.series_dropped`.
 */
export const INTERVAL_MS = 10_000;
export const RETAIN_MS = 60_000;
export const MAX_INTERVALS = Math.ceil(RETAIN_MS / INTERVAL_MS);
export const MAX_SERIES_PER_INTERVAL = 4_096;

export type LabelValues = Readonly<Record<string, string>>;

/** Count, sum, min, max and sum of squares of the values of one series in one interval. */
export class Aggregate {
  count = 0;
  sum = 0;
  sumSq = 0;
  min = 0;
  max = 0;

  add(v: number): void {
    if (this.count === 0 || v < this.min) this.min = v;
    if (this.count === 0 || v > this.max) this.max = v;
    this.count += 1;
    this.sum += v;
    this.sumSq += v * v;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** Sample standard deviation, 0 below two values (go-metrics' formula). */
  get stddev(): number {
    const div = this.count * (this.count - 1);
    if (div === 0) return 0;
    return Math.sqrt(Math.max(0, (this.count * this.sumSq - this.sum * this.sum) / div));
  }
}

interface Series<T> {
  name: string;
  labels: LabelValues;
  value: T;
}

class Interval {
  readonly start: number;
  readonly counters = new Map<string, Series<Aggregate>>();
  readonly samples = new Map<string, Series<Aggregate>>();

  constructor(start: number) {
    this.start = start;
  }
}

/** Consul's `/v1/agent/metrics` JSON (go-metrics MetricsSummary). */
export interface MetricsSummary {
  Timestamp: string;
  Gauges: { Name: string; Value: number; Labels: Record<string, string> }[];
  Points: { Name: string; Points: number[] }[];
  Counters: SampledValue[];
  Samples: SampledValue[];
}

export interface SampledValue {
  Name: string;
  Count: number;
  Rate: number;
  Sum: number;
  Min: number;
  Max: number;
  Mean: number;
  Stddev: number;
  Labels: Record<string, string>;
}

/** A gauge value read at display time (peering status and the like). */
export interface GaugeReading {
  name: string;
  labels: LabelValues;
  value: number;
}

export function seriesKey(name: string, labels: LabelValues): string {
  let key = name;
  for (const k of Object.keys(labels).sort()) key += `;${k}=${labels[k] ?? ''}`;
  return key;
}

export class InmemSink {
  readonly #intervals: Interval[] = [];
  readonly #now: () => number;
  /** Series refused because their interval was full (see the overflow policy above). */
  dropped = 0;

  constructor(now: () => number) {
    this.#now = now;
  }

  incrCounter(name: string, labels: LabelValues, value: number): void {
    this.#aggregate(this.#current().counters, name, labels, value);
  }

  /** `key`: the series key when the caller has it already ({@link seriesKey} of name and labels). */
  addSample(name: string, labels: LabelValues, value: number, key?: string): void {
    this.#aggregate(this.#current().samples, name, labels, value, key);
  }

  /**
   * The summary of the latest finished interval. Gauges are read when asked (`gauges`, current values) rather
   * than emitted on a timer as Consul does, so they are never older than the request.
   */
  display(gauges: readonly GaugeReading[]): MetricsSummary {
    this.#current();
    const n = this.#intervals.length;
    // Always at least one after #current().
    const interval = (n === 1 ? this.#intervals[0] : this.#intervals[n - 2]) as Interval;
    const byKey = new Map<string, Series<number>>();
    for (const g of gauges) byKey.set(seriesKey(g.name, g.labels), { ...g });
    return {
      Timestamp: goTimeString(interval.start),
      Gauges: sorted(byKey).map((g) => ({ Name: g.name, Value: g.value, Labels: { ...g.labels } })),
      Points: [],
      Counters: sorted(interval.counters).map((s) => sampled(s)),
      Samples: sorted(interval.samples).map((s) => sampled(s)),
    };
  }

  #aggregate(
    map: Map<string, Series<Aggregate>>,
    name: string,
    labels: LabelValues,
    v: number,
    known?: string,
  ): void {
    const key = known ?? seriesKey(name, labels);
    let s = map.get(key);
    if (!s) {
      if (!this.#room(map)) return;
      s = { name, labels, value: new Aggregate() };
      map.set(key, s);
    }
    s.value.add(v);
  }

  #room(map: Map<string, unknown>): boolean {
    if (map.size < MAX_SERIES_PER_INTERVAL) return true;
    this.dropped += 1;
    return false;
  }

  /** The interval the current time falls in; starts a new one (and forgets the oldest) when time moved on. */
  #current(): Interval {
    const start = Math.floor(this.#now() / INTERVAL_MS) * INTERVAL_MS;
    const last = this.#intervals[this.#intervals.length - 1];
    if (last?.start === start) return last;
    const next = new Interval(start);
    this.#intervals.push(next);
    while (this.#intervals.length > MAX_INTERVALS) this.#intervals.shift();
    return next;
  }
}

function sorted<T>(map: Map<string, Series<T>>): Series<T>[] {
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
}

function sampled(s: Series<Aggregate>): SampledValue {
  const a = s.value;
  return {
    Name: s.name,
    Count: a.count,
    // go-metrics: the sum per second of the interval.
    Rate: a.sum / (INTERVAL_MS / 1000),
    Sum: a.sum,
    Min: a.min,
    Max: a.max,
    Mean: a.mean,
    Stddev: a.stddev,
    Labels: { ...s.labels },
  };
}

/** Go's `time.Time.String()` of a UTC time rounded to the second: `2026-12-06 23:10:00 +0000 UTC`. */
export function goTimeString(ms: number): string {
  const iso = new Date(Math.round(ms / 1000) * 1000).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}
