import type { ErrorCode } from '../errors/index.js';
import type {
  CARootRecord,
  HealthCheck,
  HealthStatus,
  Node,
  NodeService,
  PeeringRemote,
} from '../types/index.js';

export type { CARootRecord };

/** A node, service or check as a write carries it: indexes are assigned by the store. */
export type NodeInput = Omit<Node, 'CreateIndex' | 'ModifyIndex'>;
export type ServiceInput = Omit<NodeService, 'CreateIndex' | 'ModifyIndex'>;
export type CheckInput = Omit<HealthCheck, 'CreateIndex' | 'ModifyIndex'>;

/**
 * Every write is one of these commands, committed to the log and then applied by the FSM in index order.
 * Commands are plain JSON: the log stores them as is, so changing a shape needs a new `Type`.
 */
export type Command =
  | { Type: 'cluster-init'; ClusterID: string }
  | {
      Type: 'register';
      Node: NodeInput;
      SkipNodeUpdate: boolean;
      Service: ServiceInput | null;
      Checks: CheckInput[];
    }
  | { Type: 'deregister'; PeerName: string; Node: string; ServiceID: string; CheckID: string }
  | { Type: 'check-update'; Node: string; CheckID: string; Status: HealthStatus; Output: string }
  | {
      Type: 'kv';
      Verb: 'set' | 'cas' | 'delete' | 'delete-cas' | 'delete-tree';
      Key: string;
      /** base64 */
      Value: string | null;
      Flags: number;
      Index: number;
    }
  | { Type: 'config-set'; Entry: Record<string, unknown>; Cas: number | null }
  | { Type: 'config-delete'; Kind: string; Name: string; Cas: number | null }
  | { Type: 'ca-init'; Roots: CARootRecord[]; SigningKeyPem: string }
  | {
      /** Acceptor: a token was generated. Creates the peering (PENDING) or keeps it; replaces the establishment secret. */
      Type: 'peering-token';
      ID: string;
      Name: string;
      Meta: Record<string, string>;
      EstablishmentSecret: string;
    }
  | {
      /** Acceptor: the dialer presented the establishment secret; it is burnt and a pending stream secret stored. */
      Type: 'peering-exchange-secret';
      ID: string;
      EstablishmentSecret: string;
      PendingStreamSecret: string;
    }
  | {
      /** Dialer: create or update the dialing side from a token; with a secret, it becomes ESTABLISHING. */
      Type: 'peering-establish';
      ID: string;
      Name: string;
      Meta: Record<string, string>;
      PeerID: string;
      PeerCAPems: string[];
      PeerServerName: string;
      PeerServerAddresses: string[];
      ManualServerAddresses: string[];
      Remote: PeeringRemote;
      ActiveStreamSecret: string;
    }
  | { Type: 'peering-promote-secret'; ID: string; Remote: PeeringRemote }
  | { Type: 'peering-delete'; Name: string; DeletedAt: string }
  | { Type: 'peering-terminated'; ID: string }
  | { Type: 'peering-remove'; ID: string }
  | {
      Type: 'peering-trust-bundle';
      ID: string;
      TrustDomain: string;
      RootPEMs: string[];
      ExportedPartition: string;
    }
  | { Type: 'peering-server-addresses'; ID: string; Addresses: string[] }
  | {
      /** Importer: replace every instance of one service imported from a peer (empty Nodes = delete it). */
      Type: 'peering-import-service';
      PeerName: string;
      ServiceName: string;
      Nodes: ImportedInstance[];
    }
  | {
      /** Importer: drop imported services the peer no longer exports (and their synthetic sidecar proxies). */
      Type: 'peering-import-list';
      PeerName: string;
      Services: string[];
    };

/** One instance as a peer replicates it (indexes zeroed; PeerName set by the importer). */
export interface ImportedInstance {
  Node: NodeInput;
  Service: ServiceInput;
  Checks: CheckInput[];
}

export type CommandType = Command['Type'];

/**
 * What applying a command answered: a value for the client, or an error that left state unchanged. Errors carry a
 * domain code from the one registry (`errors/codes.ts`); each edge (HTTP, gRPC, DNS) maps the code once.
 */
export type ApplyResult = { ok: true; value: unknown } | { ok: false; code: ErrorCode; error: string };

/** A failed apply result. */
export function applyError(code: ErrorCode, error: string): ApplyResult {
  return { ok: false, code, error };
}
