export { AgentMetrics, metricName } from './metrics.js';
export type { GaugeSource, GaugeValue, MetricsOptions, TelemetryOptions } from './metrics.js';
export * from './definitions.js';
export type { MetricsSummary, SampledValue } from './inmem-sink.js';
export { prometheusName } from './prometheus-sink.js';
