/**
 * What a mesh gateway does with a server name (Consul `agent/connect/sni.go` formats, §2 of
 * shared/research/peering-mesh.md). Pure: the caller supplies the local trust domain, datacenter and the trust
 * domains of its peers.
 */

/** The route an SNI asks for, or why there is none. */
export type SniRoute =
  /** `<svc>.<ns>.<partition>.<peer>.external.<local td>`: a peer dials a service this cluster exports to it. */
  | { readonly kind: 'exported'; readonly service: string; readonly peer: string }
  /** `<svc>.<ns>.<dc>.internal.<local td>`: a local sidecar dials a service of this datacenter. */
  | { readonly kind: 'local'; readonly service: string }
  /** `<svc>.<ns>.<partition>.<name>.external.<peer td>`: local mode, forwarded to that peer's mesh gateways. */
  | { readonly kind: 'to-peer'; readonly service: string; readonly peer: string }
  | { readonly kind: 'unroutable'; readonly reason: UnroutableReason };

export type UnroutableReason =
  /** No SNI, or one under neither the local trust domain nor a peer's. */
  | 'unknown-sni'
  /** A local form Entente does not serve: subsets, non-default namespaces/partitions, another datacenter. */
  | 'unsupported-sni';

export interface SniContext {
  /** The local trust domain, `<cluster id>.consul`, lower case. */
  readonly trustDomain: string;
  readonly datacenter: string;
  /** Each peer's trust domain (from its trust bundle) → the local name of that peer. */
  readonly peerByTrustDomain: ReadonlyMap<string, string>;
}

const DEFAULT = 'default';

export function routeSni(serverName: string | undefined, ctx: SniContext): SniRoute {
  if (serverName === undefined) return { kind: 'unroutable', reason: 'unknown-sni' };
  const sni = serverName.toLowerCase();
  const suffix = `.${ctx.trustDomain.toLowerCase()}`;
  if (ctx.trustDomain !== '' && sni.endsWith(suffix))
    return localForm(sni.slice(0, -suffix.length).split('.'), ctx);
  const labels = sni.split('.');
  if (labels.length < 6 || labels[4] !== 'external') return { kind: 'unroutable', reason: 'unknown-sni' };
  const peer = ctx.peerByTrustDomain.get(labels.slice(5).join('.'));
  const [service = '', ns, partition] = labels;
  if (peer === undefined) return { kind: 'unroutable', reason: 'unknown-sni' };
  if (service === '' || ns !== DEFAULT || partition !== DEFAULT)
    return { kind: 'unroutable', reason: 'unsupported-sni' };
  return { kind: 'to-peer', service, peer };
}

function localForm(labels: readonly string[], ctx: SniContext): SniRoute {
  const [service = '', ns, third, fourth, fifth] = labels;
  if (service === '' || ns !== DEFAULT) return { kind: 'unroutable', reason: 'unsupported-sni' };
  if (
    labels.length === 5 &&
    fifth === 'external' &&
    third === DEFAULT &&
    fourth !== undefined &&
    fourth !== ''
  ) {
    return { kind: 'exported', service, peer: fourth };
  }
  if (labels.length === 4 && fourth === 'internal' && third === ctx.datacenter.toLowerCase()) {
    return { kind: 'local', service };
  }
  return { kind: 'unroutable', reason: 'unsupported-sni' };
}
