/**
 * `service-defaults` (Consul `ServiceConfigEntry`, agent/structs/config_entry.go).
 */
import { isIP } from 'node:net';

import { formatMultiError } from '../go/format.js';
import { validateConfigEntryMeta } from '../meta.js';
import {
  durationNs,
  durationNsPtr,
  f,
  getNum,
  getObj,
  getObjList,
  getStr,
  getStrList,
  HASH_FIELD,
  int,
  intPtr,
  mapString,
  named,
  oe,
  ptrTo,
  RAFT_INDEX_FIELDS,
  sliceOf,
  str,
  structOf,
  uint32,
  uint32Ptr,
  type GoStruct,
  type StructSchema,
} from '../schema.js';
import {
  ENVOY_EXTENSION,
  EXPOSE_CONFIG,
  MESH_GATEWAY_CONFIG,
  TRANSPARENT_PROXY_CONFIG,
  validateMutualTlsMode,
  WILDCARD,
  type KindModule,
} from './shared.js';

const UPSTREAM_LIMITS: StructSchema = {
  goName: 'structs.UpstreamLimits',
  fields: [
    oe('MaxConnections', intPtr, 'max_connections'),
    oe('MaxPendingRequests', intPtr, 'max_pending_requests'),
    oe('MaxConcurrentRequests', intPtr, 'max_concurrent_requests'),
  ],
};

const PASSIVE_HEALTH_CHECK: StructSchema = {
  goName: 'structs.PassiveHealthCheck',
  fields: [
    oe('Interval', durationNs),
    oe('MaxFailures', uint32, 'max_failures'),
    oe('EnforcingConsecutive5xx', uint32Ptr, 'enforcing_consecutive_5xx'),
    oe('MaxEjectionPercent', uint32Ptr, 'max_ejection_percent'),
    oe('BaseEjectionTime', durationNsPtr, 'base_ejection_time'),
  ],
};

/** `structs.UpstreamConfig` as used in `UpstreamConfig.Overrides` / `.Defaults`. */
const UPSTREAM_CONFIG: StructSchema = {
  goName: 'structs.UpstreamConfig',
  fields: [
    oe('Name', str),
    f('Peer', str),
    oe('EnvoyListenerJSON', str, 'envoy_listener_json'),
    oe('EnvoyClusterJSON', str, 'envoy_cluster_json'),
    oe('Protocol', str),
    oe('ConnectTimeoutMs', int, 'connect_timeout_ms'),
    oe('Limits', ptrTo(UPSTREAM_LIMITS)),
    oe('PassiveHealthCheck', ptrTo(PASSIVE_HEALTH_CHECK), 'passive_health_check'),
    oe('MeshGateway', structOf(MESH_GATEWAY_CONFIG), 'mesh_gateway'),
    oe('BalanceOutboundConnections', str, 'balance_outbound_connections'),
  ],
};

const UPSTREAM_CONFIGURATION: StructSchema = {
  goName: 'structs.UpstreamConfiguration',
  fields: [oe('Overrides', sliceOf(ptrTo(UPSTREAM_CONFIG))), oe('Defaults', ptrTo(UPSTREAM_CONFIG))],
};

const DESTINATION_CONFIG: StructSchema = {
  goName: 'structs.DestinationConfig',
  fields: [oe('Addresses', sliceOf(str)), oe('Port', int)],
};

const ROUTE_RATE_LIMITS: StructSchema = {
  goName: 'structs.InstanceLevelRouteRateLimits',
  fields: [
    f('PathExact', str, 'path_exact'),
    f('PathPrefix', str, 'path_prefix'),
    f('PathRegex', str, 'path_regex'),
    f('RequestsPerSecond', int, 'requests_per_second'),
    f('RequestsMaxBurst', int, 'requests_max_burst'),
  ],
};

const RATE_LIMITS: StructSchema = {
  goName: 'structs.RateLimits',
  fields: [
    f(
      'InstanceLevel',
      structOf({
        goName: 'structs.InstanceLevelRateLimits',
        fields: [
          f('RequestsPerSecond', int, 'requests_per_second'),
          f('RequestsMaxBurst', int, 'requests_max_burst'),
          f('Routes', sliceOf(structOf(ROUTE_RATE_LIMITS))),
        ],
      }),
      'instance_level',
    ),
  ],
};

export const SERVICE_DEFAULTS_SCHEMA: StructSchema = {
  goName: 'structs.ServiceConfigEntry',
  fields: [
    f('Kind', str),
    f('Name', str),
    f('Protocol', str),
    oe('Mode', named('structs.ProxyMode')),
    oe('TransparentProxy', structOf(TRANSPARENT_PROXY_CONFIG), 'transparent_proxy'),
    oe('MutualTLSMode', named('structs.MutualTLSMode'), 'mutual_tls_mode'),
    oe('MeshGateway', structOf(MESH_GATEWAY_CONFIG), 'mesh_gateway'),
    oe('Expose', structOf(EXPOSE_CONFIG)),
    oe('ExternalSNI', str, 'external_sni'),
    oe('UpstreamConfig', ptrTo(UPSTREAM_CONFIGURATION), 'upstream_config'),
    oe('Destination', ptrTo(DESTINATION_CONFIG)),
    oe('MaxInboundConnections', int, 'max_inbound_connections'),
    oe('LocalConnectTimeoutMs', int, 'local_connect_timeout_ms'),
    oe('LocalRequestTimeoutMs', int, 'local_request_timeout_ms'),
    oe('BalanceInboundConnections', str, 'balance_inbound_connections'),
    oe('RateLimits', ptrTo(RATE_LIMITS), 'rate_limits'),
    oe('EnvoyExtensions', sliceOf(structOf(ENVOY_EXTENSION)), 'envoy_extensions'),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

/** `isValidConnectionBalance`. */
export function isValidConnectionBalance(s: string): boolean {
  return s === '' || s === 'exact_balance';
}

/** `UpstreamConfig.normalize`: lower-cased protocol, negative connect timeouts clamp to 0. */
function normalizeUpstream(cfg: GoStruct): void {
  cfg['Protocol'] = getStr(cfg, 'Protocol').toLowerCase();
  if (getNum(cfg, 'ConnectTimeoutMs') < 0) cfg['ConnectTimeoutMs'] = 0;
}

/** `UpstreamConfig.validate(named)`, returning multierror items or a single early error. */
function validateUpstream(cfg: GoStruct, named: boolean): string | undefined {
  if (named) {
    const name = getStr(cfg, 'Name');
    if (name === '') return 'Name is required';
    if (name === WILDCARD) return 'Wildcard name is not supported';
  } else if (getStr(cfg, 'Name') !== '') {
    return 'Name must be empty';
  }
  const errs: string[] = [];
  const phc = getObj(cfg, 'PassiveHealthCheck');
  if (phc !== null) {
    const msg = validatePassiveHealthCheck(phc);
    if (msg !== undefined) errs.push(msg);
  }
  const limits = getObj(cfg, 'Limits');
  if (limits !== null) {
    const msg = validateUpstreamLimits(limits);
    if (msg !== undefined) errs.push(msg);
  }
  const balance = getStr(cfg, 'BalanceOutboundConnections');
  if (!isValidConnectionBalance(balance))
    errs.push(`invalid value for balance_outbound_connections: ${balance}`);
  return errs.length === 0 ? undefined : formatMultiError(errs);
}

function validatePassiveHealthCheck(chk: GoStruct): string | undefined {
  if (getNum(chk, 'Interval') < 0) return 'passive health check interval cannot be negative';
  const enforcing = chk['EnforcingConsecutive5xx'];
  if (typeof enforcing === 'number' && enforcing > 100) {
    return 'passive health check enforcing_consecutive_5xx must be a percentage between 0 and 100';
  }
  const maxEjection = chk['MaxEjectionPercent'];
  if (typeof maxEjection === 'number' && maxEjection > 100) {
    return 'passive health check max_ejection_percent must be a percentage between 0 and 100';
  }
  const base = chk['BaseEjectionTime'];
  if (typeof base === 'number' && base < 0)
    return 'passive health check base_ejection_time cannot be negative';
  return undefined;
}

function validateUpstreamLimits(limits: GoStruct): string | undefined {
  const neg = (k: string): boolean => typeof limits[k] === 'number' && limits[k] < 0;
  if (neg('MaxConnections')) return 'max connections cannot be negative';
  if (neg('MaxPendingRequests')) return 'max pending requests cannot be negative';
  if (neg('MaxConcurrentRequests')) return 'max concurrent requests cannot be negative';
  return undefined;
}

/** `PeeredServiceName.String()` as used in override error prefixes (peer form UNVERIFIED). */
function upstreamLabel(cfg: GoStruct): string {
  const name = getStr(cfg, 'Name');
  const peer = getStr(cfg, 'Peer');
  if (name === '') return '';
  return peer === '' ? name : `peer:${peer}/${name}`;
}

/**
 * A loose `dns.IsDomainName` (miekg/dns): labels of 1–63 bytes, at most 255 bytes overall, optional trailing
 * dot. Consul additionally rejects any `*`.
 */
function isDomainName(s: string): boolean {
  if (s === '' || Buffer.byteLength(s) > 255) return false;
  if (s === '.') return true;
  const trimmed = s.endsWith('.') ? s.slice(0, -1) : s;
  return trimmed.split('.').every((label) => label.length > 0 && Buffer.byteLength(label) <= 63);
}

function validateEndpointAddress(address: string): string | undefined {
  const valid = isIP(address) !== 0 || (isDomainName(address) && !address.includes('*'));
  return valid ? undefined : `Could not validate address ${address} as an IP or Hostname`;
}

export const serviceDefaults: KindModule = {
  schema: SERVICE_DEFAULTS_SCHEMA,

  normalize(e) {
    e['Kind'] = 'service-defaults';
    e['Protocol'] = getStr(e, 'Protocol').toLowerCase();
    const upstream = getObj(e, 'UpstreamConfig');
    if (upstream !== null) {
      for (const o of getObjList(upstream, 'Overrides')) normalizeUpstream(o);
      const defaults = getObj(upstream, 'Defaults');
      if (defaults !== null) normalizeUpstream(defaults);
    }
    return undefined;
  },

  validate(e) {
    const name = getStr(e, 'Name');
    if (name === '') return 'Name is required';
    if (name === WILDCARD) return 'service-defaults name must be the name of a service, and not a wildcard';

    const errs = validateConfigEntryMeta(e['Meta']);
    const balance = getStr(e, 'BalanceInboundConnections');
    if (!isValidConnectionBalance(balance))
      errs.push(`invalid value for balance_inbound_connections: ${balance}`);

    const upstream = getObj(e, 'UpstreamConfig');
    const destination = getObj(e, 'Destination');
    if (upstream !== null && destination !== null) {
      errs.push('UpstreamConfig and Destination are mutually exclusive for service defaults');
      return formatMultiError(errs);
    }
    if (upstream !== null) {
      for (const o of getObjList(upstream, 'Overrides')) {
        const msg = validateUpstream(o, true);
        if (msg !== undefined) errs.push(`error in upstream override for ${upstreamLabel(o)}: ${msg}`);
      }
      const defaults = getObj(upstream, 'Defaults');
      if (defaults !== null) {
        const msg = validateUpstream(defaults, false);
        if (msg !== undefined) errs.push(`error in upstream defaults: ${msg}`);
      }
    }
    if (destination !== null) {
      const addresses = getStrList(destination, 'Addresses');
      if (addresses.length === 0) errs.push('Destination must contain at least one valid address');
      const seen = new Set<string>();
      for (const address of addresses) {
        if (seen.has(address)) {
          errs.push(`Duplicate address '${address}' is not allowed`);
          continue;
        }
        seen.add(address);
        const msg = validateEndpointAddress(address);
        if (msg !== undefined) errs.push(`Destination address '${address}' is invalid ${msg}`);
      }
      const port = getNum(destination, 'Port');
      if (port < 1 || port > 65535) errs.push(`Invalid Port number ${port}`);
    }
    // TODO(config-entry): RateLimits and EnvoyExtensions validation (validateRatelimit, ValidateExtensions).
    const mtls = validateMutualTlsMode(getStr(e, 'MutualTLSMode'));
    if (mtls !== undefined) return mtls;
    return errs.length === 0 ? undefined : formatMultiError(errs);
  },
};
