/**
 * The certificates a sidecar works with, kept current by its watches, and the TLS contexts built from them.
 *
 * Hot swap: every change builds new contexts; a new connection takes the current one, an established connection
 * keeps the context it was made with, so a leaf renewal or a root rotation never drops traffic (Consul's
 * `dynamicTLSConfig` does the same with `GetConfigForClient`).
 *
 * Trust is keyed by trust domain, as Envoy's SPIFFE validator keys it: the inbound listener accepts a chain that
 * ends in the local roots or in the roots of a peer the service is exported to, and {@link TlsMaterial.anchorsFor}
 * then tells which anchors the certificate's own trust domain may end in, so a peer's CA cannot vouch for a
 * local identity (or another peer's).
 */
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';

import type { CARootList, LeafCert, PeeringTrustBundle } from '../../api/index.js';

/** Key and certificate options for a TLS context (what `server.setSecureContext` takes). */
export interface ContextOptions {
  readonly cert: string;
  readonly key: string;
  readonly ca: string[];
}

interface Anchors {
  readonly pems: string[];
  readonly fingerprints: ReadonlySet<string>;
}

function anchorsOf(pems: readonly string[]): Anchors {
  const fingerprints = new Set<string>();
  const kept: string[] = [];
  for (const pem of pems) {
    try {
      fingerprints.add(new X509Certificate(pem).fingerprint256);
      kept.push(pem);
    } catch {
      /* an unparsable root cannot anchor anything */
    }
  }
  return { pems: kept, fingerprints };
}

export class TlsMaterial {
  #leaf: LeafCert | undefined;
  #trustDomain = '';
  #local: Anchors = anchorsOf([]);
  /** Peers this service is exported to, by trust domain: their roots may anchor inbound client certificates. */
  #inbound = new Map<string, Anchors>();
  #peerByTrustDomain = new Map<string, string>();
  /** Bundles of peers this proxy dials (DestinationPeer upstreams), by local peer name. */
  #outbound = new Map<string, Anchors>();
  #serverOptions: ContextOptions | undefined;
  #localClient: SecureContext | undefined;
  readonly #peerClients = new Map<string, SecureContext>();
  readonly #listeners = new Set<() => void>();

  /** Both a leaf and the local roots are known: listeners can start. */
  get ready(): boolean {
    return this.#leaf !== undefined && this.#local.pems.length > 0;
  }

  /** The local trust domain (`<cluster id>.consul`), `''` before the roots arrived. */
  get trustDomain(): string {
    return this.#trustDomain;
  }

  /** The current leaf's serial (for logs; never the key). */
  get leafSerial(): string | undefined {
    return this.#leaf?.SerialNumber;
  }

  /** Calls `fn` after every change (the public listener swaps its context there). */
  onChange(fn: () => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  setLeaf(leaf: LeafCert): void {
    this.#leaf = leaf;
    this.#changed();
  }

  setRoots(roots: CARootList): void {
    this.#trustDomain = roots.TrustDomain.toLowerCase();
    this.#local = anchorsOf((roots.Roots ?? []).map((r) => r.RootCert));
    this.#changed();
  }

  /** The bundles of every peer the service is exported to (`/v1/internal/peering/trust-bundles?service=`). */
  setInboundBundles(bundles: readonly PeeringTrustBundle[]): void {
    this.#inbound = new Map(bundles.map((b) => [b.TrustDomain.toLowerCase(), anchorsOf(b.RootPEMs ?? [])]));
    this.#peerByTrustDomain = new Map(bundles.map((b) => [b.TrustDomain.toLowerCase(), b.PeerName]));
    this.#changed();
  }

  /** The bundle of a peer this proxy dials; `null` forgets it (the peer sent none yet, or was deleted). */
  setPeerBundle(peer: string, bundle: PeeringTrustBundle | null): void {
    if (bundle === null) this.#outbound.delete(peer);
    else this.#outbound.set(peer, anchorsOf(bundle.RootPEMs ?? []));
    this.#changed();
  }

  /**
   * The anchors a client certificate in `trustDomain` must chain to: the local roots for the local trust domain,
   * a peer's bundle for that peer's; undefined for any other trust domain (refused).
   */
  anchorsFor(trustDomain: string): ReadonlySet<string> | undefined {
    if (trustDomain === this.#trustDomain) return this.#local.fingerprints;
    return this.#inbound.get(trustDomain)?.fingerprints;
  }

  /** The local name of the peer whose (inbound) bundle has this trust domain; `''` for the local one. */
  peerForTrustDomain(trustDomain: string): string | undefined {
    if (trustDomain === this.#trustDomain) return '';
    return this.#peerByTrustDomain.get(trustDomain);
  }

  /** Options of the inbound (public listener) context: the leaf, trusting local roots and inbound bundles. */
  serverOptions(): ContextOptions | undefined {
    const leaf = this.#leaf;
    if (leaf === undefined || !this.ready) return undefined;
    this.#serverOptions ??= {
      cert: leaf.CertPEM,
      key: leaf.PrivateKeyPEM,
      ca: [...this.#local.pems, ...[...this.#inbound.values()].flatMap((a) => a.pems)],
    };
    return this.#serverOptions;
  }

  /** The context for dialling local services: the leaf as client certificate, the local roots as trust. */
  localClientContext(): SecureContext | undefined {
    const leaf = this.#leaf;
    if (leaf === undefined || !this.ready) return undefined;
    this.#localClient ??= createSecureContext({
      cert: leaf.CertPEM,
      key: leaf.PrivateKeyPEM,
      ca: this.#local.pems,
    });
    return this.#localClient;
  }

  /** The context for dialling through peer `peer`'s gateways: the leaf, trusting only that peer's bundle. */
  peerClientContext(peer: string): SecureContext | undefined {
    const leaf = this.#leaf;
    const anchors = this.#outbound.get(peer);
    if (leaf === undefined || anchors === undefined || anchors.pems.length === 0) return undefined;
    let ctx = this.#peerClients.get(peer);
    if (ctx === undefined) {
      ctx = createSecureContext({ cert: leaf.CertPEM, key: leaf.PrivateKeyPEM, ca: anchors.pems });
      this.#peerClients.set(peer, ctx);
    }
    return ctx;
  }

  #changed(): void {
    this.#serverOptions = undefined;
    this.#localClient = undefined;
    this.#peerClients.clear();
    for (const fn of this.#listeners) fn();
  }
}
