/**
 * Trust domains, SPIFFE IDs and the peering server name, formatted exactly as Consul formats them
 * (`agent/connect/uri_signing.go`, `uri_service.go`, `uri_server.go`, `uri_mesh_gateway_ce.go`).
 *
 * Every name placed in a path is escaped as Go's `url.URL.String()` escapes a path (Consul builds each ID as a
 * `url.URL` with `Path` set): `?`, `#`, `%`, spaces and every other byte outside `A-Z a-z 0-9 - _ . ~` and
 * `$ & + , / : ; = @` become `%XX` (upper-case hex, per UTF-8 byte). `/` is kept, as Go keeps it, so a name with a
 * `/` makes an ID that does not parse back to the same identity; {@link canonicalSpiffeId} tells such IDs apart.
 *
 * @packageDocumentation
 */

/** The fixed top-level label of every Consul trust domain; not tied to the DNS `domain` setting. */
const TRUST_DOMAIN_SUFFIX = 'consul';

/** The partition Consul omits from SPIFFE paths. */
const DEFAULT_PARTITION = 'default';

/** The namespace Consul substitutes for an empty one. */
const DEFAULT_NAMESPACE = 'default';

/**
 * The cluster's trust domain, `<clusterId>.consul`, lower-cased as Consul's `SpiffeIDSigning.Host()` does.
 * It is the host of every SPIFFE ID the cluster's CA signs and the `TrustDomain` of `/v1/connect/ca/roots`.
 */
export function trustDomain(clusterId: string): string {
  requireNonEmpty(clusterId, 'clusterId');
  return `${clusterId}.${TRUST_DOMAIN_SUFFIX}`.toLowerCase();
}

/**
 * The cluster ID a trust domain was built from (`abc.consul` → `abc`), or the input unchanged when it does
 * not end in `.consul`. Consul stores this as a root's `ExternalTrustDomain`.
 */
export function clusterIdOf(domain: string): string {
  const suffix = `.${TRUST_DOMAIN_SUFFIX}`;
  return domain.endsWith(suffix) ? domain.slice(0, -suffix.length) : domain;
}

/**
 * The TLS server name peers dial and the DNS SAN of the server's peering certificate:
 * `server.<datacenter>.peering.<trustDomain>` (Consul's `connect.PeeringServerSAN`).
 */
export function peeringServerName(datacenter: string, domain: string): string {
  requireNonEmpty(datacenter, 'datacenter');
  requireNonEmpty(domain, 'trustDomain');
  return `server.${datacenter}.peering.${domain}`;
}

/** The CA's own SPIFFE ID, `spiffe://<trustDomain>` (no path): the URI SAN of the root certificate. */
export function signingSpiffeId(domain: string): string {
  requireNonEmpty(domain, 'trustDomain');
  return `spiffe://${domain}`;
}

/** Inputs of {@link serviceSpiffeId}. */
export interface ServiceSpiffeIdOptions {
  trustDomain: string;
  datacenter: string;
  service: string;
  /** Empty or absent means `default`. */
  namespace?: string;
  /** Emitted as an `/ap/<partition>` prefix only when neither empty nor `default`. */
  partition?: string;
}

/**
 * A service's SPIFFE ID: `spiffe://<td>[/ap/<partition>]/ns/<ns>/dc/<dc>/svc/<service>`.
 * The partition prefix appears only for a non-default partition (an Enterprise peer's exported partition).
 */
export function serviceSpiffeId(opts: ServiceSpiffeIdOptions): string {
  requireNonEmpty(opts.trustDomain, 'trustDomain');
  requireNonEmpty(opts.datacenter, 'datacenter');
  requireNonEmpty(opts.service, 'service');
  const ns = opts.namespace === undefined || opts.namespace === '' ? DEFAULT_NAMESPACE : opts.namespace;
  const path = `/ns/${ns}/dc/${opts.datacenter}/svc/${opts.service}`;
  return `spiffe://${opts.trustDomain}${escapePath(partitionPrefix(opts.partition) + path)}`;
}

/** A server agent's SPIFFE ID, shared by all servers of a datacenter: `spiffe://<td>/agent/server/dc/<dc>`. */
export function serverSpiffeId(domain: string, datacenter: string): string {
  requireNonEmpty(domain, 'trustDomain');
  requireNonEmpty(datacenter, 'datacenter');
  return `spiffe://${domain}${escapePath(`/agent/server/dc/${datacenter}`)}`;
}

/**
 * A client agent's SPIFFE ID: `spiffe://<td>[/ap/<partition>]/agent/client/dc/<dc>/id/<agent>` (Consul's
 * `SpiffeIDAgent`; the partition prefix only for a non-default partition).
 */
export function agentSpiffeId(domain: string, datacenter: string, agent: string, partition?: string): string {
  requireNonEmpty(domain, 'trustDomain');
  requireNonEmpty(datacenter, 'datacenter');
  requireNonEmpty(agent, 'agent');
  return `spiffe://${domain}${escapePath(`${partitionPrefix(partition)}/agent/client/dc/${datacenter}/id/${agent}`)}`;
}

/**
 * A mesh gateway's SPIFFE ID: `spiffe://<td>[/ap/<partition>]/gateway/mesh/dc/<dc>`. Consul CE never emits the
 * partition here; the parameter exists for symmetry with Enterprise IDs and defaults to none.
 */
export function meshGatewaySpiffeId(domain: string, datacenter: string, partition?: string): string {
  requireNonEmpty(domain, 'trustDomain');
  requireNonEmpty(datacenter, 'datacenter');
  return `spiffe://${domain}${escapePath(`${partitionPrefix(partition)}/gateway/mesh/dc/${datacenter}`)}`;
}

/** Bytes Go's `url.URL` leaves unescaped in a path (`shouldEscape(c, encodePath)` is false). */
const PATH_SAFE = /^[A-Za-z0-9\-_.~$&+,/:;=@]*$/;
const PATH_SAFE_BYTE = /[A-Za-z0-9\-_.~$&+,/:;=@]/;

/** A path escaped as Go's `url.URL.EscapedPath()` escapes one with no `RawPath`. */
function escapePath(path: string): string {
  if (PATH_SAFE.test(path)) return path;
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && PATH_SAFE_BYTE.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function partitionPrefix(partition: string | undefined): string {
  return partition === undefined || partition === '' || partition === DEFAULT_PARTITION
    ? ''
    : `/ap/${partition}`;
}

function requireNonEmpty(value: string, name: string): void {
  if (value === '') throw new TypeError(`${name} must not be empty`);
}

/**
 * The SNI a peer's sidecars send to reach an exported service through this cluster's mesh gateways
 * (Consul's `connect.PeeredServiceSNI`): `<service>.<namespace>.<partition>.<peerName>.external.<trustDomain>`.
 * `peerName` is this (the exporting) cluster's name for the consuming peer, `trustDomain` this cluster's; empty
 * namespace and partition become `default`. An empty peer name is a programming error (Consul panics).
 */
export function peeredServiceSni(
  service: string,
  namespace: string,
  partition: string,
  peerName: string,
  domain: string,
): string {
  requireNonEmpty(service, 'service');
  requireNonEmpty(peerName, 'peerName');
  requireNonEmpty(domain, 'trustDomain');
  const ns = namespace === '' ? DEFAULT_NAMESPACE : namespace;
  const ap = partition === '' ? DEFAULT_PARTITION : partition;
  return `${service}.${ns}.${ap}.${peerName}.external.${domain}`;
}

/** A parsed Connect SPIFFE ID (Consul's `connect.ParseCertURI`): the kinds a leaf can be issued for. */
export type ParsedSpiffeId =
  | {
      readonly kind: 'service';
      readonly host: string;
      readonly partition: string;
      readonly namespace: string;
      readonly datacenter: string;
      readonly service: string;
    }
  | {
      readonly kind: 'agent';
      readonly host: string;
      readonly partition: string;
      readonly datacenter: string;
      readonly agent: string;
    }
  | {
      readonly kind: 'mesh-gateway';
      readonly host: string;
      readonly partition: string;
      readonly datacenter: string;
    }
  | { readonly kind: 'server'; readonly host: string; readonly datacenter: string }
  | { readonly kind: 'signing'; readonly host: string };

const SERVICE_PATH = /^(?:\/ap\/([^/]+))?\/ns\/([^/]+)\/dc\/([^/]+)\/svc\/([^/]+)$/;
const AGENT_PATH = /^(?:\/ap\/([^/]+))?\/agent\/client\/dc\/([^/]+)\/id\/([^/]+)$/;
const MESH_GATEWAY_PATH = /^(?:\/ap\/([^/]+))?\/gateway\/mesh\/dc\/([^/]+)$/;
const SERVER_PATH = /^\/agent\/server\/dc\/([^/]+)$/;

/**
 * Parses a `spiffe://` URI into the identity it names, as Consul's `ParseCertURI` does (path segments are
 * percent-decoded; the host is lower-cased). Throws a `TypeError` with Consul's wording for anything else.
 */
export function parseSpiffeId(uri: string): ParsedSpiffeId {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new TypeError('SPIFFE ID is not in the expected format');
  }
  if (url.protocol !== 'spiffe:') throw new TypeError('URI must be a SPIFFE ID');
  const host = url.hostname.toLowerCase();
  const path = url.pathname;
  const dec = (s: string | undefined): string => {
    try {
      return decodeURIComponent(s ?? '');
    } catch {
      throw new TypeError('SPIFFE ID is not in the expected format');
    }
  };
  let m = SERVICE_PATH.exec(path);
  if (m) {
    return {
      kind: 'service',
      host,
      partition: dec(m[1]) || DEFAULT_PARTITION,
      namespace: dec(m[2]),
      datacenter: dec(m[3]),
      service: dec(m[4]),
    };
  }
  m = AGENT_PATH.exec(path);
  if (m) {
    return {
      kind: 'agent',
      host,
      partition: dec(m[1]) || DEFAULT_PARTITION,
      datacenter: dec(m[2]),
      agent: dec(m[3]),
    };
  }
  m = MESH_GATEWAY_PATH.exec(path);
  if (m)
    return { kind: 'mesh-gateway', host, partition: dec(m[1]) || DEFAULT_PARTITION, datacenter: dec(m[2]) };
  m = SERVER_PATH.exec(path);
  if (m) return { kind: 'server', host, datacenter: dec(m[1]) };
  if (path === '' || path === '/') return { kind: 'signing', host };
  throw new TypeError('SPIFFE ID is not in the expected format');
}

/**
 * The ID that Consul would build for `id` (the builders above, with the ID's own host): what a certificate for it
 * must carry. A URI whose parse re-serialises to anything else (a raw `?` or `#`, an escape Go would not write, a
 * `/` inside a name) is ambiguous and must not be signed.
 */
export function canonicalSpiffeId(id: ParsedSpiffeId): string {
  switch (id.kind) {
    case 'service':
      return serviceSpiffeId({
        trustDomain: id.host,
        datacenter: id.datacenter,
        service: id.service,
        namespace: id.namespace,
        partition: id.partition,
      });
    case 'agent':
      return agentSpiffeId(id.host, id.datacenter, id.agent, id.partition);
    case 'mesh-gateway':
      return meshGatewaySpiffeId(id.host, id.datacenter, id.partition);
    case 'server':
      return serverSpiffeId(id.host, id.datacenter);
    case 'signing':
      return signingSpiffeId(id.host);
  }
}
