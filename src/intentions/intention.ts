/**
 * The legacy `Intention` view of `service-intentions` config entries (Consul `structs.Intention`, built by
 * `ServiceIntentionsConfigEntry.ToIntention`): one intention per source of an entry, the destination being the
 * entry's name. Since Consul 1.9 config entries are the only storage; this view is what `/v1/connect/intentions*`
 * answers and what decisions are made on.
 */
import type {
  IntentionJWTRequirement,
  IntentionPermission,
  ServiceIntentionsEntry,
  SourceIntention,
} from '../config-entry/index.js';

/** The only namespace of Consul CE. */
export const DEFAULT_NAMESPACE = 'default';
/** A whole-name wildcard (`*`); partial wildcards are refused when the entry is written. */
export const WILDCARD = '*';

/**
 * Consul's JSON for an intention, keys in Go field order (`structs.Intention` with its `MarshalJSON`: zero
 * `CreatedAt`/`UpdatedAt` are omitted, so intentions written as config entries carry neither, nor an `ID`).
 */
export interface Intention {
  readonly ID?: string;
  readonly Description?: string;
  readonly SourceNS: string;
  readonly SourceName: string;
  readonly DestinationNS: string;
  readonly DestinationName: string;
  readonly SourcePeer?: string;
  readonly SourceSamenessGroup?: string;
  readonly SourceType: string;
  readonly Action?: 'allow' | 'deny';
  readonly Permissions?: readonly IntentionPermission[];
  readonly JWT?: IntentionJWTRequirement;
  readonly Meta?: Readonly<Record<string, string>>;
  readonly Precedence: number;
  /** Legacy (by-ID) intentions only: when created and last updated, RFC 3339. */
  readonly CreatedAt?: string;
  readonly UpdatedAt?: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A stored `service-intentions` entry with its raft indexes (the store's config-entry record, narrowed). */
export interface IntentionEntryRecord {
  readonly entry: ServiceIntentionsEntry;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** `ToIntention`: one source of an entry as an intention. */
export function toIntention(rec: IntentionEntryRecord, src: SourceIntention): Intention {
  const e = rec.entry;
  const out: Record<string, unknown> = {};
  const legacy = src.LegacyID !== undefined && src.LegacyID !== '';
  if (legacy) out['ID'] = src.LegacyID;
  if (src.Description !== undefined && src.Description !== '') out['Description'] = src.Description;
  out['SourceNS'] = DEFAULT_NAMESPACE;
  out['SourceName'] = src.Name;
  out['DestinationNS'] = DEFAULT_NAMESPACE;
  out['DestinationName'] = e.Name;
  if (src.Peer !== undefined && src.Peer !== '') out['SourcePeer'] = src.Peer;
  if (src.SamenessGroup !== undefined && src.SamenessGroup !== '')
    out['SourceSamenessGroup'] = src.SamenessGroup;
  out['SourceType'] = src.Type;
  if (src.Action !== undefined) out['Action'] = src.Action;
  if (src.Permissions !== undefined && src.Permissions.length > 0) out['Permissions'] = src.Permissions;
  if (e.JWT !== undefined) out['JWT'] = e.JWT;
  // Legacy sources carry their own meta (always a map); config-entry sources show the entry's.
  if (legacy) out['Meta'] = src.LegacyMeta ?? {};
  else if (e.Meta !== undefined && Object.keys(e.Meta).length > 0) out['Meta'] = e.Meta;
  out['Precedence'] = src.Precedence;
  if (src.LegacyCreateTime !== undefined) out['CreatedAt'] = src.LegacyCreateTime;
  if (src.LegacyUpdateTime !== undefined) out['UpdatedAt'] = src.LegacyUpdateTime;
  out['CreateIndex'] = rec.CreateIndex;
  out['ModifyIndex'] = rec.ModifyIndex;
  return out as unknown as Intention;
}

/** Every source of an entry, in the entry's (precedence) order. */
export function intentionsOfEntry(rec: IntentionEntryRecord): Intention[] {
  return (rec.entry.Sources ?? []).map((src) => toIntention(rec, src));
}

/** An intention with permissions is L7: its decision depends on the request, which only a proxy sees. */
export function isL7(ixn: Intention): boolean {
  return ixn.Permissions !== undefined && ixn.Permissions.length > 0;
}

/** `api.Intention.String()`: `web => db (allow)`, `web => db (2 permissions)`; peers as `peer(p)/web`. */
export function intentionString(ixn: Intention): string {
  const n = ixn.Permissions?.length ?? 0;
  const detail = n === 0 ? (ixn.Action ?? '') : n === 1 ? '1 permission' : `${n} permissions`;
  return `${sourceString(ixn)} => ${ixn.DestinationName} (${detail})`;
}

/** The source as Consul's String() shows it, with the peer when there is one. */
export function sourceString(ixn: Intention): string {
  return ixn.SourcePeer === undefined ? ixn.SourceName : `peer(${ixn.SourcePeer})/${ixn.SourceName}`;
}
