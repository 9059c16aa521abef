export { DnsServer, type DnsServerOptions, type DnsServerStats } from './server.js';
export { DnsResponder, type DnsOutcome, type DnsResponderOptions } from './responder.js';
export { parseDnsSettings, DnsConfigError, type DnsSettings } from './dns-config.js';
export type { DnsCatalog } from './lookup.js';
export type { Transport } from './serializer.js';
