/**
 * `service-intentions` (Consul `ServiceIntentionsConfigEntry`, agent/structs/config_entry_intentions.go and the
 * CE rules in config_entry_intentions_ce.go): the config-entry write path (`Normalize`/`Validate`) and the
 * legacy intention-by-ID path (`LegacyNormalize`/`LegacyValidate`, {@link legacyServiceIntentions}).
 *
 * CE note: sources have no `Namespace`/`Partition` fields, so those keys fail decoding as unknown keys, and the
 * rules about partitions or wildcard namespaces can never fire.
 */
import { formatMultiError, goQuote } from '../go/format.js';
import {
  META_KEY_MAX_LENGTH_BYTES,
  META_MAX_KEY_PAIRS,
  META_VALUE_MAX_LENGTH_BYTES,
  validateConfigEntryMeta,
} from '../meta.js';
import {
  bool,
  f,
  getBool,
  getObj,
  getObjList,
  getStr,
  getStrList,
  HASH_FIELD,
  int,
  isGoStruct,
  mapString,
  named,
  oe,
  ptrTo,
  RAFT_INDEX_FIELDS,
  sliceOf,
  str,
  structOf,
  time,
  type GoStruct,
  type StructSchema,
} from '../schema.js';
import { isValidHttpMethod, WILDCARD, type KindModule } from './shared.js';

const JWT_CLAIM: StructSchema = {
  goName: 'structs.IntentionJWTClaimVerification',
  fields: [oe('Path', sliceOf(str)), oe('Value', str)],
};

const JWT_PROVIDER: StructSchema = {
  goName: 'structs.IntentionJWTProvider',
  fields: [oe('Name', str), oe('VerifyClaims', sliceOf(ptrTo(JWT_CLAIM)), 'verify_claims')],
};

const JWT_REQUIREMENT: StructSchema = {
  goName: 'structs.IntentionJWTRequirement',
  fields: [oe('Providers', sliceOf(ptrTo(JWT_PROVIDER)))],
};

const HEADER_PERMISSION: StructSchema = {
  goName: 'structs.IntentionHTTPHeaderPermission',
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

const HTTP_PERMISSION: StructSchema = {
  goName: 'structs.IntentionHTTPPermission',
  fields: [
    oe('PathExact', str, 'path_exact'),
    oe('PathPrefix', str, 'path_prefix'),
    oe('PathRegex', str, 'path_regex'),
    oe('Header', sliceOf(structOf(HEADER_PERMISSION))),
    oe('Methods', sliceOf(str)),
  ],
};

const PERMISSION: StructSchema = {
  goName: 'structs.IntentionPermission',
  fields: [
    f('Action', named('structs.IntentionAction')),
    oe('HTTP', ptrTo(HTTP_PERMISSION)),
    oe('JWT', ptrTo(JWT_REQUIREMENT)),
  ],
};

const SOURCE_INTENTION: StructSchema = {
  goName: 'structs.SourceIntention',
  fields: [
    f('Name', str),
    oe('Action', named('structs.IntentionAction')),
    oe('Permissions', sliceOf(ptrTo(PERMISSION))),
    f('Precedence', int),
    oe('LegacyID', str, 'legacy_id'),
    f('Type', named('structs.IntentionSourceType')),
    oe('Description', str),
    oe('LegacyMeta', mapString, 'legacy_meta'),
    oe('LegacyCreateTime', time, 'legacy_create_time'),
    oe('LegacyUpdateTime', time, 'legacy_update_time'),
    oe('Peer', str),
    oe('SamenessGroup', str, 'sameness_group'),
  ],
};

export const SERVICE_INTENTIONS_SCHEMA: StructSchema = {
  goName: 'structs.ServiceIntentionsConfigEntry',
  fields: [
    f('Kind', str),
    f('Name', str),
    f('Sources', sliceOf(ptrTo(SOURCE_INTENTION))),
    oe('JWT', ptrTo(JWT_REQUIREMENT)),
    oe('Meta', mapString),
    HASH_FIELD,
    ...RAFT_INDEX_FIELDS,
  ],
};

/**
 * Number of exact (non-wildcard) parts in a CE name: the namespace is always the exact `default`, so `*` counts
 * 1 and anything else 2 (`intentionCountExact`).
 */
function countExact(name: string): number {
  return name === WILDCARD ? 1 : 2;
}

/** `computeIntentionPrecedence`: 9..1, destination exactness first. The peer plays no part. */
export function intentionPrecedence(destination: string, source: string): number {
  const max = countExact(destination) === 2 ? 9 : 6;
  return max - (2 - countExact(source));
}

/** `validateIntentionWildcards` (CE: namespaces and partitions are always exact). */
function wildcardError(name: string, peer: string, samenessGroup: string): string | undefined {
  if (name !== WILDCARD && name.includes(WILDCARD))
    return "Name: wildcard character '*' cannot be used with partial values";
  if (peer.includes(WILDCARD)) return "Peer: cannot use wildcard '*' in peer";
  if (samenessGroup.includes(WILDCARD)) return "SamenessGroup: cannot use wildcard '*' in sameness group";
  return undefined;
}

/** Sources as decoded; a JSON `null` element (a nil pointer) behaves as an empty source. */
function sources(e: GoStruct): GoStruct[] {
  const list = Array.isArray(e['Sources']) ? e['Sources'] : [];
  return list.map((s) => (isGoStruct(s) ? s : {}));
}

function validatePermission(prefix: string, j: number, perm: GoStruct): string | undefined {
  const action = getStr(perm, 'Action');
  if (action !== 'allow' && action !== 'deny')
    return `${prefix}[${j}].Action must be set to 'allow' or 'deny'`;
  const http = getObj(perm, 'HTTP');
  const hp = `${prefix}[${j}].HTTP`;
  if (http === null) return `${hp} is required`;
  let pathParts = 0;
  const exact = getStr(http, 'PathExact');
  const pfx = getStr(http, 'PathPrefix');
  if (exact !== '') {
    pathParts++;
    if (!exact.startsWith('/')) return `${hp}.PathExact doesn't start with '/': ${goQuote(exact)}`;
  }
  if (pfx !== '') {
    pathParts++;
    if (!pfx.startsWith('/')) return `${hp}.PathPrefix doesn't start with '/': ${goQuote(pfx)}`;
  }
  if (getStr(http, 'PathRegex') !== '') pathParts++;
  if (pathParts > 1) return `${hp} should only contain at most one of PathExact, PathPrefix, or PathRegex`;
  let permParts = pathParts;
  for (const [k, hdr] of getObjList(http, 'Header').entries()) {
    if (getStr(hdr, 'Name') === '') return `${hp}.Header[${k}] missing required Name field`;
    const parts =
      Number(getBool(hdr, 'Present')) +
      ['Exact', 'Regex', 'Prefix', 'Suffix'].filter((x) => getStr(hdr, x) !== '').length;
    if (parts !== 1)
      return `${hp}.Header[${k}] should only contain one of Present, Exact, Prefix, Suffix, or Regex`;
    permParts++;
  }
  const methods = getStrList(http, 'Methods');
  if (methods.length > 0) {
    const found = new Set<string>();
    for (const m of methods) {
      if (!isValidHttpMethod(m)) return `${hp}.Methods contains an invalid method ${goQuote(m)}`;
      if (found.has(m)) return `${hp}.Methods contains ${goQuote(m)} more than once`;
      found.add(m);
    }
    permParts++;
  }
  if (permParts === 0) return `${hp} should not be empty`;
  const jwt = getObj(perm, 'JWT');
  if (jwt !== null) return validateJwt(jwt);
  return undefined;
}

/** `IntentionJWTRequirement.Validate` (a multierror of provider problems). */
function validateJwt(jwt: GoStruct): string | undefined {
  const errs: string[] = [];
  for (const p of getList(jwt)) if (getStr(p, 'Name') === '') errs.push('JWT provider name is required');
  return errs.length === 0 ? undefined : formatMultiError(errs);
}

function getList(jwt: GoStruct): GoStruct[] {
  const list = Array.isArray(jwt['Providers']) ? jwt['Providers'] : [];
  return list.map((p) => (isGoStruct(p) ? p : {}));
}

/** `normalize(legacyWrite)`: shared by `Normalize` and `LegacyNormalize`. */
function normalizeIntentions(e: GoStruct, legacyWrite: boolean): string | undefined {
  e['Kind'] = 'service-intentions';
  const name = getStr(e, 'Name');
  const list = sources(e);
  for (const src of list) {
    if (getStr(src, 'Type') === '') src['Type'] = 'consul';
    src['Precedence'] = intentionPrecedence(name, getStr(src, 'Name'));
    if (legacyWrite) {
      // Legacy sources always carry a (possibly empty) meta map.
      if (getObj(src, 'LegacyMeta') === null) src['LegacyMeta'] = {};
    } else {
      // Legacy bridge fields are cleared on config-entry writes, except LegacyMeta, which Validate rejects.
      src['LegacyID'] = '';
      src['LegacyCreateTime'] = null;
      src['LegacyUpdateTime'] = null;
    }
    for (const perm of getObjList(src, 'Permissions')) {
      const http = getObj(perm, 'HTTP');
      if (http !== null && Array.isArray(http['Methods'])) {
        http['Methods'] = http['Methods'].map((m) => (typeof m === 'string' ? m.toUpperCase() : m));
      }
    }
  }
  // Stable sort, highest precedence first (Array.prototype.sort is stable).
  list.sort((a, b) => (b['Precedence'] as number) - (a['Precedence'] as number));
  if (Array.isArray(e['Sources'])) e['Sources'] = list;
  return undefined;
}

/** `validate(legacyWrite)`: shared by `Validate` and `LegacyValidate`. */
function validateIntentions(e: GoStruct, legacyWrite: boolean): string | undefined {
  const name = getStr(e, 'Name');
  if (name === '') return 'Name is required';
  const destWild = wildcardError(name, '', '');
  if (destWild !== undefined) return destWild;
  const destIsWild = name === WILDCARD;
  const jwt = getObj(e, 'JWT');
  if (jwt !== null) {
    const msg = validateJwt(jwt);
    if (msg !== undefined) return msg;
  }
  if (legacyWrite) {
    const m = getObj(e, 'Meta');
    if (m !== null && Object.keys(m).length > 0) return 'Meta must be omitted for legacy intention writes';
  } else {
    const meta = validateConfigEntryMeta(e['Meta']);
    if (meta.length > 0) return formatMultiError(meta);
  }
  const list = sources(e);
  if (list.length === 0) return 'At least one source is required';

  const seen = new Set<string>();
  for (const [i, src] of list.entries()) {
    const srcName = getStr(src, 'Name');
    const peer = getStr(src, 'Peer');
    const sameness = getStr(src, 'SamenessGroup');
    if (srcName === '') return `Sources[${i}].Name is required`;
    // NOTE: the trailing space is Consul's.
    if (sameness !== '')
      return `Sources[${i}].SamenessGroup: Sameness groups are a Consul Enterprise feature. `;
    const wild = wildcardError(srcName, peer, sameness);
    if (wild !== undefined) return `Sources[${i}].${wild}`;
    if (Buffer.byteLength(getStr(src, 'Description')) > META_VALUE_MAX_LENGTH_BYTES) {
      return `Sources[${i}].Description exceeds maximum length ${META_VALUE_MAX_LENGTH_BYTES}`;
    }
    const legacyErr = legacyWrite ? legacySourceError(i, src) : configSourceLegacyError(i, src);
    if (legacyErr !== undefined) return legacyErr;

    const action = getStr(src, 'Action');
    const permissions = Array.isArray(src['Permissions']) ? src['Permissions'] : [];
    if ((legacyWrite || permissions.length === 0) && action !== 'allow' && action !== 'deny') {
      return `Sources[${i}].Action must be set to 'allow' or 'deny'`;
    }
    if (permissions.length > 0 && action !== '')
      return `Sources[${i}].Action must be omitted if Permissions are specified`;
    if (destIsWild && permissions.length > 0) {
      return `Sources[${i}].Permissions cannot be specified on intentions with wildcarded destinations`;
    }
    if (getStr(src, 'Type') !== 'consul') return `Sources[${i}].Type must be set to 'consul'`;
    for (const [j, perm] of permissions.entries()) {
      const msg = validatePermission(`Sources[${i}].Permissions`, j, isGoStruct(perm) ? perm : {});
      if (msg !== undefined) return msg;
    }

    const key = JSON.stringify([srcName, peer, sameness]);
    if (seen.has(key)) {
      if (peer !== '')
        return `Sources[${i}] defines peer(${goQuote(peer)}) ${goQuote(srcName)} more than once`;
      return `Sources[${i}] defines ${goQuote(srcName)} more than once`;
    }
    seen.add(key);
  }
  return undefined;
}

/** The legacy bridge fields on a config-entry write: LegacyMeta, timestamps and LegacyID must be absent. */
function configSourceLegacyError(i: number, src: GoStruct): string | undefined {
  const legacyMeta = getObj(src, 'LegacyMeta');
  if (legacyMeta !== null && Object.keys(legacyMeta).length > 0)
    return `Sources[${i}].LegacyMeta must be omitted`;
  src['LegacyMeta'] = null;
  if (src['LegacyCreateTime'] !== null && src['LegacyCreateTime'] !== undefined)
    return `Sources[${i}].LegacyCreateTime must be omitted`;
  if (src['LegacyUpdateTime'] !== null && src['LegacyUpdateTime'] !== undefined)
    return `Sources[${i}].LegacyUpdateTime must be omitted`;
  if (getStr(src, 'LegacyID') !== '') return `Sources[${i}].LegacyID must be omitted`;
  return undefined;
}

/** A legacy (`/v1/connect/intentions` by ID) write: no peers, bounded meta, timestamps and an ID required. */
function legacySourceError(i: number, src: GoStruct): string | undefined {
  if (getStr(src, 'Peer') !== '') return `Sources[${i}].Peer cannot be set by legacy intentions`;
  if (getStr(src, 'SamenessGroup') !== '')
    return `Sources[${i}].SamenessGroup cannot be set by legacy intentions`;
  const meta = getObj(src, 'LegacyMeta') ?? {};
  const keys = Object.keys(meta).sort();
  if (keys.length > META_MAX_KEY_PAIRS)
    return `Sources[${i}].Meta exceeds maximum element count ${META_MAX_KEY_PAIRS}`;
  for (const k of keys) {
    if (Buffer.byteLength(k) > META_KEY_MAX_LENGTH_BYTES)
      return `Sources[${i}].Meta key ${goQuote(k)} exceeds maximum length ${META_KEY_MAX_LENGTH_BYTES}`;
    if (Buffer.byteLength(getStr(meta, k)) > META_VALUE_MAX_LENGTH_BYTES)
      return `Sources[${i}].Meta value for key ${goQuote(k)} exceeds maximum length ${META_VALUE_MAX_LENGTH_BYTES}`;
  }
  if (src['LegacyCreateTime'] === null || src['LegacyCreateTime'] === undefined)
    return `Sources[${i}].LegacyCreateTime must be set`;
  if (src['LegacyUpdateTime'] === null || src['LegacyUpdateTime'] === undefined)
    return `Sources[${i}].LegacyUpdateTime must be set`;
  if (getStr(src, 'LegacyID') === '') return `Sources[${i}].LegacyID must be set`;
  return undefined;
}

export const serviceIntentions: KindModule = {
  schema: SERVICE_INTENTIONS_SCHEMA,
  normalize: (e) => normalizeIntentions(e, false),
  validate: (e) => validateIntentions(e, false),
};

/** `LegacyNormalize` / `LegacyValidate`: the rules of writes through the legacy intention-by-ID API. */
export const legacyServiceIntentions: KindModule = {
  schema: SERVICE_INTENTIONS_SCHEMA,
  normalize: (e) => normalizeIntentions(e, true),
  validate: (e) => validateIntentions(e, true),
};
