import type {
  CARootRecord,
  HealthCheck,
  KVEntry,
  Node,
  NodeService,
  Peering,
  PeeringSecrets,
  PeeringTrustBundle,
} from '../types/index.js';
import type { ConfigEntryRecord } from './tables/config.js';

/**
 * The snapshot layout of the first release (Version 1: one flat object). Frozen: snapshots on disk carry it, and
 * `test/fixtures/state/snapshot-v1.json` (written by that release) must keep loading. Converted to per-table
 * sections on restore; never written.
 */
export interface SnapshotV1 {
  Version: 1;
  LastIndex: number;
  ClusterID: string;
  Nodes: Node[];
  Services: [string, NodeService][];
  Checks: [string, HealthCheck][];
  KV: (Omit<KVEntry, 'Value'> & { Value: string | null })[];
  KVTombstones: [string, number][];
  Config: ConfigEntryRecord[];
  Index: [string, number][];
  Peerings: Peering[];
  Secrets: [string, PeeringSecrets][];
  TrustBundles: PeeringTrustBundle[];
  CARoots: CARootRecord[];
  CASigningKeyPem: string;
  VirtualIPs: [string, number][];
  FreeVirtualIPs: number[];
  NextVirtualIP: number;
}

export function isLegacySnapshot(raw: { Version?: unknown }): raw is SnapshotV1 {
  return raw.Version === 1;
}

/**
 * The sections of a version 1 snapshot, by table name. The first release stored a `kv.<key>` index entry for every
 * key ever written; they are watch topics only now, so they are left out.
 */
export function legacySections(v1: SnapshotV1): {
  LastIndex: number;
  Index: [string, number][];
  Tables: Record<string, unknown>;
} {
  return {
    LastIndex: v1.LastIndex,
    Index: v1.Index.filter(([key]) => !key.startsWith('kv.')),
    Tables: {
      system: { ClusterID: v1.ClusterID },
      'virtual-ips': {
        VirtualIPs: v1.VirtualIPs,
        FreeVirtualIPs: v1.FreeVirtualIPs,
        NextVirtualIP: v1.NextVirtualIP,
      },
      catalog: { Nodes: v1.Nodes, Services: v1.Services, Checks: v1.Checks },
      kv: { KV: v1.KV, KVTombstones: v1.KVTombstones, ReapedThrough: 0 },
      config: v1.Config,
      ca: { CARoots: v1.CARoots, CASigningKeyPem: v1.CASigningKeyPem },
      peering: { Peerings: v1.Peerings, Secrets: v1.Secrets, TrustBundles: v1.TrustBundles },
    },
  };
}
