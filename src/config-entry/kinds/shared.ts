/**
 * Schemas and rules shared by several kinds: proxy-facing structs (mesh gateway, transparent proxy, expose,
 * access logs, Envoy extensions), HTTP header modifiers and method names, and the per-kind module contract.
 */
import { goQuote } from '../go/format.js';
import {
  bool,
  f,
  int,
  mapAny,
  mapString,
  named,
  oe,
  sliceOf,
  str,
  structOf,
  type GoStruct,
  type StructSchema,
} from '../schema.js';

/**
 * What every kind module provides. `normalize` mutates the decoded value as Consul's `Normalize()` does;
 * both return Consul's error text (already in its final layout) or `undefined`.
 */
export interface KindModule {
  readonly schema: StructSchema;
  normalize(entry: GoStruct): string | undefined;
  validate(entry: GoStruct): string | undefined;
}

/** `*`, Consul's `WildcardSpecifier`. */
export const WILDCARD = '*';

export const MESH_GATEWAY_CONFIG: StructSchema = {
  goName: 'structs.MeshGatewayConfig',
  fields: [oe('Mode', named('structs.MeshGatewayMode'))],
};

export const TRANSPARENT_PROXY_CONFIG: StructSchema = {
  goName: 'structs.TransparentProxyConfig',
  fields: [
    oe('OutboundListenerPort', int, 'outbound_listener_port'),
    oe('DialedDirectly', bool, 'dialed_directly'),
  ],
};

const EXPOSE_PATH: StructSchema = {
  goName: 'structs.ExposePath',
  fields: [
    oe('ListenerPort', int, 'listener_port'),
    oe('Path', str),
    oe('LocalPathPort', int, 'local_path_port'),
    oe('Protocol', str),
    oe('ParsedFromCheck', bool, 'parsed_from_check'),
  ],
};

export const EXPOSE_CONFIG: StructSchema = {
  goName: 'structs.ExposeConfig',
  fields: [oe('Checks', bool), oe('Paths', sliceOf(structOf(EXPOSE_PATH)))],
};

export const ACCESS_LOGS_CONFIG: StructSchema = {
  goName: 'structs.AccessLogsConfig',
  fields: [
    oe('Enabled', bool, 'enabled'),
    oe('DisableListenerLogs', bool, 'disable_listener_logs'),
    oe('Type', named('structs.LogSinkType'), 'type'),
    oe('Path', str, 'path'),
    oe('JSONFormat', str, 'json_format'),
    oe('TextFormat', str, 'text_format'),
  ],
};

export const ENVOY_EXTENSION: StructSchema = {
  goName: 'structs.EnvoyExtension',
  fields: [
    f('Name', str),
    f('Required', bool),
    f('Arguments', mapAny),
    f('ConsulVersion', str, 'consul_version'),
    f('EnvoyVersion', str, 'envoy_version'),
  ],
};

export const HTTP_HEADER_MODIFIERS: StructSchema = {
  goName: 'structs.HTTPHeaderModifiers',
  fields: [oe('Add', mapString), oe('Set', mapString), oe('Remove', sliceOf(str))],
};

/** `ServiceResolverPrioritizeByLocality` (1.17+, Enterprise-only in effect). */
export const PRIORITIZE_BY_LOCALITY: StructSchema = {
  goName: 'structs.ServiceResolverPrioritizeByLocality',
  fields: [oe('Mode', str)],
};

/** `ServiceResolverFailoverPolicy` (1.16+). */
export const FAILOVER_POLICY: StructSchema = {
  goName: 'structs.ServiceResolverFailoverPolicy',
  fields: [oe('Mode', str), oe('Regions', sliceOf(str))],
};

const HTTP_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'PATCH',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
]);

/** Go's net/http method constants, which Consul's `isValidHTTPMethod` accepts (case-sensitive). */
export function isValidHttpMethod(method: string): boolean {
  return HTTP_METHODS.has(method);
}

/** `MutualTLSMode.validate()`. */
export function validateMutualTlsMode(mode: string): string | undefined {
  if (mode === '' || mode === 'strict' || mode === 'permissive') return undefined;
  return `Invalid MutualTLSMode ${goQuote(mode)}. Must be one of "", "strict", or "permissive".`;
}

/** `AccessLogsConfig.Validate()`. */
export function validateAccessLogs(logs: GoStruct): string | undefined {
  const type = typeof logs['Type'] === 'string' ? logs['Type'] : '';
  const path = typeof logs['Path'] === 'string' ? logs['Path'] : '';
  const jsonFormat = typeof logs['JSONFormat'] === 'string' ? logs['JSONFormat'] : '';
  const textFormat = typeof logs['TextFormat'] === 'string' ? logs['TextFormat'] : '';
  switch (type) {
    case '':
    case 'stderr':
    case 'stdout':
      break;
    case 'file':
      if (path === '') return 'path must be specified when using file type access logs';
      break;
    default:
      return `invalid access log type: ${type}`;
  }
  if (jsonFormat !== '' && textFormat !== '')
    return 'cannot specify both access log JSONFormat and TextFormat';
  if (type !== 'file' && path !== '') return 'path is only valid for file type access logs';
  if (jsonFormat !== '') {
    try {
      JSON.parse(jsonFormat);
    } catch (err) {
      // Go's json error text differs from V8's; the prefix is Consul's.
      return `invalid access log json for JSON format: ${(err as Error).message}`;
    }
  }
  return undefined;
}

/** `ServiceResolverPrioritizeByLocality.validate()` in Consul CE. NOTE: the trailing space is Consul's. */
export function validatePrioritizeByLocality(pbl: GoStruct | null): string | undefined {
  if (pbl === null || pbl['Mode'] === '' || pbl['Mode'] === undefined) return undefined;
  return 'Prioritize-by-locality requires Consul Enterprise ';
}
