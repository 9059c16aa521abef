/**
 * The decision of `POST /v1/agent/connect/authorize` (Consul `Agent.ConnectAuthorize`): may the holder of a
 * client certificate with this SPIFFE URI connect to `target`?
 *
 * Beyond Consul (which does not check trust domains and never matches peer intentions here): the URI's trust
 * domain decides who the source is. The local trust domain → a local service; the trust domain of a peer's
 * stored trust bundle → that peer's service, matched only by `Sources[].Peer` intentions; any other trust domain
 * → not authorized. The endpoint sees only the URI, not the certificate, so "verified against the bundle" means
 * the URI's trust domain must be one a stored bundle vouches for; the TLS layer verifies the chain itself.
 */
import { isL7, type Intention } from './intention.js';
import type { IntentionSet } from './intention-set.js';

/** A service SPIFFE ID: `spiffe://<td>[/ap/<partition>]/ns/<ns>/dc/<dc>/svc/<service>`. */
export interface ServiceSpiffeId {
  readonly trustDomain: string;
  readonly partition: string;
  readonly namespace: string;
  readonly datacenter: string;
  readonly service: string;
}

const SERVICE_PATH = /^(?:\/ap\/([^/]+))?\/ns\/([^/]+)\/dc\/([^/]+)\/svc\/([^/]+)$/;
const OTHER_PATHS = [
  /^(?:\/ap\/[^/]+)?\/agent\/client\/dc\/[^/]+\/id\/[^/]+$/,
  /^\/agent\/server\/dc\/[^/]+$/,
  /^(?:\/ap\/[^/]+)?\/gateway\/mesh\/dc\/[^/]+$/,
  /^$/,
];

/** Why a URI is refused, with Consul's texts (both 400). */
export type SpiffeParseError =
  'ClientCertURI not a valid Connect identifier' | 'ClientCertURI not a valid Service identifier';

function unescape(part: string): string | undefined {
  try {
    return decodeURIComponent(part);
  } catch {
    return undefined;
  }
}

/** Parses a client certificate URI: a service identity, or the reason it is not one. */
export function parseServiceSpiffeId(uri: string): ServiceSpiffeId | SpiffeParseError {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return 'ClientCertURI not a valid Connect identifier';
  }
  if (url.protocol !== 'spiffe:' || url.host === '') return 'ClientCertURI not a valid Connect identifier';
  const m = SERVICE_PATH.exec(url.pathname);
  if (m === null) {
    return OTHER_PATHS.some((re) => re.test(url.pathname))
      ? 'ClientCertURI not a valid Service identifier'
      : 'ClientCertURI not a valid Connect identifier';
  }
  const parts = [m[1] ?? 'default', m[2] ?? '', m[3] ?? '', m[4] ?? ''].map(unescape);
  if (parts.some((p) => p === undefined)) return 'ClientCertURI not a valid Connect identifier';
  const [partition = '', namespace = '', datacenter = '', service = ''] = parts as string[];
  return { trustDomain: url.host.toLowerCase(), partition, namespace, datacenter, service };
}

/** Consul's server-side `Intention.String()`, as authorize reasons quote it. */
export function consulIntentionString(ixn: Intention): string {
  const src = ixn.SourcePeer === undefined ? '' : `peer(${ixn.SourcePeer})/`;
  const detail = isL7(ixn)
    ? `Permissions: ${ixn.Permissions?.length ?? 0}`
    : `Action: ${(ixn.Action ?? '').toUpperCase()}`;
  return `${src}${ixn.SourceNS}/${ixn.SourceName} => ${ixn.DestinationNS}/${ixn.DestinationName} (Precedence: ${ixn.Precedence}, ${detail})`;
}

export interface AuthorizeInput {
  readonly target: string;
  readonly client: ServiceSpiffeId;
  /** This cluster's trust domain (`<cluster id>.consul`). */
  readonly localTrustDomain: string;
  /** The local name of the peer whose stored trust bundle has this trust domain, if any. */
  readonly peerForTrustDomain: (trustDomain: string) => string | undefined;
  readonly defaultAllow: boolean;
}

export interface AuthorizeResult {
  readonly Authorized: boolean;
  readonly Reason: string;
}

/** The authorize decision over the compiled intentions (L7 intentions deny, as Consul's). */
export function authorize(set: IntentionSet, input: AuthorizeInput): AuthorizeResult {
  const { client } = input;
  if (client.partition !== 'default') {
    return { Authorized: false, Reason: `Mismatched partitions: "${client.partition}" != "default"` };
  }
  let peer = '';
  if (client.trustDomain !== input.localTrustDomain) {
    const found = input.peerForTrustDomain(client.trustDomain);
    if (found === undefined) {
      return {
        Authorized: false,
        Reason: `Unknown trust domain "${client.trustDomain}": neither the local one nor any peer's trust bundle`,
      };
    }
    peer = found;
  }
  const d = set.decide({ name: client.service, peer }, input.target, input.defaultAllow);
  if (d.intention === null) return { Authorized: d.allowed, Reason: 'Default behavior configured by ACLs' };
  const kind = d.l7 ? 'L7' : 'L4';
  return {
    Authorized: d.allowed,
    Reason: `Matched ${kind} intention: ${consulIntentionString(d.intention)}`,
  };
}
