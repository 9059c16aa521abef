/**
 * Where and how an upstream is dialled, from the agent's `/v1/health/connect/<svc>?passing` answer:
 *
 * - a service of this cluster: its sidecars' addresses, SNI `<svc>.default.<dc>.internal.<td>`
 *   (`connect.ServiceSNI`), the server must present `spiffe://<td>/ns/default/dc/<dc>/svc/<svc>`, trusted
 *   through the local roots;
 * - a `DestinationPeer` service (`?peer=<p>`): the imported synthetic `<svc>-sidecar-proxy` instances, which are
 *   the exporter's mesh gateways (WAN address preferred), SNI `PeerMeta.SNI[0]`, the server's SAN one of
 *   `PeerMeta.SpiffeID` (the service or the exporter's gateway), trusted through the peer's bundle only;
 * - the same peer service in mesh gateway mode `local`: the same SNI, SANs and trust, but dialled at this
 *   cluster's own mesh gateways (LAN address), which route the SNI, under the peer's trust domain, to the peer's
 *   gateways. TLS stays end to end between the two sidecars.
 */
import type { ServiceEntry } from '../../api/index.js';
import type { Endpoint } from './endpoint-picker.js';
import { localServiceSni, serviceSpiffeUri } from './identity.js';

export interface UpstreamTarget {
  readonly endpoints: readonly Endpoint[];
  /** SNI to send. */
  readonly sni: string;
  /** URI SANs the server may present (exact, case-insensitive). */
  readonly expectedSans: readonly string[];
  /** `''` for a local service; else the peer whose bundle is the trust. */
  readonly peer: string;
  /** Whose addresses {@link endpoints} are: the service's sidecars, the peer's gateways, or the local gateways. */
  readonly via: 'sidecars' | 'peer-gateways' | 'local-gateways';
}

function localAddress(e: ServiceEntry): Endpoint {
  const host = e.Service.Address !== '' ? e.Service.Address : e.Node.Address;
  return { host, port: e.Service.Port ?? 0 };
}

/** A peer gateway's best WAN address: service `wan` tag, service address, node `wan` tag, node address. */
function wanAddress(e: ServiceEntry): Endpoint {
  const port = e.Service.Port ?? 0;
  const svcWan = e.Service.TaggedAddresses?.['wan'];
  if (svcWan !== undefined && svcWan.Address !== '')
    return { host: svcWan.Address, port: svcWan.Port !== 0 ? svcWan.Port : port };
  if (e.Service.Address !== '') return { host: e.Service.Address, port };
  const nodeWan = e.Node.TaggedAddresses?.['wan'];
  if (nodeWan !== undefined && nodeWan !== '') return { host: nodeWan, port };
  return { host: e.Node.Address, port };
}

/** The target of a local service (the entries are its sidecars, passing). */
export function localTarget(
  service: string,
  entries: readonly ServiceEntry[],
  trustDomain: string,
  datacenter: string,
): UpstreamTarget {
  // Consul's resolver takes the datacenter of each instance's node; on one agent they are all this datacenter.
  return {
    endpoints: entries.map(localAddress).filter((e) => e.port > 0),
    sni: localServiceSni(service, datacenter, trustDomain),
    expectedSans: [serviceSpiffeUri(trustDomain, datacenter, service)],
    peer: '',
    via: 'sidecars',
  };
}

/**
 * The target of an imported service. The gateways of one exporter share one `PeerMeta` (one SNI, one SAN set per
 * consumer peer), so the first instance carrying it defines SNI and SANs; none → no target (not dialable yet).
 */
export function peerTarget(peer: string, entries: readonly ServiceEntry[]): UpstreamTarget | undefined {
  const meta = entries.find((e) => (e.Service.Connect?.PeerMeta?.SNI?.length ?? 0) > 0)?.Service.Connect
    ?.PeerMeta;
  const sni = meta?.SNI?.[0];
  if (meta === undefined || sni === undefined) return undefined;
  return {
    endpoints: entries.map(wanAddress).filter((e) => e.port > 0),
    sni,
    expectedSans: [...(meta.SpiffeID ?? [])],
    peer,
    via: 'peer-gateways',
  };
}

/**
 * This cluster's mesh gateways, from `/v1/health/service/<gateway service>?passing` answers: instances of kind
 * `mesh-gateway` only, each at its LAN address (the service's address, else its node's; Consul's
 * `BestAddress(false)` for a gateway of the local datacenter).
 */
export function localGatewayEndpoints(entries: readonly ServiceEntry[]): Endpoint[] {
  return entries
    .filter((e) => e.Service.Kind === 'mesh-gateway')
    .map(localAddress)
    .filter((e) => e.port > 0);
}

/** A peer target dialled through the local mesh gateways (mode `local`): same SNI, SANs and trust. */
export function throughLocalGateways(target: UpstreamTarget, gateways: readonly Endpoint[]): UpstreamTarget {
  return { ...target, endpoints: gateways, via: 'local-gateways' };
}
