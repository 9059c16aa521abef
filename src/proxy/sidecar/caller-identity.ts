/**
 * Who is on the other end of an inbound mTLS connection, after Node verified the chain against the union of
 * trusted roots: the certificate's service SPIFFE ID, provided the chain ends in an anchor of that ID's own trust
 * domain (local roots for local callers, the peer's bundle for a peer's callers). Anything else is refused.
 */
import type { DetailedPeerCertificate } from 'node:tls';

import { parseServiceSpiffeId } from '../../intentions/index.js';
import { chainFingerprints, colonSerial, firstUriSan, trustDomainOf } from './identity.js';
import type { TlsMaterial } from './tls-material.js';

export interface VerifiedCaller {
  readonly uri: string;
  /** Colon-hex serial, as `POST /v1/agent/connect/authorize` takes it. */
  readonly serial: string;
  readonly name: string;
  /** `''` for a local caller, else the local name of its peer. */
  readonly peer: string;
}

/** The caller, or why it is refused. */
export function verifyCaller(cert: DetailedPeerCertificate, material: TlsMaterial): VerifiedCaller | string {
  const uri = firstUriSan(cert);
  if (uri === undefined) return 'client certificate has no URI SAN';
  const td = trustDomainOf(uri);
  if (td === undefined) return `client certificate URI ${uri} is not a SPIFFE ID`;
  const anchors = material.anchorsFor(td);
  const peer = material.peerForTrustDomain(td);
  if (anchors === undefined || peer === undefined)
    return `trust domain ${td} is neither the local one nor a peer's this service is exported to`;
  if (!chainFingerprints(cert).some((f) => anchors.has(f)))
    return `client certificate for ${uri} does not chain to the roots of its trust domain ${td}`;
  const id = parseServiceSpiffeId(uri);
  if (typeof id === 'string') return `${id}: ${uri}`;
  return { uri, serial: colonSerial(cert.serialNumber), name: id.service, peer };
}
