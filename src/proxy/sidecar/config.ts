/**
 * What a sidecar runs, from its agent registration (`-sidecar-for` / `-proxy-id`, Consul's `AgentConfigWatcher`)
 * or from flags (`-service -upstream -listen`, Consul's static config). Pure: tested without sockets.
 *
 * Honesty: `Proxy.Config` is shared by every proxy implementation (Envoy reads most of its keys), so keys this
 * proxy does not use are not refused but listed in {@link ProxyConfig.ignoredKeys} and logged at WARN; upstreams
 * it cannot serve (prepared queries, other datacenters, unix sockets, non-default namespaces or partitions) are
 * listed in {@link ProxyConfig.refused} and get no listener.
 */
import type { AgentService, Upstream } from '../../api/index.js';

/** Consul's built-in proxy default for `local_connect_timeout_ms`. */
export const DEFAULT_LOCAL_CONNECT_TIMEOUT_MS = 1_000;
/** Consul's built-in proxy default for `handshake_timeout_ms`. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Consul's built-in proxy default for an upstream's `connect_timeout_ms`. */
export const DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS = 10_000;
/** Default cap of open connections per listener (`max_inbound_connections`, upstream `limits.max_connections`). */
export const DEFAULT_MAX_CONNECTIONS = 1_024;
/** Default idle timeout of a proxied connection (Envoy's TCP proxy default: 1 hour). */
export const DEFAULT_IDLE_TIMEOUT_MS = 3_600_000;

/** How the public listener treats traffic: bytes (`tcp`, L4 intentions) or HTTP/1.1 requests (L7 permissions). */
export type ProxyProtocol = 'tcp' | 'http';

export interface PublicListenerConfig {
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly localServiceAddress: string;
  readonly localServicePort: number;
  readonly localConnectTimeoutMs: number;
  readonly handshakeTimeoutMs: number;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
}

/**
 * How a `DestinationPeer` upstream reaches the peer: straight to the peer's mesh gateways (`remote`), or through
 * this cluster's own mesh gateways (`local`), which forward by SNI to the peer's. Consul's default for peer
 * upstreams (an unset mode, and `none`, which it warns about) is `remote`.
 */
export type PeerGatewayMode = 'remote' | 'local';

export interface UpstreamConfig {
  /** `<bind address>:<port>`: one listener per key. */
  readonly key: string;
  readonly destinationName: string;
  /** The local name of the peer exporting the service; `''` for a service of this cluster. */
  readonly destinationPeer: string;
  /** For a peer upstream, the path to the peer's gateways; `remote` (unused) for a local service. */
  readonly meshGatewayMode: PeerGatewayMode;
  readonly bindAddress: string;
  readonly bindPort: number;
  readonly connectTimeoutMs: number;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
}

export interface ProxyConfig {
  /** The proxy's own service ID, when it runs from a registration. */
  readonly proxyId: string;
  /** The service this proxy represents (its leaf certificate's identity, the authorize target). */
  readonly service: string;
  readonly protocol: ProxyProtocol;
  readonly publicListener: PublicListenerConfig | undefined;
  readonly upstreams: readonly UpstreamConfig[];
  /** Upstreams that got no listener, each with the reason. */
  readonly refused: readonly string[];
  /** `Proxy.Config` / upstream `Config` keys this proxy does not use. */
  readonly ignoredKeys: readonly string[];
}

const PROXY_CONFIG_KEYS = new Set([
  'bind_address',
  'bind_port',
  'local_service_address',
  'local_connect_timeout_ms',
  'handshake_timeout_ms',
  'protocol',
  'max_inbound_connections',
  'local_idle_timeout_ms',
]);
const UPSTREAM_CONFIG_KEYS = new Set(['connect_timeout_ms', 'limits', 'protocol']);

function positiveInt(v: unknown, fallback: number): number {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : fallback;
}

/** `protocol` from `Proxy.Config`: `http` gets L7; everything else (`tcp`, `http2`, `grpc`) is carried as bytes. */
export function protocolOf(config: Readonly<Record<string, unknown>> | undefined): {
  protocol: ProxyProtocol;
  declared: string;
} {
  const raw = config?.['protocol'];
  const declared = typeof raw === 'string' && raw !== '' ? raw.toLowerCase() : 'tcp';
  return { protocol: declared === 'http' ? 'http' : 'tcp', declared };
}

function upstreamProblem(u: Upstream, localDatacenter: string): string | undefined {
  if (u.DestinationName === '*' || u.CentrallyConfigured === true)
    return 'transparent-proxy implicit upstreams are not served by the built-in proxy';
  const type = u.DestinationType ?? '';
  if (type !== '' && type !== 'service')
    return `destination type "${type}" is not supported by the built-in proxy`;
  if (u.Datacenter !== undefined && u.Datacenter !== '' && u.Datacenter !== localDatacenter)
    return `datacenter "${u.Datacenter}": only the local datacenter and peers are reachable`;
  if (u.LocalBindSocketPath !== undefined && u.LocalBindSocketPath !== '')
    return 'unix socket listeners (LocalBindSocketPath) are not supported';
  for (const [field, v] of [
    ['DestinationNamespace', u.DestinationNamespace],
    ['DestinationPartition', u.DestinationPartition],
  ] as const)
    if (v !== undefined && v !== '' && v !== 'default')
      return `${field} "${v}" is a Consul Enterprise feature`;
  if (!(Number.isInteger(u.LocalBindPort) && (u.LocalBindPort ?? 0) > 0)) return 'LocalBindPort must be set';
  return undefined;
}

function upstreamLabel(u: Upstream): string {
  const peer =
    u.DestinationPeer !== undefined && u.DestinationPeer !== '' ? `?peer=${u.DestinationPeer}` : '';
  return `${u.DestinationName}${peer}`;
}

/**
 * A peer upstream's mesh gateway mode: the upstream's own, else the proxy's (`Proxy.MeshGateway`), as Consul's
 * proxycfg resolves it; anything but `local` is `remote`.
 */
export function peerGatewayMode(u: Upstream, proxyMode: string | undefined): PeerGatewayMode {
  const own = u.MeshGateway?.Mode ?? '';
  return (own !== '' ? own : (proxyMode ?? '')) === 'local' ? 'local' : 'remote';
}

/** Converts registered (or flag) upstreams, splitting off those the proxy cannot serve. */
export function upstreamsOf(
  list: readonly Upstream[],
  localDatacenter: string,
  idleTimeoutMs: number,
  proxyMeshGatewayMode?: string,
): { upstreams: UpstreamConfig[]; refused: string[]; ignoredKeys: string[] } {
  const upstreams: UpstreamConfig[] = [];
  const refused: string[] = [];
  const ignoredKeys: string[] = [];
  for (const u of list) {
    const problem = upstreamProblem(u, localDatacenter);
    if (problem !== undefined) {
      refused.push(`${upstreamLabel(u)}: ${problem}`);
      continue;
    }
    const cfg = u.Config ?? {};
    for (const k of Object.keys(cfg))
      if (!UPSTREAM_CONFIG_KEYS.has(k)) ignoredKeys.push(`upstream ${upstreamLabel(u)} Config.${k}`);
    const limits = cfg['limits'] as Record<string, unknown> | undefined;
    const bindAddress =
      u.LocalBindAddress !== undefined && u.LocalBindAddress !== '' ? u.LocalBindAddress : '127.0.0.1';
    const bindPort = u.LocalBindPort ?? 0;
    upstreams.push({
      key: `${bindAddress}:${bindPort}`,
      destinationName: u.DestinationName,
      destinationPeer: u.DestinationPeer ?? '',
      meshGatewayMode:
        u.DestinationPeer !== undefined && u.DestinationPeer !== ''
          ? peerGatewayMode(u, proxyMeshGatewayMode)
          : 'remote',
      bindAddress,
      bindPort,
      connectTimeoutMs: positiveInt(cfg['connect_timeout_ms'], DEFAULT_UPSTREAM_CONNECT_TIMEOUT_MS),
      maxConnections: positiveInt(limits?.['max_connections'], DEFAULT_MAX_CONNECTIONS),
      idleTimeoutMs,
    });
  }
  return { upstreams, refused, ignoredKeys };
}

/**
 * The config of a `connect-proxy` registration (`GET /v1/agent/service/:id`), as Consul's `AgentConfigWatcher`
 * reads it: the public listener binds the registration's address (`0.0.0.0` when empty) and port and forwards to
 * `LocalServiceAddress:LocalServicePort`.
 *
 * @throws Error when the service is not a connect proxy (Consul: "service is not a valid connect proxy").
 */
export function proxyConfigFromRegistration(svc: AgentService, localDatacenter: string): ProxyConfig {
  if (svc.Kind !== 'connect-proxy' || svc.Proxy === undefined)
    throw new Error(`service ${svc.ID} is not a valid connect proxy`);
  const p = svc.Proxy;
  const cfg = p.Config ?? {};
  const ignoredKeys = Object.keys(cfg)
    .filter((k) => !PROXY_CONFIG_KEYS.has(k))
    .map((k) => `Proxy.Config.${k}`);
  const idleTimeoutMs = positiveInt(cfg['local_idle_timeout_ms'], DEFAULT_IDLE_TIMEOUT_MS);
  const ups = upstreamsOf(p.Upstreams ?? [], localDatacenter, idleTimeoutMs, p.MeshGateway?.Mode);
  return {
    proxyId: svc.ID,
    service: p.DestinationServiceName ?? '',
    protocol: protocolOf(cfg).protocol,
    publicListener: {
      bindAddress: svc.Address === '' ? '0.0.0.0' : svc.Address,
      bindPort: svc.Port ?? 0,
      localServiceAddress:
        p.LocalServiceAddress !== undefined && p.LocalServiceAddress !== ''
          ? p.LocalServiceAddress
          : '127.0.0.1',
      localServicePort: p.LocalServicePort ?? 0,
      localConnectTimeoutMs: positiveInt(cfg['local_connect_timeout_ms'], DEFAULT_LOCAL_CONNECT_TIMEOUT_MS),
      handshakeTimeoutMs: positiveInt(cfg['handshake_timeout_ms'], DEFAULT_HANDSHAKE_TIMEOUT_MS),
      maxConnections: positiveInt(cfg['max_inbound_connections'], DEFAULT_MAX_CONNECTIONS),
      idleTimeoutMs,
    },
    upstreams: ups.upstreams,
    refused: ups.refused,
    ignoredKeys: [...ignoredKeys, ...ups.ignoredKeys],
  };
}
