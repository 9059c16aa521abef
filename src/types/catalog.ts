/**
 * Catalog records, stored and rendered with Consul's JSON keys (PascalCase), so the HTTP edge does no renaming.
 * Optional keys follow Consul's `omitempty` rules when rendered (see http/render.ts).
 */

export const HEALTH_STATUSES = ['passing', 'warning', 'critical'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export const SERVICE_KINDS = [
  '',
  'connect-proxy',
  'mesh-gateway',
  'terminating-gateway',
  'ingress-gateway',
  'api-gateway',
] as const;
export type ServiceKind = (typeof SERVICE_KINDS)[number];

export interface ServiceAddress {
  Address: string;
  Port: number;
}

export interface Weights {
  Passing: number;
  Warning: number;
}

export interface Node {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
  PeerName?: string;
  TaggedAddresses: Record<string, string>;
  Meta: Record<string, string>;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Where a service instance runs (Consul's `Locality`); empty members are left out, as Consul's JSON does. */
export interface Locality {
  Region?: string;
  Zone?: string;
}

/** A service instance on a node (Consul's NodeService). */
export interface NodeService {
  Kind: ServiceKind;
  ID: string;
  Service: string;
  Tags: string[];
  Address: string;
  TaggedAddresses?: Record<string, ServiceAddress>;
  Meta: Record<string, string>;
  Port: number;
  SocketPath?: string;
  Locality?: Locality;
  Weights: Weights;
  EnableTagOverride: boolean;
  Proxy?: Record<string, unknown>;
  Connect?: Record<string, unknown>;
  PeerName?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

export interface HealthCheckDefinition {
  HTTP?: string;
  Header?: Record<string, string[]>;
  Method?: string;
  Body?: string;
  TLSServerName?: string;
  TLSSkipVerify?: boolean;
  TCP?: string;
  UDP?: string;
  GRPC?: string;
  GRPCUseTLS?: boolean;
  /** Script check: the command and its arguments (Consul's `Args`, stored as `ScriptArgs`). */
  ScriptArgs?: string[];
  /** Alias check: the node whose health is mirrored ('' = this agent's node). */
  AliasNode?: string;
  /** Alias check: the service ID whose health is mirrored. */
  AliasService?: string;
  Interval?: string;
  Timeout?: string;
  TTL?: string;
  DeregisterCriticalServiceAfter?: string;
}

export interface HealthCheck {
  Node: string;
  CheckID: string;
  Name: string;
  Status: HealthStatus;
  Notes: string;
  Output: string;
  ServiceID: string;
  ServiceName: string;
  ServiceTags: string[];
  Type: string;
  Interval: string;
  Timeout: string;
  ExposedPort: number;
  Definition: HealthCheckDefinition;
  PeerName?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** A KV entry; `Value` is the raw bytes, rendered base64 in JSON. */
export interface KVEntry {
  Key: string;
  Flags: number;
  Value: Buffer | null;
  LockIndex: number;
  Session?: string;
  CreateIndex: number;
  ModifyIndex: number;
}
