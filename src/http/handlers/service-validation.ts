import type { ServiceInput } from '../../state/index.js';
import type { ExposePath, ServiceKind, Upstream } from '../../types/index.js';

/*
 * Consul's NodeService validation (agent/structs/structs.go `Validate` and `ValidateForAgent`), with its texts, for
 * connect proxies, gateways, Connect-native services and nested sidecar definitions. Every problem is reported,
 * in Consul's order; callers format the list as go-multierror does.
 */

const GATEWAY_KINDS: ReadonlySet<ServiceKind> = new Set([
  'mesh-gateway',
  'terminating-gateway',
  'ingress-gateway',
  'api-gateway',
]);
/** Gateways that may be registered without a port (their listeners come from config entries). */
const PORTLESS_GATEWAYS: ReadonlySet<ServiceKind> = new Set(['ingress-gateway', 'api-gateway']);
const WILDCARD = '*';
/** Consul's limit on `Config.envoy_hcp_metrics_bind_socket_dir` (socket paths on BSD/macOS). */
const MAX_SOCKET_DIR_LEN = 70;
const EXPOSE_PROTOCOLS = ['http', 'http2'];

/** What the registration said about `Connect.SidecarService`, which is expanded before it is stored. */
export interface SidecarDefinitionFacts {
  readonly present: boolean;
  /** The nested definition gave an ID (the agent manages it). */
  readonly hasId: boolean;
  /** The nested definition has a `Connect.SidecarService` of its own. */
  readonly nested: boolean;
}

const NO_SIDECAR: SidecarDefinitionFacts = { present: false, hasId: false, nested: false };

/**
 * `NodeService.Validate()`: what the catalog (and the agent, before it registers) requires. `forAgent` is
 * `ValidateForAgent()`, which leaves out the port check because an agent can assign a sidecar's port itself.
 */
export function validateNodeService(
  svc: ServiceInput,
  opts: { forAgent?: boolean; sidecar?: SidecarDefinitionFacts } = {},
): string[] {
  const errors: string[] = [];
  if (opts.forAgent !== true && svc.Kind === 'connect-proxy' && svc.Port === 0 && !svc.SocketPath) {
    errors.push(`Port or SocketPath must be set for a ${svc.Kind}`);
  }
  if (svc.Kind === 'connect-proxy') validateConnectProxy(svc, errors);
  const sidecar = opts.sidecar ?? NO_SIDECAR;
  if (GATEWAY_KINDS.has(svc.Kind)) validateGateway(svc, sidecar.present, errors);
  if (sidecar.hasId) errors.push('A SidecarService cannot specify an ID as this is managed by the agent');
  if (sidecar.nested) errors.push('A SidecarService cannot have a nested SidecarService');
  if (svc.Connect?.Native === true && svc.Port === 0 && !svc.SocketPath) {
    errors.push('Port or SocketPath must be set for a Connect native service.');
  }
  return errors;
}

function validateConnectProxy(svc: ServiceInput, errors: string[]): void {
  const p = svc.Proxy ?? {};
  const dest = p.DestinationServiceName ?? '';
  if (dest.trim() === '') {
    errors.push('Proxy.DestinationServiceName must be non-empty for Connect proxy services');
  }
  if (dest === WILDCARD) {
    errors.push('Proxy.DestinationServiceName must not be a wildcard for Connect proxy services');
  }
  if (svc.Connect?.Native === true)
    errors.push('A Proxy cannot also be Connect Native, only typical services');
  const dir = p.Config?.['envoy_hcp_metrics_bind_socket_dir'];
  if (typeof dir === 'string' && Buffer.byteLength(dir) > MAX_SOCKET_DIR_LEN) {
    errors.push(
      `Proxy.Config: envoy_hcp_metrics_bind_socket_dir length ${Buffer.byteLength(dir)} exceeds max ${MAX_SOCKET_DIR_LEN}`,
    );
  }
  validateUpstreams(p.Upstreams ?? [], errors);
  validateExposePaths(p.Expose?.Paths ?? [], errors);
}

function validateUpstreams(upstreams: readonly Upstream[], errors: string[]): void {
  const keys = new Set<string>();
  const binds = new Set<string>();
  for (const u of upstreams) {
    // Entente has one partition, `default`: an upstream to a peer must stay in it, and one to another datacenter
    // must come from and go to it.
    const partition = u.DestinationPartition ?? '';
    if (!u.DestinationPeer) {
      if (u.Datacenter && partition !== '' && partition !== 'default') {
        errors.push('upstreams cannot target another datacenter in non default partition');
        continue;
      }
    } else if (partition !== '' && partition !== 'default') {
      errors.push('upstreams must target peers in the same partition as the service');
      continue;
    }
    const problem = upstreamProblem(u);
    if (problem !== undefined) {
      errors.push(problem);
      continue;
    }
    const key = upstreamKey(u);
    if (keys.has(key)) {
      errors.push(`upstreams cannot contain duplicates of ${key}`);
      continue;
    }
    keys.add(key);
    const addr = upstreamAddress(u);
    if (binds.has(addr) && u.CentrallyConfigured !== true) {
      errors.push(
        `upstreams cannot contain duplicates by local bind address and port or unix path; ${JSON.stringify(addr)} is specified twice`,
      );
      continue;
    }
    binds.add(addr);
  }
}

/** `Upstream.Validate()`. */
function upstreamProblem(u: Upstream): string | undefined {
  const type = u.DestinationType ?? '';
  if (type !== '' && type !== 'service' && type !== 'prepared_query') {
    return `unknown upstream destination type: ${JSON.stringify(type)}`;
  }
  const central = u.CentrallyConfigured === true;
  if (u.DestinationName === '') return 'upstream destination name cannot be empty';
  if (u.DestinationName === WILDCARD && !central) return 'upstream destination name cannot be a wildcard';
  if (u.DestinationPeer && u.Datacenter)
    return 'upstream cannot specify both destination peer and datacenter';
  const port = u.LocalBindPort ?? 0;
  const socket = u.LocalBindSocketPath ?? '';
  if (port === 0 && socket === '' && !central) {
    return 'upstream local bind port or local socket path must be defined and nonzero';
  }
  if (port !== 0 && socket !== '' && !central) {
    return 'only one of upstream local bind port or local socket path can be defined and nonzero';
  }
  return undefined;
}

/** `UpstreamKey.String()`: Go's %q of each part. */
function upstreamKey(u: Upstream): string {
  const q = (s: string | undefined): string => JSON.stringify(s ?? '');
  return `[type=${q(u.DestinationType)}, name=${q(u.DestinationName)}, partition=${q(u.DestinationPartition)}, namespace=${q(u.DestinationNamespace)}, peer=${q(u.DestinationPeer)}, datacenter=${q(u.Datacenter)}]`;
}

/** `Upstream.UpstreamAddressToString()`. */
function upstreamAddress(u: Upstream): string {
  const port = u.LocalBindPort ?? 0;
  const host = u.LocalBindAddress ?? '';
  if (port === 0 && host === '' && u.LocalBindSocketPath) return u.LocalBindSocketPath;
  const h = host === '' ? '127.0.0.1' : host;
  return h.includes(':') ? `[${h}]:${String(port)}` : `${h}:${String(port)}`;
}

function validateExposePaths(paths: readonly ExposePath[], errors: string[]): void {
  const listeners = new Set<number>();
  for (const path of paths) {
    const port = path.ListenerPort ?? 0;
    if (!path.Path) errors.push('expose.paths: empty path exposed');
    if (listeners.has(port)) errors.push('expose.paths: duplicate listener ports exposed');
    listeners.add(port);
    if (port <= 0 || port > 65535) errors.push(`expose.paths: invalid listener port: ${String(port)}`);
    const protocol = (path.Protocol ?? '').toLowerCase();
    if (protocol !== '' && !EXPOSE_PROTOCOLS.includes(protocol)) {
      errors.push(
        `protocol '${protocol}' not supported for path: ${path.Path ?? ''}, must be in: [${EXPOSE_PROTOCOLS.join(' ')}]`,
      );
    }
  }
}

function validateGateway(svc: ServiceInput, hasSidecar: boolean, errors: string[]): void {
  const kind = svc.Kind;
  if (svc.Port === 0 && !PORTLESS_GATEWAYS.has(kind)) errors.push(`Port must be non-zero for a ${kind}`);
  if (hasSidecar) errors.push(`A ${kind} cannot have a sidecar service defined`);
  const p = svc.Proxy ?? {};
  const invalid = (field: string): void => {
    errors.push(`The Proxy.${field} configuration is invalid for a ${kind}`);
  };
  if (p.DestinationServiceName) invalid('DestinationServiceName');
  if (p.DestinationServiceID) invalid('DestinationServiceID');
  if (p.LocalServiceAddress) invalid('LocalServiceAddress');
  if (p.LocalServicePort) invalid('LocalServicePort');
  if (p.LocalServiceSocketPath) invalid('LocalServiceSocketPath');
  if ((p.Upstreams ?? []).length > 0) invalid('Upstreams');
}
