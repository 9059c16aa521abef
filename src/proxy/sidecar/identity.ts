/**
 * Mesh identities as Consul computes them for a sidecar's connections: the SNI a dialer sends to a local service
 * (`connect.ServiceSNI`), the SPIFFE ID the server must present, and reading the URI SAN of a certificate.
 */
import type { PeerCertificate } from 'node:tls';
import type { X509Certificate } from 'node:crypto';

import { serviceSni } from '../../discovery-chain/index.js';

/** `spiffe://<td>/ns/default/dc/<dc>/svc/<svc>` (default partition and namespace: Entente is CE). */
export function serviceSpiffeUri(trustDomain: string, datacenter: string, service: string): string {
  return `spiffe://${trustDomain}/ns/default/dc/${datacenter}/svc/${service}`;
}

/** `<svc>.default.<dc>.internal.<td>`: the SNI for a service in this cluster's default partition. */
export function localServiceSni(service: string, datacenter: string, trustDomain: string): string {
  return serviceSni(service, '', 'default', 'default', datacenter, trustDomain);
}

/**
 * The URI SANs of a certificate, from Node's `subjectaltname` text (`URI:spiffe://…, DNS:…`; values Node had to
 * quote come JSON-quoted).
 */
export function uriSans(subjectAltName: string | undefined): string[] {
  if (subjectAltName === undefined || subjectAltName === '') return [];
  const out: string[] = [];
  for (const part of splitSans(subjectAltName)) {
    if (!part.startsWith('URI:')) continue;
    const raw = part.slice(4);
    if (raw.startsWith('"')) {
      try {
        out.push(JSON.parse(raw) as string);
      } catch {
        /* malformed quoting: not a usable SAN */
      }
    } else out.push(raw);
  }
  return out;
}

function splitSans(text: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] ?? '';
    if (ch === '"' && text[i - 1] !== '\\') quoted = !quoted;
    if (!quoted && ch === ',' && text[i + 1] === ' ') {
      parts.push(cur);
      cur = '';
      i++;
      continue;
    }
    cur += ch;
  }
  if (cur !== '') parts.push(cur);
  return parts;
}

/** The first URI SAN of a certificate (Consul's `extractCertURI`: services carry exactly one). */
export function firstUriSan(cert: PeerCertificate | X509Certificate): string | undefined {
  const text = 'subjectaltname' in cert ? cert.subjectaltname : (cert as X509Certificate).subjectAltName;
  return uriSans(text)[0];
}

/** The trust domain (host) of a SPIFFE URI, lower-cased; undefined when it is not one. */
export function trustDomainOf(uri: string): string | undefined {
  const m = /^spiffe:\/\/([^/]+)(\/|$)/i.exec(uri);
  return m?.[1]?.toLowerCase();
}

/** Consul's `EncodeSerialNumber`: the serial's bytes as lower-case hex pairs joined by `:`. */
export function colonSerial(hexSerial: string): string {
  const hex = hexSerial.length % 2 === 1 ? `0${hexSerial}` : hexSerial;
  return (hex.toLowerCase().match(/../g) ?? []).join(':');
}

/**
 * The SHA-256 fingerprints (Node's `AA:BB:…` form) of every certificate on the verified chain the peer
 * presented, leaf to trust anchor (`getPeerCertificate(true)` links each to its issuer; the anchor links to itself).
 */
export function chainFingerprints(leaf: PeerCertificate & { issuerCertificate?: PeerCertificate }): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  let cur: (PeerCertificate & { issuerCertificate?: PeerCertificate }) | undefined = leaf;
  while (cur !== undefined && !seen.has(cur.fingerprint256)) {
    seen.add(cur.fingerprint256);
    out.push(cur.fingerprint256);
    cur = cur.issuerCertificate;
  }
  return out;
}
