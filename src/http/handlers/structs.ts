import { badRequest } from '../../errors/index.js';
import { parseDuration } from '../../lib/duration.js';
import type { CheckInput, ServiceInput } from '../../state/index.js';
import {
  HEALTH_STATUSES,
  SERVICE_KINDS,
  type HealthCheckDefinition,
  type HealthStatus,
  type Locality,
  type ServiceAddress,
  type ServiceKind,
} from '../../types/index.js';
import type { AgentCheckDefinition } from '../agent-local.js';
import type { Fields } from '../decode.js';
import { decodeProxyConfig, decodeServiceConnect } from './proxy-config.js';

/** Decodes a service definition (catalog `Service`, agent registration) into a stored service. */
export function decodeService(f: Fields, opts: { nameKey: 'Service' | 'Name' }): ServiceInput {
  const name = opts.nameKey === 'Service' ? f.string('Service') : f.string('Name');
  const kindText = f.string('Kind');
  if (!(SERVICE_KINDS as readonly string[]).includes(kindText))
    throw badRequest(`Invalid service kind: "${kindText}"`);
  const weights = f.object('Weights');
  // An agent definition (Consul's ServiceDefinition.UnmarshalJSON) also takes `tagged_addresses` and
  // `enable_tag_override`; a catalog NodeService does not.
  const agentDef = opts.nameKey === 'Name';
  let tagged = decodeTaggedAddresses(f, 'TaggedAddresses');
  if (agentDef && Object.keys(tagged).length === 0) tagged = decodeTaggedAddresses(f, 'tagged_addresses');
  const port = f.int('Port');
  if (port < 0 || port > 65535) throw badRequest(`Invalid port: ${port}`);
  const proxy = decodeProxyConfig(f.object('Proxy'));
  const connect = decodeServiceConnect(f.object('Connect'));
  const socketPath = f.string('SocketPath');
  const locality = decodeLocality(f.object('Locality'));
  const svc: ServiceInput = {
    Kind: kindText as ServiceKind,
    ID: f.string('ID') || name,
    Service: name,
    Tags: f.stringList('Tags'),
    Address: f.string('Address'),
    Meta: f.stringMap('Meta'),
    Port: port,
    Weights: weights
      ? { Passing: weights.int('Passing'), Warning: weights.int('Warning') }
      : { Passing: 1, Warning: 1 },
    EnableTagOverride: f.bool('EnableTagOverride') || (agentDef && f.bool('enable_tag_override')),
    ...(Object.keys(tagged).length > 0 ? { TaggedAddresses: tagged } : {}),
    ...(socketPath ? { SocketPath: socketPath } : {}),
    ...(locality ? { Locality: locality } : {}),
    ...(proxy ? { Proxy: proxy } : {}),
    ...(connect ? { Connect: connect } : {}),
  };
  validateMeta(svc.Meta);
  return svc;
}

function decodeTaggedAddresses(f: Fields, key: string): Record<string, ServiceAddress> {
  const tagged: Record<string, ServiceAddress> = {};
  const taggedF = f.object(key);
  if (!taggedF) return tagged;
  for (const k of Object.keys(f.json(key) ?? {})) {
    const a = taggedF.object(k);
    if (a) tagged[k] = { Address: a.string('Address'), Port: a.int('Port') };
  }
  return tagged;
}

/** Consul's `ipaddr.IsAny`: a service cannot be registered at the unspecified address. */
export function isAnyAddress(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '[::]';
}

/** `Locality: {Region, Zone}`; absent or all-empty is no locality (Consul omits it then). */
function decodeLocality(f: Fields | undefined): Locality | undefined {
  if (!f) return undefined;
  const region = f.string('Region');
  const zone = f.string('Zone');
  if (region === '' && zone === '') return undefined;
  return { ...(region ? { Region: region } : {}), ...(zone ? { Zone: zone } : {}) };
}

/** Consul's service/node meta limits. */
export function validateMeta(meta: Record<string, string>): void {
  const keys = Object.keys(meta);
  if (keys.length > 64) throw badRequest(`Node metadata cannot contain more than 64 key/value pairs`);
  for (const k of keys) {
    if (k === '') throw badRequest('Key cannot be blank');
    if (!/^[a-zA-Z0-9_-]+$/.test(k)) throw badRequest(`Key contains invalid characters`);
    if (k.length > 128) throw badRequest(`Key is too long (limit: 128 characters)`);
    if (k.startsWith('consul-') && k !== 'consul-network-segment' && k !== 'consul-version') {
      throw badRequest(`Key prefix 'consul-' is reserved for internal use`);
    }
    if ((meta[k] ?? '').length > 512) throw badRequest(`Value is too long (limit: 512 characters)`);
  }
}

export function parseStatus(text: string, dflt: HealthStatus): HealthStatus {
  if (text === '') return dflt;
  if (!(HEALTH_STATUSES as readonly string[]).includes(text))
    throw badRequest(`Invalid check status: "${text}"`);
  return text as HealthStatus;
}

function durationMs(text: string, field: string): number {
  if (text === '') return 0;
  const ms = parseDuration(text);
  if (ms === undefined) throw badRequest(`Invalid ${field}: time: invalid duration "${text}"`);
  return ms;
}

/** The check type Consul reports for a definition (`CheckType.Type()`, in its order). */
function checkType(def: HealthCheckDefinition): string {
  if (def.GRPC) return 'grpc';
  if (def.HTTP) return 'http';
  if (def.TTL) return 'ttl';
  if (def.TCP) return 'tcp';
  if (def.UDP) return 'udp';
  if (def.AliasNode || def.AliasService) return 'alias';
  if (def.ScriptArgs && def.ScriptArgs.length > 0) return 'script';
  return '';
}

/** Check kinds Consul has that Entente does not run yet: refused, never registered to stay critical forever. */
const UNSUPPORTED_CHECK_FIELDS: readonly (readonly [string, string])[] = [
  ['H2PING', 'H2PING'],
  ['DockerContainerID', 'Docker'],
  ['OSService', 'OSService'],
  ['Shell', 'Docker'],
];

/**
 * Decodes an agent check definition (`/v1/agent/check/register`, or a service's `Check`/`Checks`). Field names
 * are Consul's AgentServiceCheck / CheckDefinition ones (`ID` or `CheckID`, `Args`/`ScriptArgs`, ...).
 */
export function decodeAgentCheck(
  f: Fields,
  ctx: { node: string; serviceID: string; serviceName: string; defaultId: string; defaultName: string },
): AgentCheckDefinition {
  const ttl = f.durationText('TTL');
  const interval = f.durationText('Interval');
  const timeout = f.durationText('Timeout');
  const deregister = f.durationText('DeregisterCriticalServiceAfter');
  const header: Record<string, string[]> = {};
  const headerRaw = f.json('Header');
  if (headerRaw) {
    for (const [k, v] of Object.entries(headerRaw)) {
      if (!Array.isArray(v) || v.some((x) => typeof x !== 'string'))
        throw badRequest(`Invalid Header for ${k}: must be a list of strings`);
      header[k] = v as string[];
    }
  }
  const def: HealthCheckDefinition = {};
  const http = f.string('HTTP');
  const tcp = f.string('TCP');
  const udp = f.string('UDP');
  const grpc = f.string('GRPC');
  if (http) def.HTTP = http;
  if (Object.keys(header).length > 0) def.Header = header;
  const method = f.string('Method');
  if (method) def.Method = method;
  const body = f.string('Body');
  if (body) def.Body = body;
  const tlsName = f.string('TLSServerName');
  if (tlsName) def.TLSServerName = tlsName;
  if (f.bool('TLSSkipVerify')) def.TLSSkipVerify = true;
  if (tcp) def.TCP = tcp;
  if (udp) def.UDP = udp;
  if (grpc) def.GRPC = grpc;
  if (f.bool('GRPCUseTLS')) def.GRPCUseTLS = true;
  if (interval) def.Interval = interval;
  if (timeout) def.Timeout = timeout;
  if (ttl) def.TTL = ttl;
  if (deregister) def.DeregisterCriticalServiceAfter = deregister;

  const ttlMs = durationMs(ttl, 'TTL');
  const intervalMs = durationMs(interval, 'Interval');
  const timeoutMs = durationMs(timeout, 'Timeout');
  const deregMs = durationMs(deregister, 'DeregisterCriticalServiceAfter');
  for (const [field, kind] of UNSUPPORTED_CHECK_FIELDS) {
    if (f.string(field) !== '')
      throw badRequest(`Invalid check: ${kind} checks are not supported by Entente yet (${field} is set)`);
  }
  const scriptArgs = f.stringList('Args', 'ScriptArgs');
  if (scriptArgs.length > 0) def.ScriptArgs = scriptArgs;
  const aliasNode = f.string('AliasNode');
  const aliasService = f.string('AliasService');
  if (aliasNode) def.AliasNode = aliasNode;
  if (aliasService) def.AliasService = aliasService;
  const hasScript = scriptArgs.length > 0;
  const isAlias = aliasNode !== '' || aliasService !== '';
  const isTtl = ttl !== '';
  const isNetwork = http !== '' || tcp !== '' || udp !== '' || grpc !== '' || hasScript;
  if (!isTtl && !isNetwork && !isAlias) {
    throw badRequest(`Invalid check: TTL must be > 0 for TTL checks`);
  }
  if (isTtl && ttlMs <= 0) throw badRequest('Invalid check: TTL must be > 0 for TTL checks');
  if (isNetwork && intervalMs <= 0)
    throw badRequest('Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks');
  if (isNetwork && isAlias) throw badRequest('Invalid check: Interval cannot be set for Alias checks');
  if (isAlias && isTtl) throw badRequest('Invalid check: TTL must be not be set for Alias checks');

  const name = f.string('Name') || ctx.defaultName;
  const id = f.string('CheckID', 'ID') || ctx.defaultId || name;
  if (name === '' && id === '') throw badRequest('Missing check name');
  const check: CheckInput = {
    Node: ctx.node,
    CheckID: id,
    Name: name || id,
    Status: parseStatus(f.string('Status'), 'critical'),
    Notes: f.string('Notes'),
    Output: '',
    ServiceID: f.string('ServiceID') || ctx.serviceID,
    ServiceName: ctx.serviceName,
    ServiceTags: [],
    Type: checkType(def),
    Interval: interval,
    Timeout: timeout,
    ExposedPort: 0,
    Definition: def,
  };
  return { check, ttlMs, intervalMs, timeoutMs, deregisterCriticalAfterMs: deregMs };
}
