/**
 * `service-router` (Consul `ServiceRouterConfigEntry`, agent/structs/config_entry_discoverychain.go).
 */
import { formatMultiError, goQuote } from '../go/format.js';
import { validateConfigEntryMeta } from '../meta.js';
import {
  bool,
  durationStr,
  f,
  getBool,
  getObj,
  getObjList,
  getStr,
  getStrList,
  HASH_FIELD,
  mapString,
  oe,
  ptrTo,
  RAFT_INDEX_FIELDS,
  sliceOf,
  str,
  structOf,
  uint32,
  type StructSchema,
} from '../schema.js';
import { HTTP_HEADER_MODIFIERS, isValidHttpMethod, type KindModule } from './shared.js';

const ROUTE_HEADER_MATCH: StructSchema = {
  goName: 'structs.ServiceRouteHTTPMatchHeader',
  fields: [
    f('Name', str),
    oe('Present', bool),
    oe('Exact', str),
    oe('Prefix', str),
    oe('Suffix', str),
    oe('Regex', str),
    oe('Invert', bool),
  ],
};

const ROUTE_QUERY_PARAM_MATCH: StructSchema = {
  goName: 'structs.ServiceRouteHTTPMatchQueryParam',
  fields: [f('Name', str), oe('Present', bool), oe('Exact', str), oe('Regex', str)],
};

const ROUTE_HTTP_MATCH: StructSchema = {
  goName: 'structs.ServiceRouteHTTPMatch',
  fields: [
    oe('PathExact', str, 'path_exact'),
    oe('PathPrefix', str, 'path_prefix'),
    oe('PathRegex', str, 'path_regex'),
    oe('Header', sliceOf(structOf(ROUTE_HEADER_MATCH))),
    oe('QueryParam', sliceOf(structOf(ROUTE_QUERY_PARAM_MATCH)), 'query_param'),
    oe('Methods', sliceOf(str)),
  ],
};

const ROUTE_MATCH: StructSchema = {
  goName: 'structs.ServiceRouteMatch',
  fields: [oe('HTTP', ptrTo(ROUTE_HTTP_MATCH))],
};

const ROUTE_DESTINATION: StructSchema = {
  goName: 'structs.ServiceRouteDestination',
  // Custom MarshalJSON: the timeouts render first, as duration strings.
  jsonFirst: ['RequestTimeout', 'IdleTimeout'],
  fields: [
    oe('Service', str),
    oe('ServiceSubset', str, 'service_subset'),
    oe('Namespace', str),
    oe('Partition', str),
    oe('PrefixRewrite', str, 'prefix_rewrite'),
    oe('RequestTimeout', durationStr, 'request_timeout'),
    oe('IdleTimeout', durationStr, 'idle_timeout'),
    oe('NumRetries', uint32, 'num_retries'),
    oe('RetryOnConnectFailure', bool, 'retry_on_connect_failure'),
    oe('RetryOn', sliceOf(str), 'retry_on'),
    oe('RetryOnStatusCodes', sliceOf(uint32), 'retry_on_status_codes'),
    oe('RequestHeaders', ptrTo(HTTP_HEADER_MODIFIERS), 'request_headers'),
    oe('ResponseHeaders', ptrTo(HTTP_HEADER_MODIFIERS), 'response_headers'),
  ],
};

const SERVICE_ROUTE: StructSchema = {
  goName: 'structs.ServiceRoute',
  fields: [oe('Match', ptrTo(ROUTE_MATCH)), oe('Destination', ptrTo(ROUTE_DESTINATION))],
};

export const SERVICE_ROUTER_SCHEMA: StructSchema = {
  goName: 'structs.ServiceRouterConfigEntry',
  fields: [
    f('Kind', str),
    f('Name', str),
    f('Routes', sliceOf(structOf(SERVICE_ROUTE))),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

const RETRY_CONDITIONS = new Set([
  '5xx',
  'gateway-error',
  'reset',
  'connect-failure',
  'envoy-ratelimited',
  'retriable-4xx',
  'refused-stream',
  'cancelled',
  'deadline-exceeded',
  'internal',
  'resource-exhausted',
  'unavailable',
]);

export const serviceRouter: KindModule = {
  schema: SERVICE_ROUTER_SCHEMA,

  normalize(e) {
    e['Kind'] = 'service-router';
    for (const route of getObjList(e, 'Routes')) {
      const http = getObj(getObj(route, 'Match') ?? {}, 'HTTP');
      if (http === null) continue;
      http['Methods'] = Array.isArray(http['Methods'])
        ? http['Methods'].map((m) => (typeof m === 'string' ? m.toUpperCase() : m))
        : (http['Methods'] ?? null);
      // CE: Destination.Namespace/Partition default to the entry's, which are empty.
    }
    return undefined;
  },

  validate(e) {
    if (getStr(e, 'Name') === '') return 'Name is required';
    const meta = validateConfigEntryMeta(e['Meta']);
    if (meta.length > 0) return formatMultiError(meta);

    for (const [i, route] of getObjList(e, 'Routes').entries()) {
      let eligibleForPrefixRewrite = false;
      const http = getObj(getObj(route, 'Match') ?? {}, 'HTTP');
      if (http !== null) {
        let pathParts = 0;
        const exact = getStr(http, 'PathExact');
        const prefix = getStr(http, 'PathPrefix');
        if (exact !== '') {
          eligibleForPrefixRewrite = true;
          pathParts++;
          if (!exact.startsWith('/'))
            return `Route[${i}] PathExact doesn't start with '/': ${goQuote(exact)}`;
        }
        if (prefix !== '') {
          eligibleForPrefixRewrite = true;
          pathParts++;
          if (!prefix.startsWith('/'))
            return `Route[${i}] PathPrefix doesn't start with '/': ${goQuote(prefix)}`;
        }
        if (getStr(http, 'PathRegex') !== '') pathParts++;
        if (pathParts > 1)
          return `Route[${i}] should only contain at most one of PathExact, PathPrefix, or PathRegex`;

        for (const [j, hdr] of getObjList(http, 'Header').entries()) {
          if (getStr(hdr, 'Name') === '') return `Route[${i}] Header[${j}] missing required Name field`;
          const parts =
            Number(getBool(hdr, 'Present')) +
            ['Exact', 'Regex', 'Prefix', 'Suffix'].filter((k) => getStr(hdr, k) !== '').length;
          if (parts !== 1) {
            return `Route[${i}] Header[${j}] should only contain one of Present, Exact, Prefix, Suffix, or Regex`;
          }
        }
        for (const [j, qm] of getObjList(http, 'QueryParam').entries()) {
          if (getStr(qm, 'Name') === '') return `Route[${i}] QueryParam[${j}] missing required Name field`;
          const parts =
            Number(getBool(qm, 'Present')) + ['Exact', 'Regex'].filter((k) => getStr(qm, k) !== '').length;
          if (parts !== 1)
            return `Route[${i}] QueryParam[${j}] should only contain one of Present, Exact, or Regex`;
        }
        const found = new Set<string>();
        for (const m of getStrList(http, 'Methods')) {
          if (!isValidHttpMethod(m)) return `Route[${i}] Methods contains an invalid method ${goQuote(m)}`;
          if (found.has(m)) return `Route[${i}] Methods contains ${goQuote(m)} more than once`;
          found.add(m);
        }
      }
      const dest = getObj(route, 'Destination');
      if (dest !== null) {
        if (getStr(dest, 'PrefixRewrite') !== '' && !eligibleForPrefixRewrite) {
          return `Route[${i}] cannot make use of PrefixRewrite without configuring either PathExact or PathPrefix`;
        }
        for (const r of getStrList(dest, 'RetryOn')) {
          if (!RETRY_CONDITIONS.has(r))
            return `Route[${i}] contains an invalid retry condition: ${goQuote(r)}`;
        }
      }
    }
    return undefined;
  },
};
