/** Helpers over `exported-services` entries, for peering. */
import type { ExportedServicesEntry } from './types.js';

/** What an exported-services entry exports to one peer. */
export interface PeerExports {
  /** True when a `Name = "*"` service lists the peer: every service in the partition is exported. */
  readonly all: boolean;
  /** Service names exported to the peer by name. */
  readonly names: Set<string>;
}

/**
 * Which services `entry` exports to `peer` (matched exactly, as Consul does; wildcard peers are rejected at
 * write time).
 */
export function exportedServicesForPeer(entry: ExportedServicesEntry, peer: string): PeerExports {
  let all = false;
  const names = new Set<string>();
  for (const svc of entry.Services ?? []) {
    if (!(svc.Consumers ?? []).some((c) => c.Peer === peer)) continue;
    if (svc.Name === '*') all = true;
    else names.add(svc.Name);
  }
  return { all, names };
}

/** Every peer name any service in `entry` is exported to, sorted. */
export function exportedServicesPeers(entry: ExportedServicesEntry): string[] {
  const peers = new Set<string>();
  for (const svc of entry.Services ?? []) {
    for (const c of svc.Consumers ?? []) if (c.Peer !== undefined && c.Peer !== '') peers.add(c.Peer);
  }
  return [...peers].sort();
}
