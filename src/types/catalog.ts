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
  /** Connect proxies and gateways (Consul's ConnectProxyConfig); absent for typical services. */
  Proxy?: ConnectProxyConfig;
  Connect?: ServiceConnect;
  PeerName?: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/*
 * Mesh registration data (Consul's agent/structs/connect_proxy_config.go). Proxies read it back over the HTTP API;
 * the server validates it as Consul does and stores it. Members left out are Go zero values. These are `type`
 * aliases, not interfaces, so that they stay assignable to plain JSON records (the peering edge converts them
 * to and from protobuf through JSON).
 */

export const PROXY_MODES = ['', 'direct', 'transparent'] as const;
export type ProxyMode = (typeof PROXY_MODES)[number];

export const MESH_GATEWAY_MODES = ['', 'none', 'local', 'remote'] as const;
export type MeshGatewayMode = (typeof MESH_GATEWAY_MODES)[number];

export type MeshGatewayConfig = { Mode?: MeshGatewayMode };

export type TransparentProxyConfig = { OutboundListenerPort?: number; DialedDirectly?: boolean };

export type ExposePath = {
  ListenerPort?: number;
  Path?: string;
  LocalPathPort?: number;
  Protocol?: string;
  ParsedFromCheck?: boolean;
};

export type ExposeConfig = { Checks?: boolean; Paths?: ExposePath[] };

export type AccessLogsConfig = {
  Enabled?: boolean;
  DisableListenerLogs?: boolean;
  Type?: string;
  Path?: string;
  JSONFormat?: string;
  TextFormat?: string;
};

export type EnvoyExtension = {
  Name: string;
  Required: boolean;
  Arguments: Record<string, unknown>;
  ConsulVersion: string;
  EnvoyVersion: string;
};

/** One upstream of a proxy (Consul's `structs.Upstream`). */
export type Upstream = {
  /** `service` (default, `''`) or `prepared_query`. */
  DestinationType?: string;
  DestinationNamespace?: string;
  DestinationPartition?: string;
  DestinationPeer?: string;
  DestinationName: string;
  Datacenter?: string;
  LocalBindAddress?: string;
  LocalBindPort?: number;
  LocalBindSocketPath?: string;
  LocalBindSocketMode?: string;
  Config?: Record<string, unknown>;
  MeshGateway?: MeshGatewayConfig;
  CentrallyConfigured?: boolean;
};

export type ConnectProxyConfig = {
  EnvoyExtensions?: EnvoyExtension[];
  DestinationServiceName?: string;
  DestinationServiceID?: string;
  LocalServiceAddress?: string;
  LocalServicePort?: number;
  LocalServiceSocketPath?: string;
  Mode?: ProxyMode;
  Config?: Record<string, unknown>;
  Upstreams?: Upstream[];
  MeshGateway?: MeshGatewayConfig;
  Expose?: ExposeConfig;
  TransparentProxy?: TransparentProxyConfig;
  AccessLogs?: AccessLogsConfig;
};

/** What a peer's exported mesh service carries for dialing proxies (Consul's `PeeringServiceMeta`). */
export type PeeringServiceMeta = { SNI?: string[]; SpiffeID?: string[]; Protocol?: string };

/** Consul's `ServiceConnect`; `SidecarService` is registration syntax only and is never stored. */
export type ServiceConnect = { Native?: boolean; PeerMeta?: PeeringServiceMeta };

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
