/**
 * Every metric Entente emits, in one place. Consul's own names where Consul has the metric (service `consul`);
 * Entente's additions under its own service name `entente`, never in Consul's namespace.
 *
 * A key is go-metrics style: the name parts after the service (`['api', 'http']` → `consul.api.http`). Gauges get
 * the host name inserted after the service unless `telemetry.disable_hostname` is set, as Consul's do.
 */
export type MetricKind = 'gauge' | 'counter' | 'sample';

export interface MetricDef<L extends string = string> {
  readonly kind: MetricKind;
  readonly service: 'consul' | 'entente';
  readonly key: readonly string[];
  /** Every label the metric carries, in order (Prometheus needs them declared). */
  readonly labels: readonly L[];
  readonly help: string;
}

function def<L extends string>(d: MetricDef<L>): MetricDef<L> {
  return d;
}

/** Consul's `consul.api.http`: time to serve each HTTP request (ms), by method and route path. */
export const HTTP_REQUEST = def({
  kind: 'sample',
  service: 'consul',
  key: ['api', 'http'],
  labels: ['method', 'path'],
  help: 'How long it took to serve an HTTP request, in ms, by method and route path (path: the route with / as _).',
});

/** Consul's `consul.peering.healthy`: 1 while the peering's stream is ACTIVE, else 0. */
export const PEERING_HEALTHY = def({
  kind: 'gauge',
  service: 'consul',
  key: ['peering', 'healthy'],
  labels: ['peer_name', 'peer_id'],
  help: 'Whether a peering is healthy (1: its stream is ACTIVE) or not (0).',
});

/** Consul's `consul.peering.exported_services`: services exported to the peer on the live stream. */
export const PEERING_EXPORTED_SERVICES = def({
  kind: 'gauge',
  service: 'consul',
  key: ['peering', 'exported_services'],
  labels: ['peer_name', 'peer_id'],
  help: 'How many services are exported to the peer.',
});

/** Entente: the latest replication lag sample (a change committed here → the peer ACKed it), ms. */
export const PEERING_REPLICATION_LAG = def({
  kind: 'gauge',
  service: 'entente',
  key: ['peering', 'replication_lag_ms'],
  labels: ['peer_name', 'peer_id'],
  help: 'Latest replication lag to the peer: from a change being committed here to the peer ACKing it, in ms.',
});

/** Entente: p99 of the last 1,024 replication lag samples, ms. */
export const PEERING_REPLICATION_LAG_P99 = def({
  kind: 'gauge',
  service: 'entente',
  key: ['peering', 'replication_lag_p99_ms'],
  labels: ['peer_name', 'peer_id'],
  help: 'p99 of the last 1,024 replication lag samples to the peer, in ms.',
});

/** Entente: ms since the last message of any kind arrived from the peer (X-Consul-LastContact of `?peer=` reads). */
export const PEERING_LAST_CONTACT_AGE = def({
  kind: 'gauge',
  service: 'entente',
  key: ['peering', 'last_contact_age_ms'],
  labels: ['peer_name', 'peer_id'],
  help: 'Time since the last message of any kind arrived from the peer (before the first: since this server began tracking the peering), in ms.',
});

/** Entente: resources waiting in the live stream's send map (latest version per resource, not yet sent). */
export const PEERING_SEND_MAP_DEPTH = def({
  kind: 'gauge',
  service: 'entente',
  key: ['peering', 'send_map_depth'],
  labels: ['peer_name', 'peer_id'],
  help: 'Resources waiting in the live peer stream send map (latest version per resource, not yet sent).',
});

/** Entente: responses sent on the live stream and not yet ACKed or NACKed. */
export const PEERING_UNACKED_RESPONSES = def({
  kind: 'gauge',
  service: 'entente',
  key: ['peering', 'unacked_responses'],
  labels: ['peer_name', 'peer_id'],
  help: 'Responses sent on the live peer stream and not yet ACKed or NACKed by the peer.',
});

/** Entente: peer streams that ended with a reason (errors, timeouts, the peer terminating), by reason. */
export const PEERING_STREAM_RESETS = def({
  kind: 'counter',
  service: 'entente',
  key: ['peering', 'stream_resets'],
  labels: ['peer_name', 'peer_id', 'reason'],
  help: 'Peer streams that ended abnormally, by the stable reason shown in peering Diagnostics.',
});

/** Entente: chunked services dropped because their parts did not all arrive within `peering.chunk_assembly_timeout`. */
export const PEERING_CHUNK_ASSEMBLIES_EVICTED = def({
  kind: 'counter',
  service: 'entente',
  key: ['peering', 'chunk_assemblies_evicted'],
  labels: ['peer_name', 'peer_id'],
  help: 'Partly received chunked services dropped because their parts did not all arrive within peering.chunk_assembly_timeout.',
});

/** Entente: service updates from a peer refused (NACKed, not stored) by an import cap, by cap (services|instances). */
export const PEERING_IMPORTS_REFUSED = def({
  kind: 'counter',
  service: 'entente',
  key: ['peering', 'imports_refused'],
  labels: ['peer_name', 'peer_id', 'cap'],
  help: 'Service updates from the peer refused and NACKed because they would pass peering.import_max_services or import_max_instances.',
});

/** Entente: series not recorded because the in-memory interval was full (see MAX_SERIES_PER_INTERVAL). */
export const METRICS_SERIES_DROPPED = def({
  kind: 'gauge',
  service: 'entente',
  key: ['metrics', 'series_dropped'],
  labels: [],
  help: 'Metric series not recorded (since start) in the in-memory interval because it held its maximum number of series.',
});

/** Entente: entries appended to the durable command log since start (`FileLog.stats.appends`). */
export const WAL_APPENDS = def({
  kind: 'gauge',
  service: 'entente',
  key: ['wal', 'appends'],
  labels: [],
  help: 'Entries appended to the durable command log since the agent started.',
});

/** Entente: group-commit batches written since start (one write and one fsync each). */
export const WAL_BATCHES = def({
  kind: 'gauge',
  service: 'entente',
  key: ['wal', 'batches'],
  labels: [],
  help: 'Group-commit batches written to the durable command log since the agent started (one write + one fsync each).',
});

/** Entente: fsync/fdatasync calls on log files and the directory since start. */
export const WAL_FSYNCS = def({
  kind: 'gauge',
  service: 'entente',
  key: ['wal', 'fsyncs'],
  labels: [],
  help: 'fsync/fdatasync calls on the durable command log (files and directory) since the agent started.',
});

/** Entente: record bytes written to log segments since start. */
export const WAL_BYTES_WRITTEN = def({
  kind: 'gauge',
  service: 'entente',
  key: ['wal', 'bytes_written'],
  labels: [],
  help: 'Record bytes (headers + payloads) written to durable command log segments since the agent started.',
});

export const ALL_METRICS: readonly MetricDef[] = [
  HTTP_REQUEST,
  PEERING_HEALTHY,
  PEERING_EXPORTED_SERVICES,
  PEERING_REPLICATION_LAG,
  PEERING_REPLICATION_LAG_P99,
  PEERING_LAST_CONTACT_AGE,
  PEERING_SEND_MAP_DEPTH,
  PEERING_UNACKED_RESPONSES,
  PEERING_STREAM_RESETS,
  PEERING_CHUNK_ASSEMBLIES_EVICTED,
  PEERING_IMPORTS_REFUSED,
  METRICS_SERIES_DROPPED,
  WAL_APPENDS,
  WAL_BATCHES,
  WAL_FSYNCS,
  WAL_BYTES_WRITTEN,
];
