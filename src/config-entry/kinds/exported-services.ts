/**
 * `exported-services` (Consul `ExportedServicesConfigEntry`, agent/structs/config_entry_exports.go and the CE
 * rules in config_entry_exports_ce.go / config_entry_ce.go). Peering's export switch.
 */
import { formatMultiError } from '../go/format.js';
import { validateConfigEntryMeta } from '../meta.js';
import {
  f,
  getObjList,
  getStr,
  HASH_FIELD,
  mapString,
  oe,
  RAFT_INDEX_FIELDS,
  sliceOf,
  str,
  structOf,
  type GoStruct,
  type StructSchema,
} from '../schema.js';
import { WILDCARD, type KindModule } from './shared.js';

/** The only exported-services name Consul CE accepts: the (only) partition. */
export const EXPORTED_SERVICES_CE_NAME = 'default';

const SERVICE_CONSUMER: StructSchema = {
  goName: 'structs.ServiceConsumer',
  fields: [oe('Partition', str), oe('Peer', str, 'peer_name'), oe('SamenessGroup', str, 'sameness_group')],
};

const EXPORTED_SERVICE: StructSchema = {
  goName: 'structs.ExportedService',
  fields: [f('Name', str), oe('Namespace', str), oe('Consumers', sliceOf(structOf(SERVICE_CONSUMER)))],
};

export const EXPORTED_SERVICES_SCHEMA: StructSchema = {
  goName: 'structs.ExportedServicesConfigEntry',
  prependKind: 'exported-services',
  fields: [
    f('Name', str),
    oe('Services', sliceOf(structOf(EXPORTED_SERVICE))),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

/** `acl.IsDefaultPartition`. */
function isDefaultPartition(p: string): boolean {
  return p === '' || p.toLowerCase() === 'default';
}

export const exportedServices: KindModule = {
  schema: EXPORTED_SERVICES_SCHEMA,

  normalize(e: GoStruct) {
    // CE: acl.NormalizeNamespace always yields "" (there is only the default namespace).
    for (const svc of getObjList(e, 'Services')) svc['Namespace'] = '';
    return undefined;
  },

  validate(e: GoStruct) {
    if (getStr(e, 'Name') !== EXPORTED_SERVICES_CE_NAME) return 'exported-services Name must be "default"';
    const meta = validateConfigEntryMeta(e['Meta']);
    if (meta.length > 0) return formatMultiError(meta);
    const services = getObjList(e, 'Services');
    // validateServicesEnterprise runs over every service before the generic checks.
    for (const [i, svc] of services.entries()) {
      for (const [j, c] of getObjList(svc, 'Consumers').entries()) {
        if (!isDefaultPartition(getStr(c, 'Partition'))) {
          return `Services[${i}].Consumers[${j}]: partitions are an enterprise-only feature`;
        }
        if (getStr(c, 'SamenessGroup') !== '') {
          return `Services[${i}].Consumers[${j}]: sameness-groups are an enterprise-only feature`;
        }
      }
    }
    for (const [i, svc] of services.entries()) {
      const name = getStr(svc, 'Name');
      if (name === '') return `Services[${i}]: service name cannot be empty`;
      if (getStr(svc, 'Namespace') === WILDCARD && name !== WILDCARD) {
        return `Services[${i}]: service name must be wildcard if namespace is wildcard`;
      }
      const consumers = getObjList(svc, 'Consumers');
      if (consumers.length === 0) return `Services[${i}]: must have at least one consumer`;
      for (const [j, c] of consumers.entries()) {
        const peer = getStr(c, 'Peer');
        const partition = getStr(c, 'Partition');
        const count = [peer, partition, getStr(c, 'SamenessGroup')].filter((x) => x !== '').length;
        if (count > 1)
          return `Services[${i}].Consumers[${j}]: must define at most one of Peer, Partition, or SamenessGroup`;
        if (partition === WILDCARD) {
          return `Services[${i}].Consumers[${j}]: exporting to all partitions (wildcard) is not supported`;
        }
        if (peer === WILDCARD)
          return `Services[${i}].Consumers[${j}]: exporting to all peers (wildcard) is not supported`;
      }
    }
    return undefined;
  },
};
