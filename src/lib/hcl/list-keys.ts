/**
 * Dotted paths whose blocks are always arrays, even when written once.
 *
 * Why: HCL1 cannot tell `checks { ... }` (one element of a list) from `ports { ... }` (an object); Consul resolves it
 * against its Go types. Before 1.9 it used `lib.PatchSliceOfMaps(raw, skip, skipTree)` with explicit lists (below);
 * today `lib/decode.HookWeakDecodeFromSlice` unwraps one-element lists unless the target field is a slice. Without the
 * Go types, Entente names the slice fields here.
 *
 * Paths are matched ignoring ASCII case and `_` (so `sidecar_service` matches `SidecarService`), because Consul's
 * decoding is case-insensitive (mapstructure) and accepts snake_case aliases (`HookTranslateKeys`).
 */

/**
 * Agent configuration and `consul services register` files (which Consul loads with the agent config builder).
 * Source: hashicorp/consul `agent/config` `Parse`, the `PatchSliceOfMaps` skip list, plus `config_entries.bootstrap`
 * (its tree-skip list) and `ui_config.metrics_proxy.add_headers` (a `[]UIMetricsProxyAddHeader` field of `Config`).
 */
export const CONSUL_AGENT_LIST_KEYS: readonly string[] = [
  'checks',
  'segments',
  'services',
  'watches',
  'service.checks',
  'services.checks',
  'service.connect.proxy.config.upstreams', // deprecated in Consul, still accepted
  'services.connect.proxy.config.upstreams',
  'service.connect.proxy.upstreams',
  'services.connect.proxy.upstreams',
  'service.connect.proxy.expose.paths',
  'services.connect.proxy.expose.paths',
  'service.proxy.upstreams',
  'services.proxy.upstreams',
  'service.proxy.expose.paths',
  'services.proxy.expose.paths',
  'service.connect.sidecar_service.checks',
  'services.connect.sidecar_service.checks',
  'service.connect.sidecar_service.proxy.upstreams',
  'services.connect.sidecar_service.proxy.upstreams',
  'service.connect.sidecar_service.proxy.expose.paths',
  'services.connect.sidecar_service.proxy.expose.paths',
  'config_entries.bootstrap',
  'ui_config.metrics_proxy.add_headers',
];

/**
 * Config entries (`consul config write`), relative to the entry. Source: the slice-of-struct fields of
 * hashicorp/consul `api/config_entry*.go` (decoded by `command/config/write` with `HookWeakDecodeFromSlice`), e.g.
 * `ExportedServicesConfigEntry.Services[].Consumers`, `ServiceIntentionsConfigEntry.Sources[].Permissions[]`.
 */
export const CONSUL_CONFIG_ENTRY_LIST_KEYS: readonly string[] = [
  // exported-services
  'Services',
  'Services.Consumers',
  // service-intentions
  'Sources',
  'Sources.Permissions',
  'Sources.Permissions.HTTP.Header',
  'Sources.Permissions.JWT.Providers',
  'Sources.Permissions.JWT.Providers.VerifyClaims',
  'JWT.Providers',
  'JWT.Providers.VerifyClaims',
  // service-router, service-splitter
  'Routes',
  'Routes.Match.HTTP.Header',
  'Routes.Match.HTTP.QueryParam',
  'Splits',
  // proxy-defaults, service-defaults
  'Expose.Paths',
  'EnvoyExtensions',
  'UpstreamConfig.Overrides',
  // ingress-gateway, api-gateway (terminating-gateway and tcp-route use `Services` above)
  'Listeners',
  'Listeners.Services',
  'Listeners.TLS.Certificates',
  // http-route, tcp-route
  'Parents',
  'Rules',
  'Rules.Matches',
  'Rules.Matches.Headers',
  'Rules.Matches.Query',
  'Rules.Filters.Headers',
  'Rules.Services',
  'Rules.Services.Filters.Headers',
  // sameness-group, jwt-provider
  'Members',
  'Locations',
];

/**
 * Everything Entente loads: agent/service-definition paths, config-entry paths at the root (for `consul config write`
 * files) and under `config_entries.bootstrap` (entries embedded in agent config). The default of `parseHcl`.
 *
 * NOTE: root-level names from both lists never disagree (`services`/`Services` is a list in both schemas).
 */
export const CONSUL_LIST_KEYS: ReadonlySet<string> = new Set([
  ...CONSUL_AGENT_LIST_KEYS,
  ...CONSUL_CONFIG_ENTRY_LIST_KEYS,
  ...CONSUL_CONFIG_ENTRY_LIST_KEYS.map((k) => `config_entries.bootstrap.${k}`),
]);

/** The comparison form of a dotted path: lower case, without `_`. */
export function normalizeListKey(path: string): string {
  return path.toLowerCase().replaceAll('_', '');
}

/** A predicate telling whether a dotted path is one of `keys` (compared with {@link normalizeListKey}). */
export function createListKeyMatcher(keys: Iterable<string>): (path: string) => boolean {
  const normalized = new Set<string>();
  for (const key of keys) normalized.add(normalizeListKey(key));
  return (path) => normalized.size > 0 && normalized.has(normalizeListKey(path));
}
