import { Counter, Gauge, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import type { MetricDef } from './definitions.js';
import { seriesKey, type GaugeReading, type LabelValues } from './inmem-sink.js';

/**
 * The Prometheus side (`/v1/agent/metrics?format=prometheus`), on prom-client with a registry of its own (never
 * prom-client's global one: two agents in one process must not share series). Enabled only when
 * `telemetry.prometheus_retention_time` is positive, as in Consul.
 *
 * Retention: a counter or sample series not updated for the retention time is removed at the next scrape (Consul's
 * Prometheus sink expires series the same way). Gauges are read at each scrape, so a gauge series exists exactly
 * while its subject does (a deleted peering's series disappear).
 *
 * Bounds: series are bounded by their label values (routes × methods, peerings × reasons) and expired as above; at
 * most {@link MAX_PROMETHEUS_SERIES} counter/sample series are tracked. Overflow policy: a new series beyond that
 * is not recorded, and counted in `dropped`.
 */
export const MAX_PROMETHEUS_SERIES = 4_096;

/** Quantiles of timing summaries, as Consul's Prometheus sink (0.5, 0.9, 0.99) over a 10 s window. */
const QUANTILES = [0.5, 0.9, 0.99];
const SUMMARY_MAX_AGE_S = 10;

/** Prometheus metric name of a dotted name: every character outside `[a-zA-Z0-9_]` becomes `_`. */
export function prometheusName(dotted: string): string {
  return dotted.replace(/[^a-zA-Z0-9_]/g, '_');
}

type AnyMetric = Gauge | Counter | Summary;

interface Tracked {
  metric: Counter | Summary;
  labels: LabelValues;
  updated: number;
}

export class PrometheusSink {
  readonly registry = new Registry();
  readonly #byName = new Map<string, AnyMetric>();
  readonly #series = new Map<string, Tracked>();
  readonly #retentionMs: number;
  readonly #now: () => number;
  dropped = 0;

  /** `defs`: each metric with the dotted name it is shown under. */
  constructor(defs: readonly { def: MetricDef; name: string }[], retentionMs: number, now: () => number) {
    this.#retentionMs = retentionMs;
    this.#now = now;
    for (const { def, name } of defs) {
      const opts = {
        name: prometheusName(name),
        help: def.help,
        labelNames: [...def.labels],
        registers: [this.registry],
      };
      const metric =
        def.kind === 'gauge'
          ? new Gauge(opts)
          : def.kind === 'counter'
            ? new Counter(opts)
            : new Summary({
                ...opts,
                percentiles: QUANTILES,
                maxAgeSeconds: SUMMARY_MAX_AGE_S,
                ageBuckets: 5,
              });
      this.#byName.set(name, metric);
    }
    // Node's process and runtime metrics, as Consul's output carries Go's (process_*, nodejs_*).
    collectDefaultMetrics({ register: this.registry });
  }

  incrCounter(name: string, labels: LabelValues, value: number): void {
    const m = this.#track(name, labels);
    if (m instanceof Counter) m.inc(labels, value);
  }

  addSample(name: string, labels: LabelValues, value: number): void {
    const m = this.#track(name, labels);
    if (m instanceof Summary) m.observe(labels, value);
  }

  /** The exposition text, with `gauges` (read now) as the only gauge series. */
  async scrape(gauges: readonly GaugeReading[]): Promise<string> {
    this.#expire();
    for (const m of this.#byName.values()) if (m instanceof Gauge) m.reset();
    for (const g of gauges) {
      const m = this.#byName.get(g.name);
      if (m instanceof Gauge) m.set(g.labels, g.value);
    }
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.registry.clear();
  }

  #track(name: string, labels: LabelValues): AnyMetric | undefined {
    const metric = this.#byName.get(name);
    if (!(metric instanceof Counter || metric instanceof Summary)) return undefined;
    const key = seriesKey(name, labels);
    const t = this.#series.get(key);
    if (t) {
      t.updated = this.#now();
      return metric;
    }
    if (this.#series.size >= MAX_PROMETHEUS_SERIES) {
      this.dropped += 1;
      return undefined;
    }
    this.#series.set(key, { metric, labels, updated: this.#now() });
    return metric;
  }

  #expire(): void {
    const cutoff = this.#now() - this.#retentionMs;
    for (const [key, t] of this.#series) {
      if (t.updated >= cutoff) continue;
      t.metric.remove(t.labels);
      this.#series.delete(key);
    }
  }
}
