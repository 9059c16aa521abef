/**
 * Honest configuration: a key whose feature Entente does not have never changes what the agent advertises.
 *
 * - A **security-relevant** key that asks for protection Entente cannot give (ACL enforcement, client-certificate
 *   verification) stops start-up with a {@link ConfigError}: running without the protection the operator asked for
 *   would be worse than not running.
 * - Any other key or flag whose feature is missing is accepted (Consul config files load unchanged) with a warning
 *   that says what does not happen; its value is not advertised anywhere (ports of listeners that do not exist are
 *   reported as -1).
 */

/** A configuration problem: the agent refuses to start and prints this message. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

type Raw = Record<string, unknown>;

function isObject(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `true` when the raw value is Go-truthy as Consul's config would read it. */
function truthy(v: unknown): boolean {
  return v === true || v === 'true';
}

/** Later issues implement these; until then a config that relies on them must not start. */
const ACL_MISSING =
  'ACLs are not implemented by Entente yet: with ACLs "enabled" every request would still be allowed. ' +
  'Remove the setting (or set it to false) to run without ACLs.';

const VERIFY_INCOMING_MISSING =
  'is true, but Entente does not serve TLS with client-certificate verification on its HTTP or RPC listeners; ' +
  'unauthenticated clients would be accepted. Remove the setting to run without it.';

/**
 * Refuses security-relevant keys whose feature is missing (throws {@link ConfigError} naming the key), and returns
 * warnings for settings that are accepted without effect. `raw` is the merged configuration (files, then flags).
 */
export function checkUnimplemented(raw: Raw): string[] {
  const warnings: string[] = [];
  const acl = raw['acl'];
  if (isObject(acl)) {
    if (truthy(acl['enabled'])) throw new ConfigError(`acl.enabled: ${ACL_MISSING}`);
    if (acl['default_policy'] !== undefined) {
      warnings.push(
        'acl.default_policy has no effect: ACLs are disabled (not implemented by Entente yet), so every request is allowed and X-Consul-Default-ACL-Policy says "allow"',
      );
    }
  }
  // Consul's legacy `acl_datacenter` turns ACLs on.
  if (typeof raw['acl_datacenter'] === 'string' && raw['acl_datacenter'] !== '') {
    throw new ConfigError(`acl_datacenter: ${ACL_MISSING}`);
  }
  if (raw['acl_default_policy'] === 'deny') throw new ConfigError(`acl_default_policy: ${ACL_MISSING}`);
  for (const key of ['verify_incoming', 'verify_incoming_rpc', 'verify_incoming_https']) {
    if (truthy(raw[key])) throw new ConfigError(`${key} ${VERIFY_INCOMING_MISSING}`);
  }
  const tls = raw['tls'];
  if (isObject(tls)) {
    for (const [section, v] of Object.entries(tls)) {
      if (isObject(v) && truthy(v['verify_incoming'])) {
        throw new ConfigError(`tls.${section}.verify_incoming ${VERIFY_INCOMING_MISSING}`);
      }
    }
  }
  const ports = isObject(raw['ports']) ? raw['ports'] : {};
  if (typeof ports['grpc'] === 'number' && ports['grpc'] >= 0) {
    warnings.push(
      `ports.grpc (-grpc-port) = ${ports['grpc']} is ignored: nothing serves plaintext gRPC (xDS) in Entente yet, so the port is not opened and not advertised; peering uses ports.grpc_tls`,
    );
  }
  if (typeof ports['https'] === 'number' && ports['https'] >= 0) {
    warnings.push(
      `ports.https (-https-port) = ${ports['https']} is ignored: Entente does not serve the HTTP API over TLS yet, so the port is not opened and not advertised`,
    );
  }
  if (typeof ports['server'] === 'number' && ports['server'] >= 0) {
    warnings.push(
      `ports.server (-server-port) = ${ports['server']} is ignored: Entente servers speak no server RPC (Raft) to each other, so the port is not opened and not advertised (reported as -1)`,
    );
  }
  const ui = raw['ui_config'];
  if (truthy(raw['ui']) || (isObject(ui) && truthy(ui['enabled']))) {
    warnings.push('ui_config.enabled (-ui) is ignored: Entente has no web UI yet; "/" says so');
  }
  return warnings;
}

/**
 * Consul's warning when script checks may be registered over HTTP without ACLs: anyone who can reach the HTTP API
 * can run commands on this host.
 */
export const SCRIPT_CHECKS_WITHOUT_ACLS_WARNING =
  'enable_script_checks = true without ACLs is DANGEROUS: anyone who can reach the HTTP API can run commands on this host. ' +
  'Bind the HTTP API to loopback only, or leave script checks off. See https://www.hashicorp.com/blog/protecting-consul-from-rce-risk-in-specific-configurations';
