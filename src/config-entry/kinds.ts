/**
 * The config entry kinds Entente implements, and the wider set Consul knows.
 */

/** The kinds Entente decodes, validates and stores, in Consul's `AllConfigEntryKinds` order. */
export const CONFIG_ENTRY_KINDS = [
  'service-defaults',
  'proxy-defaults',
  'service-router',
  'service-splitter',
  'service-resolver',
  'service-intentions',
  'mesh',
  'exported-services',
] as const;

export type ConfigEntryKind = (typeof CONFIG_ENTRY_KINDS)[number];

const KIND_SET: ReadonlySet<string> = new Set(CONFIG_ENTRY_KINDS);

export function isConfigEntryKind(kind: string): kind is ConfigEntryKind {
  return KIND_SET.has(kind);
}

/**
 * Kinds Consul itself knows but Entente does not implement (gateways, API gateway, sameness groups, …).
 * Entente answers them exactly like an unknown kind; see README.
 */
export const UNSUPPORTED_CONSUL_KINDS = [
  'ingress-gateway',
  'terminating-gateway',
  'sameness-group',
  'api-gateway',
  'bound-api-gateway',
  'http-route',
  'tcp-route',
  'file-system-certificate',
  'inline-certificate',
  'control-plane-request-limit',
  'jwt-provider',
] as const;
