/**
 * `service-resolver` (Consul `ServiceResolverConfigEntry`, agent/structs/config_entry_discoverychain.go and the
 * CE rules in config_entry_discoverychain_ce.go).
 */
import { formatGoDuration, formatMultiError, goQuote } from '../go/format.js';
import { validateConfigEntryMeta } from '../meta.js';
import {
  bool,
  durationNs,
  durationStr,
  f,
  getBool,
  getNum,
  getObj,
  getObjList,
  getStr,
  getStrList,
  HASH_FIELD,
  isGoStruct,
  mapOf,
  mapString,
  oe,
  ptrTo,
  RAFT_INDEX_FIELDS,
  sliceOf,
  str,
  structOf,
  uint32,
  uint64,
  type GoStruct,
  type StructSchema,
} from '../schema.js';
import {
  FAILOVER_POLICY,
  PRIORITIZE_BY_LOCALITY,
  validatePrioritizeByLocality,
  type KindModule,
} from './shared.js';

const RESOLVER_SUBSET: StructSchema = {
  goName: 'structs.ServiceResolverSubset',
  fields: [oe('Filter', str), oe('OnlyPassing', bool, 'only_passing')],
};

const RESOLVER_REDIRECT: StructSchema = {
  goName: 'structs.ServiceResolverRedirect',
  fields: [
    oe('Service', str),
    oe('ServiceSubset', str, 'service_subset'),
    oe('Namespace', str),
    oe('Partition', str),
    oe('Datacenter', str),
    oe('Peer', str),
    oe('SamenessGroup', str, 'sameness_group'),
  ],
};

const FAILOVER_TARGET: StructSchema = {
  goName: 'structs.ServiceResolverFailoverTarget',
  fields: [
    oe('Service', str),
    oe('ServiceSubset', str, 'service_subset'),
    oe('Partition', str),
    oe('Namespace', str),
    oe('Datacenter', str),
    oe('Peer', str),
  ],
};

const RESOLVER_FAILOVER: StructSchema = {
  goName: 'structs.ServiceResolverFailover',
  fields: [
    oe('Service', str),
    oe('ServiceSubset', str, 'service_subset'),
    oe('Namespace', str),
    oe('Datacenters', sliceOf(str)),
    oe('Targets', sliceOf(structOf(FAILOVER_TARGET))),
    oe('Policy', ptrTo(FAILOVER_POLICY)),
    oe('SamenessGroup', str, 'sameness_group'),
  ],
};

const COOKIE_CONFIG: StructSchema = {
  goName: 'structs.CookieConfig',
  fields: [oe('Session', bool), oe('TTL', durationNs), oe('Path', str)],
};

const HASH_POLICY: StructSchema = {
  goName: 'structs.HashPolicy',
  fields: [
    oe('Field', str),
    oe('FieldValue', str, 'field_value'),
    oe('CookieConfig', ptrTo(COOKIE_CONFIG), 'cookie_config'),
    oe('SourceIP', bool, 'source_ip'),
    oe('Terminal', bool),
  ],
};

const LOAD_BALANCER: StructSchema = {
  goName: 'structs.LoadBalancer',
  fields: [
    oe('Policy', str),
    oe(
      'RingHashConfig',
      ptrTo({
        goName: 'structs.RingHashConfig',
        fields: [
          oe('MinimumRingSize', uint64, 'minimum_ring_size'),
          oe('MaximumRingSize', uint64, 'maximum_ring_size'),
        ],
      }),
      'ring_hash_config',
    ),
    oe(
      'LeastRequestConfig',
      ptrTo({ goName: 'structs.LeastRequestConfig', fields: [oe('ChoiceCount', uint32, 'choice_count')] }),
      'least_request_config',
    ),
    oe('HashPolicies', sliceOf(structOf(HASH_POLICY)), 'hash_policies'),
  ],
};

export const SERVICE_RESOLVER_SCHEMA: StructSchema = {
  goName: 'structs.ServiceResolverConfigEntry',
  // Custom MarshalJSON: the timeouts render first, as duration strings.
  jsonFirst: ['ConnectTimeout', 'RequestTimeout'],
  fields: [
    f('Kind', str),
    f('Name', str),
    oe('DefaultSubset', str, 'default_subset'),
    oe('Subsets', mapOf(RESOLVER_SUBSET)),
    oe('Redirect', ptrTo(RESOLVER_REDIRECT)),
    oe('Failover', mapOf(RESOLVER_FAILOVER)),
    oe('ConnectTimeout', durationStr, 'connect_timeout'),
    oe('RequestTimeout', durationStr, 'request_timeout'),
    oe('PrioritizeByLocality', ptrTo(PRIORITIZE_BY_LOCALITY), 'prioritize_by_locality'),
    oe('LoadBalancer', ptrTo(LOAD_BALANCER), 'load_balancer'),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

const SUBSET_NAME = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;
const SUBSET_MAX_LENGTH = 63;

/** `validateServiceSubset`: subsets end up in SNI names, so they must be DNS labels. */
export function validateServiceSubset(subset: string): string | undefined {
  if (subset === '' || subset.length > SUBSET_MAX_LENGTH)
    return 'must be non-empty and 63 characters or fewer';
  if (!SUBSET_NAME.test(subset)) {
    return "must be 63 characters or fewer, begin or end with lower case alphanumeric characters, and contain lower case alphanumeric characters or '-' in between";
  }
  return undefined;
}

const LB_POLICIES = new Set(['', 'random', 'round_robin', 'least_request', 'ring_hash', 'maglev']);
const HASH_FIELDS = new Set(['header', 'cookie', 'query_parameter']);

/** Map keys in a stable order; Go iterates maps randomly, so any order is one Consul could produce. */
function sortedEntries(o: GoStruct | null): [string, GoStruct][] {
  if (o === null) return [];
  return Object.keys(o)
    .sort()
    .flatMap((k) => {
      const v = o[k];
      return isGoStruct(v) ? [[k, v] as [string, GoStruct]] : [];
    });
}

function validateRedirect(e: GoStruct, r: GoStruct, isSubset: (s: string) => boolean): string | undefined {
  const name = getStr(e, 'Name');
  const service = getStr(r, 'Service');
  const subset = getStr(r, 'ServiceSubset');
  const namespace = getStr(r, 'Namespace');
  const partition = getStr(r, 'Partition');
  const datacenter = getStr(r, 'Datacenter');
  const peer = getStr(r, 'Peer');
  const sameness = getStr(r, 'SamenessGroup');
  // CE: the entry is always in the default partition, so the cross-partition datacenter rules cannot fire.
  if (partition !== '') return 'Redirect: Setting Partition requires Consul Enterprise';
  if (namespace !== '') return 'Redirect: Setting Namespace requires Consul Enterprise';
  if (sameness !== '') return 'Redirect: Setting SamenessGroup requires Consul Enterprise';
  if (getObj(e, 'Failover') !== null && Object.keys(getObj(e, 'Failover') ?? {}).length > 0) {
    return 'Redirect and Failover cannot both be set';
  }
  // NOTE: Namespace and Partition are empty from here on (CE rejects them above), so Consul's
  // "Redirect.Partition cannot be set with Redirect.Peer" and "Redirect.{Namespace,Partition} defined without
  // Redirect.Service" cannot fire in CE.
  if ([service, subset, datacenter, peer].every((x) => x === '')) return 'Redirect is empty';
  if (peer !== '' && subset !== '') return 'Redirect.Peer cannot be set with Redirect.ServiceSubset';
  if (peer !== '' && datacenter !== '') return 'Redirect.Peer cannot be set with Redirect.Datacenter';
  if (service === '') {
    if (subset !== '') return 'Redirect.ServiceSubset defined without Redirect.Service';
    if (peer !== '') return 'Redirect.Peer defined without Redirect.Service';
  } else if (subset !== '' && service === name && !isSubset(subset)) {
    return `Redirect.ServiceSubset ${goQuote(subset)} is not a valid subset of ${goQuote(name)}`;
  }
  return undefined;
}

function validateFailover(
  e: GoStruct,
  subset: string,
  fo: GoStruct,
  isSubset: (s: string) => boolean,
): string | undefined {
  const name = getStr(e, 'Name');
  const prefix = `Bad Failover[${goQuote(subset)}]: `;
  const service = getStr(fo, 'Service');
  const serviceSubset = getStr(fo, 'ServiceSubset');
  const targets = getObjList(fo, 'Targets');
  const datacenters = getStrList(fo, 'Datacenters');
  if (getStr(fo, 'Namespace') !== '') return `${prefix}Setting Namespace requires Consul Enterprise`;
  if (getStr(fo, 'SamenessGroup') !== '') return `${prefix}Setting SamenessGroup requires Consul Enterprise`;
  if (subset !== '*' && !isSubset(subset)) return `${prefix}not a valid subset subset`;
  if (
    service === '' &&
    serviceSubset === '' &&
    getStr(fo, 'Namespace') === '' &&
    datacenters.length === 0 &&
    targets.length === 0
  ) {
    return `${prefix}one of Service, ServiceSubset, Namespace, Targets, or Datacenters is required`;
  }
  const policy = getObj(fo, 'Policy');
  if (policy !== null && getStr(policy, 'Mode') !== '') {
    return `${prefix}Setting failover policies requires Consul Enterprise`;
  }
  if (serviceSubset !== '' && (service === '' || service === name) && !isSubset(serviceSubset)) {
    return `${prefix}ServiceSubset ${goQuote(serviceSubset)} is not a valid subset of ${goQuote(service)}`;
  }
  if (datacenters.length !== 0 && targets.length !== 0)
    return `${prefix}Targets cannot be set with Datacenters`;
  if (serviceSubset !== '' && targets.length !== 0)
    return `${prefix}Targets cannot be set with ServiceSubset`;
  if (service !== '' && targets.length !== 0) return `${prefix}Targets cannot be set with Service`;
  for (const [i, t] of targets.entries()) {
    const tp = `Bad Failover[${goQuote(subset)}].Targets[${i}]: `;
    const tPartition = getStr(t, 'Partition');
    const tPeer = getStr(t, 'Peer');
    const tDc = getStr(t, 'Datacenter');
    const tSubset = getStr(t, 'ServiceSubset');
    const tService = getStr(t, 'Service');
    if (tPartition !== '') return `${tp}Setting Partition requires Consul Enterprise`;
    if (getStr(t, 'Namespace') !== '') return `${tp}Setting Namespace requires Consul Enterprise`;
    // NOTE: Partition is empty from here on (CE), so the Partition/Peer and Partition/Datacenter conflicts
    // cannot fire.
    if (tPeer !== '' && tSubset !== '') return `${tp}Peer cannot be set with ServiceSubset`;
    if (tPeer !== '' && tDc !== '') return `${tp}Peer cannot be set with Datacenter`;
    if (tSubset !== '' && (tService === '' || tService === name) && !isSubset(tSubset)) {
      return `${tp}ServiceSubset ${goQuote(tSubset)} is not a valid subset of ${goQuote(name)}`;
    }
  }
  if (datacenters.some((dc) => dc === ''))
    return `Bad Failover[${goQuote(subset)}].Datacenters: found empty datacenter`;
  return undefined;
}

function validateLoadBalancer(lb: GoStruct): string | undefined {
  const policy = getStr(lb, 'Policy');
  if (!LB_POLICIES.has(policy)) return `Bad LoadBalancer policy: ${goQuote(policy)} is not supported`;
  if (policy !== 'ring_hash' && lb['RingHashConfig'] !== null) {
    return `Bad LoadBalancer configuration. RingHashConfig specified for incompatible load balancing policy ${goQuote(policy)}`;
  }
  if (policy !== 'least_request' && lb['LeastRequestConfig'] !== null) {
    return `Bad LoadBalancer configuration. LeastRequestConfig specified for incompatible load balancing policy ${goQuote(policy)}`;
  }
  const hashPolicies = getObjList(lb, 'HashPolicies');
  const hashBased = policy === 'maglev' || policy === 'ring_hash';
  if (!hashBased && hashPolicies.length > 0) {
    return `Bad LoadBalancer configuration: HashPolicies specified for non-hash-based Policy: ${goQuote(policy)}`;
  }
  for (const [i, hp] of hashPolicies.entries()) {
    const field = getStr(hp, 'Field');
    const fieldValue = getStr(hp, 'FieldValue');
    const sourceIp = getBool(hp, 'SourceIP');
    const p = `Bad LoadBalancer HashPolicy[${i}]: `;
    if (field !== '' && !HASH_FIELDS.has(field)) return `${p}${goQuote(field)} is not a supported field`;
    if (sourceIp && field !== '')
      return `${p}A single hash policy cannot hash both a source address and a ${goQuote(field)}`;
    if (sourceIp && fieldValue !== '') return `${p}A FieldValue cannot be specified when hashing SourceIP`;
    if (field !== '' && fieldValue === '')
      return `${p}Field ${goQuote(field)} was specified without a FieldValue`;
    if (fieldValue !== '' && field === '') return `${p}FieldValue requires a Field to apply to`;
    const cookie = getObj(hp, 'CookieConfig');
    if (cookie !== null) {
      if (field !== 'cookie') return `${p}cookie_config provided for ${goQuote(field)}`;
      if (getBool(cookie, 'Session') && getNum(cookie, 'TTL') !== 0) {
        return `${p}a session cookie cannot have an associated TTL`;
      }
    }
  }
  return undefined;
}

export const serviceResolver: KindModule = {
  schema: SERVICE_RESOLVER_SCHEMA,

  normalize(e) {
    e['Kind'] = 'service-resolver';
    return undefined;
  },

  validate(e) {
    if (getStr(e, 'Name') === '') return 'Name is required';
    const meta = validateConfigEntryMeta(e['Meta']);
    if (meta.length > 0) return formatMultiError(meta);

    const subsets = getObj(e, 'Subsets');
    for (const [name] of sortedEntries(subsets)) {
      if (name === '') return 'Subset defined with empty name';
      const msg = validateServiceSubset(name);
      if (msg !== undefined) return `Subset ${goQuote(name)} is invalid: ${msg}`;
      // TODO(config-entry): validate Filter as a go-bexpr expression once a bexpr parser exists in Entente
      // ("Filter for subset %q is not a valid expression: %v").
    }
    const isSubset = (s: string): boolean =>
      subsets !== null && Object.prototype.hasOwnProperty.call(subsets, s);

    const defaultSubset = getStr(e, 'DefaultSubset');
    if (defaultSubset !== '' && !isSubset(defaultSubset)) {
      return `DefaultSubset ${goQuote(defaultSubset)} is not a valid subset`;
    }
    const redirect = getObj(e, 'Redirect');
    if (redirect !== null) {
      const msg = validateRedirect(e, redirect, isSubset);
      if (msg !== undefined) return msg;
    }
    for (const [subset, fo] of sortedEntries(getObj(e, 'Failover'))) {
      const msg = validateFailover(e, subset, fo, isSubset);
      if (msg !== undefined) return msg;
    }
    const connectTimeout = getNum(e, 'ConnectTimeout');
    if (connectTimeout < 0) return `Bad ConnectTimeout '${formatGoDuration(connectTimeout)}', must be >= 0`;
    const requestTimeout = getNum(e, 'RequestTimeout');
    if (requestTimeout < 0) return `Bad RequestTimeout '${formatGoDuration(requestTimeout)}', must be >= 0`;
    const lb = getObj(e, 'LoadBalancer');
    if (lb !== null) {
      const msg = validateLoadBalancer(lb);
      if (msg !== undefined) return msg;
    }
    return validatePrioritizeByLocality(getObj(e, 'PrioritizeByLocality'));
  },
};
