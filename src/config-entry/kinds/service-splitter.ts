/**
 * `service-splitter` (Consul `ServiceSplitterConfigEntry`, agent/structs/config_entry_discoverychain.go).
 */
import { formatMultiError, goQuote } from '../go/format.js';
import { validateConfigEntryMeta } from '../meta.js';
import {
  f,
  float32,
  getNum,
  getObjList,
  getStr,
  HASH_FIELD,
  mapString,
  oe,
  ptrTo,
  RAFT_INDEX_FIELDS,
  sliceOf,
  str,
  structOf,
  type GoStruct,
  type StructSchema,
} from '../schema.js';
import { HTTP_HEADER_MODIFIERS, type KindModule } from './shared.js';

const SERVICE_SPLIT: StructSchema = {
  goName: 'structs.ServiceSplit',
  fields: [
    f('Weight', float32),
    oe('Service', str),
    oe('ServiceSubset', str, 'service_subset'),
    oe('Namespace', str),
    oe('Partition', str),
    oe('RequestHeaders', ptrTo(HTTP_HEADER_MODIFIERS), 'request_headers'),
    oe('ResponseHeaders', ptrTo(HTTP_HEADER_MODIFIERS), 'response_headers'),
  ],
};

export const SERVICE_SPLITTER_SCHEMA: StructSchema = {
  goName: 'structs.ServiceSplitterConfigEntry',
  fields: [
    f('Kind', str),
    f('Name', str),
    f('Splits', sliceOf(structOf(SERVICE_SPLIT))),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

/** Split weights in units of 0.01 % (`scaleWeight`), computed in float32 as Go does. */
export function scaleWeight(weight: number): number {
  return Math.round(Math.fround(Math.fround(weight) * 100));
}

/** `NormalizeServiceSplitWeight`: rounds to the smallest representable weight, 0.01 %. */
export function normalizeSplitWeight(weight: number): number {
  // Go computes float32(scaled)/100 in float32 and marshals the float32 with its shortest representation,
  // which for two-decimal values is the two-decimal number itself.
  return scaleWeight(weight) / 100;
}

/** The sum of all split weights, in 0.01 % units, must be exactly 100 %. */
const MAX_SCALED_WEIGHT = 100 * 100;

export const serviceSplitter: KindModule = {
  schema: SERVICE_SPLITTER_SCHEMA,

  normalize(e) {
    e['Kind'] = 'service-splitter';
    for (const split of getObjList(e, 'Splits'))
      split['Weight'] = normalizeSplitWeight(getNum(split, 'Weight'));
    return undefined;
  },

  validate(e) {
    const name = getStr(e, 'Name');
    if (name === '') return 'Name is required';
    const splits = getObjList(e, 'Splits');
    if (splits.length === 0) return 'no splits configured';
    const meta = validateConfigEntryMeta(e['Meta']);
    if (meta.length > 0) return formatMultiError(meta);

    // Go compares split structs by value; header modifiers are pointers, so splits carrying them never collide.
    const found = new Set<string>();
    for (const split of splits) {
      if (split['RequestHeaders'] !== null || split['ResponseHeaders'] !== null) continue;
      const key = splitKey(split, name);
      if (found.has(key.id)) {
        return `split destination occurs more than once: service=${goQuote(key.service)}, subset=${goQuote(
          key.subset,
        )}, namespace=${goQuote(key.namespace)}, partition=${goQuote(key.partition)}`;
      }
      found.add(key.id);
    }

    const sumScaled = splits.reduce((sum, s) => sum + scaleWeight(getNum(s, 'Weight')), 0);
    if (sumScaled !== MAX_SCALED_WEIGHT) {
      const shown = Math.fround(Math.fround(sumScaled) / 100).toFixed(6);
      return `the sum of all split weights must be 100, not ${shown}`;
    }
    return undefined;
  },
};

function splitKey(
  split: GoStruct,
  entryName: string,
): {
  id: string;
  service: string;
  subset: string;
  namespace: string;
  partition: string;
} {
  const service = getStr(split, 'Service') === '' ? entryName : getStr(split, 'Service');
  const subset = getStr(split, 'ServiceSubset');
  const namespace = getStr(split, 'Namespace');
  const partition = getStr(split, 'Partition');
  return {
    id: JSON.stringify([service, subset, namespace, partition]),
    service,
    subset,
    namespace,
    partition,
  };
}
