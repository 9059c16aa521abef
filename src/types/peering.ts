/**
 * Peering records as stored, with Consul's JSON keys. ACTIVE and FAILING are never stored: they are computed on
 * read from the stream tracker, as Consul does.
 */
export const PEERING_STATES = [
  'UNDEFINED',
  'PENDING',
  'ESTABLISHING',
  'ACTIVE',
  'FAILING',
  'DELETING',
  'TERMINATED',
] as const;
export type PeeringState = (typeof PEERING_STATES)[number];
export type StoredPeeringState = 'PENDING' | 'ESTABLISHING' | 'DELETING' | 'TERMINATED';

export interface PeeringRemote {
  Partition: string;
  Datacenter: string;
}

export interface Peering {
  /** This cluster's ID for the peering (UUID). */
  ID: string;
  /** This cluster's name for the peer (lower-case DNS label). */
  Name: string;
  Meta: Record<string, string>;
  State: StoredPeeringState;
  /** RFC 3339; set while DELETING. */
  DeletedAt?: string;
  /** The ID the peer assigned; empty on the acceptor side. */
  PeerID: string;
  PeerCAPems: string[];
  PeerServerName: string;
  PeerServerAddresses: string[];
  ManualServerAddresses: string[];
  Remote: PeeringRemote;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Secrets of one peering. Never rendered, never logged. */
export interface PeeringSecrets {
  /** One-time secret of the last generated token (acceptor). */
  EstablishmentSecret: string;
  ActiveStreamSecret: string;
  PendingStreamSecret: string;
}

/** The peer's CA roots as replicated over the stream. */
export interface PeeringTrustBundle {
  PeerName: string;
  TrustDomain: string;
  RootPEMs: string[];
  ExportedPartition: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** True when the peering is the dialing side (it has addresses to dial). */
export function shouldDial(p: Pick<Peering, 'PeerServerAddresses' | 'ManualServerAddresses'>): boolean {
  return p.PeerServerAddresses.length > 0 || p.ManualServerAddresses.length > 0;
}

/** Consul's IsActive: not terminated and not marked for deletion. */
export function isPeeringActive(p: Pick<Peering, 'State' | 'DeletedAt'>): boolean {
  return p.State !== 'TERMINATED' && p.State !== 'DELETING' && (p.DeletedAt ?? '') === '';
}
