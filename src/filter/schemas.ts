import { field, type FieldType } from './field-type.js';

/**
 * Filter schemas for the endpoints that accept `?filter=`, i.e. the selectors Consul derives from its Go
 * structs. Fields Consul tags `bexpr:"-"` are left out on purpose, so selecting them is an error as in
 * Consul: `CreateIndex`/`ModifyIndex` (RaftIndex), `Namespace`/`Partition` of EnterpriseMeta, check
 * `Definition`, proxy `Config` maps, `SidecarService`, agent `ContentHash`/`Datacenter`.
 *
 * Sources: the "Filtering" tables of Consul's API docs (catalog, health, agent service/check); fields
 * missing from those tables but present on the structs are included where the struct is certain.
 */

const { string, bool, int, list, map, struct } = field;

/** `structs.Weights` / `api.AgentWeights`. */
const weights = struct({ Passing: int, Warning: int });

/** `structs.ServiceAddress`: the values of a service's `TaggedAddresses`. */
const serviceAddress = struct({ Address: string, Port: int });

/** `structs.MeshGatewayConfig`. */
const meshGateway = struct({ Mode: string });

/** `structs.Upstream` (its `Config` map is hidden from filters). */
const upstream = struct({
  DestinationType: string,
  DestinationNamespace: string,
  DestinationPartition: string,
  DestinationPeer: string,
  DestinationName: string,
  Datacenter: string,
  LocalBindAddress: string,
  LocalBindPort: int,
  LocalBindSocketPath: string,
  LocalBindSocketMode: string,
  MeshGateway: meshGateway,
});

/** `structs.ExposeConfig`. */
const expose = struct({
  Checks: bool,
  Paths: list(
    struct({ ListenerPort: int, Path: string, LocalPathPort: int, Protocol: string, ParsedFromCheck: bool }),
  ),
});

/** `structs.ConnectProxyConfig` (its `Config` map is hidden from filters). */
const proxy = struct({
  DestinationServiceName: string,
  DestinationServiceID: string,
  LocalServiceAddress: string,
  LocalServicePort: int,
  LocalServiceSocketPath: string,
  Mode: string,
  TransparentProxy: struct({ OutboundListenerPort: int, DialedDirectly: bool }),
  MeshGateway: meshGateway,
  Upstreams: list(upstream),
  Expose: expose,
});

/** `structs.ServiceConnect` (`SidecarService` is hidden from filters). */
const connect = struct({ Native: bool });

/** `structs.Node`: `GET /v1/catalog/nodes`. */
const node = struct({
  ID: string,
  Node: string,
  Address: string,
  Datacenter: string,
  Partition: string,
  PeerName: string,
  TaggedAddresses: map(string),
  Meta: map(string),
});

/** `structs.ServiceNode`: `GET /v1/catalog/service/:name`, `/v1/catalog/connect/:name`, `/v1/catalog/services`. */
const serviceNode = struct({
  ID: string,
  Node: string,
  Address: string,
  Datacenter: string,
  TaggedAddresses: map(string),
  NodeMeta: map(string),
  ServiceKind: string,
  ServiceID: string,
  ServiceName: string,
  ServiceTags: list(string),
  ServiceAddress: string,
  ServiceTaggedAddresses: map(serviceAddress),
  ServiceWeights: weights,
  ServiceMeta: map(string),
  ServicePort: int,
  ServiceSocketPath: string,
  ServiceEnableTagOverride: bool,
  ServiceProxy: proxy,
  ServiceConnect: connect,
  PeerName: string,
});

/** `structs.NodeService`: values of `/v1/catalog/node/:node` `Services`, `/v1/catalog/node-services/:node`. */
const nodeService = struct({
  Kind: string,
  ID: string,
  Service: string,
  Tags: list(string),
  Address: string,
  TaggedAddresses: map(serviceAddress),
  Meta: map(string),
  Port: int,
  SocketPath: string,
  Weights: weights,
  EnableTagOverride: bool,
  Proxy: proxy,
  Connect: connect,
  PeerName: string,
});

/** `structs.HealthCheck`: `/v1/health/{node,checks,state}/…` and the values of `/v1/agent/checks`. */
const healthCheck = struct({
  Node: string,
  CheckID: string,
  Name: string,
  Status: string,
  Notes: string,
  Output: string,
  ServiceID: string,
  ServiceName: string,
  ServiceTags: list(string),
  Type: string,
  Interval: string,
  Timeout: string,
  ExposedPort: int,
  PeerName: string,
});

/** `structs.CheckServiceNode`: `GET /v1/health/service/:name`, `/v1/health/connect/:name`, `/ingress/…`. */
const checkServiceNode = struct({ Node: node, Service: nodeService, Checks: list(healthCheck) });

/** `api.AgentService`: the values of `GET /v1/agent/services`. */
const agentService = struct({
  Kind: string,
  ID: string,
  Service: string,
  Tags: list(string),
  Meta: map(string),
  Port: int,
  Address: string,
  SocketPath: string,
  TaggedAddresses: map(serviceAddress),
  Weights: weights,
  EnableTagOverride: bool,
  Proxy: proxy,
  Connect: connect,
  PeerName: string,
});

/** The filter schema of each item type Consul filters. */
/**
 * `structs.Intention` (intention list). `Permissions`, `JWT`, `DefaultAddr`/`DefaultPort`, the times, `Hash` and
 * the raft indexes are `bexpr:"-"`.
 */
const intention = struct({
  ID: string,
  Description: string,
  SourceNS: string,
  SourceName: string,
  DestinationNS: string,
  DestinationName: string,
  SourcePartition: string,
  DestinationPartition: string,
  SourcePeer: string,
  SourceSamenessGroup: string,
  SourceType: string,
  Action: string,
  Meta: map(string),
  Precedence: int,
});

export const schemas: {
  /** `structs.Node` (catalog nodes). */
  readonly node: FieldType;
  /** `structs.ServiceNode` (catalog service instances, catalog services). */
  readonly serviceNode: FieldType;
  /** `structs.NodeService` (services of one node). */
  readonly nodeService: FieldType;
  /** `structs.HealthCheck` (health checks). */
  readonly healthCheck: FieldType;
  /** `structs.CheckServiceNode` (health service). */
  readonly checkServiceNode: FieldType;
  /** `api.AgentService` (agent services). */
  readonly agentService: FieldType;
  /** `structs.HealthCheck` (agent checks). */
  readonly agentCheck: FieldType;
  /** `structs.Intention` (intention list). */
  readonly intention: FieldType;
} = {
  node,
  serviceNode,
  nodeService,
  healthCheck,
  checkServiceNode,
  agentService,
  agentCheck: healthCheck,
  intention,
};
