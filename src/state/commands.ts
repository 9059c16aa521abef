import type { HealthCheck, HealthStatus, Node, NodeService } from '../types/index.js';

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
  | { Type: 'config-delete'; Kind: string; Name: string; Cas: number | null };

export type CommandType = Command['Type'];

/** What applying a command answered: a value for the client, or an error that left state unchanged. */
export type ApplyResult = { ok: true; value: unknown } | { ok: false; error: string; status: number };
