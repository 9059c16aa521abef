import { ALL_METRICS, METRICS_SERIES_DROPPED, type MetricDef } from './definitions.js';
import {
  InmemSink,
  seriesKey,
  type GaugeReading,
  type LabelValues,
  type MetricsSummary,
} from './inmem-sink.js';
import { PrometheusSink } from './prometheus-sink.js';

/** Consul's `telemetry` keys Entente implements. */
export interface TelemetryOptions {
  /** `telemetry.prometheus_retention_time` (ms): above 0, Prometheus output is on and series expire after it. */
  readonly prometheusRetentionMs: number;
  /** `telemetry.disable_hostname`: gauge names do not carry the host name. */
  readonly disableHostname: boolean;
}

export interface MetricsOptions extends TelemetryOptions {
  /** The host name inserted into gauge names (unless disabled). */
  readonly hostname: string;
  /** Clock (ms since the epoch); tests pass a fake one. */
  readonly now?: () => number;
}

/** One gauge value read at display or scrape time. */
export interface GaugeValue<L extends string = string> {
  def: MetricDef<L>;
  labels: Readonly<Record<L, string>>;
  value: number;
}

/** Reads current gauge values (peering status, ...) when metrics are displayed or scraped. */
export type GaugeSource = () => readonly GaugeValue[];

/**
 * One agent's metrics: counters and timing samples pushed as things happen, gauges read from their sources when
 * asked. Fans out to the in-memory sink (Consul's JSON) and, when enabled, the Prometheus sink. No global state:
 * each agent builds its own and hands it to its parts through their constructors.
 */
export class AgentMetrics {
  readonly #inmem: InmemSink;
  readonly #prometheus: PrometheusSink | undefined;
  readonly #names = new Map<MetricDef, string>();
  readonly #sources: GaugeSource[] = [];

  constructor(opts: MetricsOptions) {
    const now = opts.now ?? Date.now;
    const host = opts.disableHostname ? undefined : opts.hostname;
    for (const def of ALL_METRICS) this.#names.set(def, metricName(def, host));
    this.#inmem = new InmemSink(now);
    this.#prometheus =
      opts.prometheusRetentionMs > 0
        ? new PrometheusSink(
            ALL_METRICS.map((def) => ({ def, name: this.name(def) })),
            opts.prometheusRetentionMs,
            now,
          )
        : undefined;
  }

  /** The dotted name a metric is shown under (`consul.api.http`, `consul.<host>.peering.healthy`). */
  name(def: MetricDef): string {
    const known = this.#names.get(def);
    if (known === undefined) throw new Error(`metric ${def.key.join('.')} is not in ALL_METRICS`);
    return known;
  }

  incrCounter<L extends string>(def: MetricDef<L>, labels: Readonly<Record<L, string>>, value = 1): void {
    const name = this.name(def);
    this.#inmem.incrCounter(name, labels, value);
    this.#prometheus?.incrCounter(name, labels, value);
  }

  /** A timing or size sample (timings in ms, as Consul's). */
  addSample<L extends string>(def: MetricDef<L>, labels: Readonly<Record<L, string>>, value: number): void {
    const name = this.name(def);
    this.#inmem.addSample(name, labels, value);
    this.#prometheus?.addSample(name, labels, value);
  }

  /**
   * A recorder for one series of a sample metric, for hot paths (every HTTP request): name, labels and series key
   * are worked out once, here, instead of at every sample.
   */
  sampler<L extends string>(def: MetricDef<L>, labels: Readonly<Record<L, string>>): (value: number) => void {
    const name = this.name(def);
    const fixed: LabelValues = { ...labels };
    const key = seriesKey(name, fixed);
    return (value) => {
      this.#inmem.addSample(name, fixed, value, key);
      this.#prometheus?.addSample(name, fixed, value);
    };
  }

  addGaugeSource(source: GaugeSource): void {
    this.#sources.push(source);
  }

  /** Consul's `/v1/agent/metrics` JSON. */
  summary(): MetricsSummary {
    return this.#inmem.display(this.#readGauges());
  }

  get prometheusEnabled(): boolean {
    return this.#prometheus !== undefined;
  }

  /** The Prometheus exposition; undefined when Prometheus output is not enabled. */
  async prometheus(): Promise<{ contentType: string; body: string } | undefined> {
    const p = this.#prometheus;
    if (!p) return undefined;
    const body = await p.scrape(this.#readGauges());
    return { contentType: p.contentType, body };
  }

  close(): void {
    this.#prometheus?.close();
  }

  #readGauges(): GaugeReading[] {
    const out: GaugeReading[] = [];
    for (const source of this.#sources) {
      for (const g of source()) out.push({ name: this.name(g.def), labels: g.labels, value: g.value });
    }
    const dropped = this.#inmem.dropped + (this.#prometheus?.dropped ?? 0);
    out.push({ name: this.name(METRICS_SERIES_DROPPED), labels: {}, value: dropped });
    return out;
  }
}

/** go-metrics naming: service, then (gauges only, unless disabled) the host name, then the key. */
export function metricName(def: MetricDef, hostname: string | undefined): string {
  const parts: string[] = [def.service];
  if (def.kind === 'gauge' && hostname !== undefined && hostname !== '') parts.push(hostname);
  return [...parts, ...def.key].join('.');
}
