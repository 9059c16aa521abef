/**
 * The signing seam: what anything that issues leaves needs of the CA at signing time (the active root, its key,
 * the intermediates to send along, the configured TTL), read from the store's records in one call.
 *
 * @packageDocumentation
 */
import type { CAConfigRecord, CARootRecord } from '../types/index.js';
import { parseConsulCAConfig, type ConsulCAConfig } from './ca-config.js';

/** The active root and what signing with it needs. */
export interface ActiveCASigning {
  /** The active root: the issuer of every new leaf. */
  readonly root: CARootRecord;
  /** Its private key (PEM). Secret: never log or render it. */
  readonly signingKeyPem: string;
  /**
   * Certificates to send after the leaf (the cross-signed copy of the root after a rotation), so peers that
   * trust only the previous root still accept the leaf. Empty for a root that was never rotated to.
   */
  readonly intermediatePems: readonly string[];
  /** The parsed configuration (defaults filled in); `leafCertTtlMs` is the lifetime of new leaves. */
  readonly config: ConsulCAConfig;
}

/**
 * Picks the active root and pairs it with the key and the parsed configuration. Undefined when there is no
 * active root or no key yet (the CA is not bootstrapped). A stored configuration that no longer parses (it was
 * validated when written) falls back to the defaults rather than stopping signing.
 */
export function activeCASigning(
  roots: readonly CARootRecord[],
  signingKeyPem: string,
  config: CAConfigRecord | undefined,
): ActiveCASigning | undefined {
  const root = roots.find((r) => r.Active);
  if (root === undefined || signingKeyPem === '') return undefined;
  let parsed: ConsulCAConfig;
  try {
    parsed = parseConsulCAConfig(config?.Config ?? {});
  } catch {
    parsed = parseConsulCAConfig({});
  }
  return { root, signingKeyPem, intermediatePems: root.IntermediateCerts ?? [], config: parsed };
}
