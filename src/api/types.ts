/**
 * Request and response shapes of Consul's HTTP API, with Consul's PascalCase JSON keys (the Go field names of
 * Consul's `api` package). Optional keys are the ones Consul omits when empty (`omitempty`).
 *
 * These are the client's view of the wire format: the server's domain types live elsewhere.
 */

/** Free-form string map: node meta, service meta, peering meta. */
export type StringMap = Readonly<Record<string, string>>;

/** A node in the catalog (`GET /v1/catalog/nodes`). */
export interface Node {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: StringMap | null;
  readonly Meta: StringMap | null;
  readonly Partition?: string;
  readonly PeerName?: string;
  readonly Locality?: Locality | null;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

export interface Locality {
  readonly Region?: string;
  readonly Zone?: string;
}

export interface ServiceAddress {
  readonly Address: string;
  readonly Port: number;
}

export interface Weights {
  readonly Passing: number;
  readonly Warning: number;
}

/** An instance in `GET /v1/catalog/service/:name`. */
export interface CatalogService {
  readonly ID: string;
  readonly Node: string;
  readonly Address: string;
  readonly Datacenter: string;
  readonly TaggedAddresses: StringMap | null;
  readonly NodeMeta: StringMap | null;
  readonly ServiceKind?: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[] | null;
  readonly ServiceAddress: string;
  readonly ServiceTaggedAddresses?: Readonly<Record<string, ServiceAddress>>;
  readonly ServiceWeights?: Weights;
  readonly ServiceMeta: StringMap | null;
  readonly ServicePort: number;
  readonly ServiceEnableTagOverride?: boolean;
  readonly PeerName?: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** A service as registered on a node or agent (`NodeService` / `AgentService`). */
export interface AgentService {
  readonly Kind?: string;
  readonly ID: string;
  readonly Service: string;
  readonly Tags: readonly string[] | null;
  readonly Meta?: StringMap | null;
  readonly Port?: number;
  readonly Address: string;
  readonly SocketPath?: string;
  readonly TaggedAddresses?: Readonly<Record<string, ServiceAddress>>;
  readonly Weights?: Weights;
  readonly EnableTagOverride?: boolean;
  readonly PeerName?: string;
  readonly Datacenter?: string;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
  readonly ContentHash?: string;
  /** Set on `connect-proxy` and gateway services. */
  readonly Proxy?: AgentServiceConnectProxyConfig;
  /** Set on mesh-native services and on imported synthetic proxies (`PeerMeta`). */
  readonly Connect?: AgentServiceConnect;
}

/** `api.Upstream`: one upstream of a proxy registration. */
export interface Upstream {
  readonly DestinationType?: string;
  readonly DestinationNamespace?: string;
  readonly DestinationPartition?: string;
  readonly DestinationPeer?: string;
  readonly DestinationName: string;
  readonly Datacenter?: string;
  readonly LocalBindAddress?: string;
  readonly LocalBindPort?: number;
  readonly LocalBindSocketPath?: string;
  readonly LocalBindSocketMode?: string;
  readonly Config?: Readonly<Record<string, unknown>>;
  readonly MeshGateway?: { readonly Mode?: string };
  readonly CentrallyConfigured?: boolean;
}

/** `api.AgentServiceConnectProxyConfig`: the `Proxy` block of a registration. */
export interface AgentServiceConnectProxyConfig {
  readonly DestinationServiceName?: string;
  readonly DestinationServiceID?: string;
  readonly LocalServiceAddress?: string;
  readonly LocalServicePort?: number;
  readonly LocalServiceSocketPath?: string;
  readonly Mode?: string;
  readonly TransparentProxy?: Readonly<Record<string, unknown>>;
  readonly Config?: Readonly<Record<string, unknown>>;
  readonly Upstreams?: readonly Upstream[] | null;
  readonly MeshGateway?: { readonly Mode?: string };
  readonly Expose?: Readonly<Record<string, unknown>>;
  readonly AccessLogs?: Readonly<Record<string, unknown>>;
  readonly EnvoyExtensions?: readonly unknown[];
}

/** `api.PeeringServiceMeta`: how to reach an imported service through the exporter's mesh gateways. */
export interface PeeringServiceMeta {
  readonly SNI?: readonly string[] | null;
  readonly SpiffeID?: readonly string[] | null;
  readonly Protocol?: string;
}

/** `api.AgentServiceConnect`. */
export interface AgentServiceConnect {
  readonly Native?: boolean;
  readonly PeerMeta?: PeeringServiceMeta;
  readonly SidecarService?: Readonly<Record<string, unknown>>;
}

/** `api.CARoot` as `/v1/agent/connect/ca/roots` lists it. */
export interface CARoot {
  readonly ID: string;
  readonly Name: string;
  readonly SigningKeyID?: string;
  readonly RootCert: string;
  readonly IntermediateCerts?: readonly string[] | null;
  readonly Active: boolean;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
}

/** `api.CARootList`. */
export interface CARootList {
  readonly ActiveRootID: string;
  readonly TrustDomain: string;
  readonly Roots: readonly CARoot[] | null;
}

/** `api.LeafCert`: a service's certificate and its private key (a secret: never log it). */
export interface LeafCert {
  readonly SerialNumber: string;
  readonly CertPEM: string;
  readonly PrivateKeyPEM: string;
  readonly Service: string;
  readonly ServiceURI: string;
  readonly ValidAfter: string;
  readonly ValidBefore: string;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
}

/** `pbpeering.PeeringTrustBundle` as Entente's `/v1/internal/peering/trust-bundle*` endpoints render it. */
export interface PeeringTrustBundle {
  readonly TrustDomain: string;
  readonly PeerName: string;
  readonly Partition?: string;
  readonly RootPEMs: readonly string[] | null;
  readonly ExportedPartition?: string;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
}

/** `GET /v1/catalog/node/:node`; the server answers `null` for an unknown node. */
export interface CatalogNode {
  readonly Node: Node;
  readonly Services: Readonly<Record<string, AgentService>> | null;
}

export interface HealthCheck {
  readonly Node: string;
  readonly CheckID: string;
  readonly Name: string;
  readonly Status: string;
  readonly Notes: string;
  readonly Output: string;
  readonly ServiceID: string;
  readonly ServiceName: string;
  readonly ServiceTags: readonly string[] | null;
  readonly Type: string;
  readonly PeerName?: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
}

/** An item of `GET /v1/health/service/:name`. */
export interface ServiceEntry {
  readonly Node: Node;
  readonly Service: AgentService;
  readonly Checks: readonly HealthCheck[];
}

/** A gossip member (`GET /v1/agent/members`). Status: 0 none, 1 alive, 2 leaving, 3 left, 4 failed. */
export interface AgentMember {
  readonly Name: string;
  readonly Addr: string;
  readonly Port: number;
  readonly Tags: StringMap | null;
  readonly Status: number;
  readonly ProtocolMin: number;
  readonly ProtocolMax: number;
  readonly ProtocolCur: number;
  readonly DelegateMin: number;
  readonly DelegateMax: number;
  readonly DelegateCur: number;
}

/** A check attached to a service registration (Consul `api.AgentServiceCheck`). */
export interface AgentServiceCheck {
  readonly CheckID?: string;
  readonly Name?: string;
  readonly ScriptArgs?: readonly string[];
  readonly Interval?: string;
  readonly Timeout?: string;
  readonly TTL?: string;
  readonly HTTP?: string;
  readonly Header?: Readonly<Record<string, readonly string[]>>;
  readonly Method?: string;
  readonly Body?: string;
  readonly TCP?: string;
  readonly UDP?: string;
  readonly GRPC?: string;
  readonly GRPCUseTLS?: boolean;
  readonly TLSServerName?: string;
  readonly TLSSkipVerify?: boolean;
  readonly Status?: string;
  readonly Notes?: string;
  readonly AliasNode?: string;
  readonly AliasService?: string;
  readonly SuccessBeforePassing?: number;
  readonly FailuresBeforeWarning?: number;
  readonly FailuresBeforeCritical?: number;
  readonly DeregisterCriticalServiceAfter?: string;
}

/**
 * The body of `PUT /v1/agent/service/register` (Consul `api.AgentServiceRegistration`). Keys follow Go's field
 * order; nested proxy/connect blocks stay open-ended records since the CLI passes them through from files.
 */
export interface AgentServiceRegistration {
  readonly Kind?: string;
  readonly ID?: string;
  readonly Name?: string;
  readonly Tags?: readonly string[];
  readonly Port?: number;
  readonly Address?: string;
  readonly SocketPath?: string;
  readonly TaggedAddresses?: Readonly<Record<string, ServiceAddress>>;
  readonly EnableTagOverride?: boolean;
  readonly Meta?: StringMap;
  readonly Weights?: Weights;
  readonly Check?: AgentServiceCheck;
  readonly Checks?: readonly AgentServiceCheck[];
  readonly Proxy?: Readonly<Record<string, unknown>>;
  readonly Connect?: Readonly<Record<string, unknown>>;
  readonly Locality?: Locality;
}

/** A key/value pair. `Value` is base64 on the wire, `null` for an empty value. */
export interface KVPair {
  readonly Key: string;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
  readonly LockIndex: number;
  readonly Flags: number;
  readonly Value: string | null;
  readonly Session?: string;
}

/**
 * A config entry. Every kind has `Kind` and `Name`; the rest depends on the kind, so it stays open (the CLI
 * passes entries through, the server validates them).
 */
export interface ConfigEntry {
  readonly Kind: string;
  /** Absent on the `mesh` entry, whose name is always `mesh`. */
  readonly Name?: string;
  readonly Partition?: string;
  readonly Namespace?: string;
  readonly Meta?: StringMap;
  readonly CreateIndex?: number;
  readonly ModifyIndex?: number;
  readonly [key: string]: unknown;
}

/** Peering states as Consul serialises them. */
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

export interface PeeringRemoteInfo {
  readonly Partition: string;
  readonly Datacenter: string;
  readonly Locality?: Locality | null;
}

export interface PeeringStreamStatus {
  readonly ImportedServices: readonly string[] | null;
  readonly ExportedServices: readonly string[] | null;
  /** RFC 3339 or null. */
  readonly LastHeartbeat: string | null;
  readonly LastReceive: string | null;
  readonly LastSend: string | null;
}

/** `GET /v1/peering/:name` (Consul `api.Peering`). */
export interface Peering {
  readonly ID: string;
  readonly Name: string;
  readonly Partition?: string;
  readonly DeletedAt?: string;
  readonly Meta?: StringMap;
  readonly State: PeeringState;
  readonly PeerID?: string;
  readonly PeerCAPems?: readonly string[];
  readonly PeerServerName?: string;
  readonly PeerServerAddresses?: readonly string[];
  readonly StreamStatus?: PeeringStreamStatus;
  readonly Remote?: PeeringRemoteInfo;
  readonly CreateIndex: number;
  readonly ModifyIndex: number;
  /** Entente extension: why a peering is not ACTIVE, the last dial attempt, replication lag. */
  readonly Diagnostics?: PeeringDiagnostics;
}

/** Entente's `Diagnostics` on a peering (absent from Consul's answers). */
export interface PeeringDiagnostics {
  /** Stable machine-readable reason, e.g. `ADDRESS_UNREACHABLE`, `HEARTBEAT_TIMEOUT`. */
  readonly Reason?: string;
  readonly Message?: string;
  readonly LastAttemptAddress?: string;
  readonly LastAttemptAt?: string | null;
  readonly LastNack?: string | null;
  readonly LastNackMessage?: string;
  readonly ReplicationLagMs?: { readonly Last: number | null; readonly P99: number | null };
  /** What the peer has imported against `peering.import_max_services` / `import_max_instances`, and refusals. */
  readonly Imports?: PeeringImports;
}

/** `Diagnostics.Imports`: the peer's imports against its caps (figures absent when no stream has run). */
export interface PeeringImports {
  readonly Services?: number;
  readonly MaxServices?: number;
  readonly Instances?: number;
  readonly MaxInstances?: number;
  /** Service updates refused (NACKed, not stored) by each cap. */
  readonly Refused: { readonly Services: number; readonly Instances: number };
  readonly LastRefused?: string | null;
  readonly LastRefusedMessage?: string;
}

export interface PeeringGenerateTokenRequest {
  readonly PeerName: string;
  readonly Partition?: string;
  readonly Meta?: StringMap;
  readonly ServerExternalAddresses?: readonly string[];
}

export interface PeeringGenerateTokenResponse {
  readonly PeeringToken: string;
}

export interface PeeringEstablishRequest {
  readonly PeerName: string;
  readonly PeeringToken: string;
  readonly Partition?: string;
  readonly Meta?: StringMap;
}

/**
 * The JSON inside a peering token (standard base64). `EstablishmentSecret` is a secret: never print or log it.
 */
export interface PeeringToken {
  readonly CA: readonly string[] | null;
  readonly ManualServerAddresses?: readonly string[] | null;
  readonly ServerAddresses: readonly string[] | null;
  readonly ServerName: string;
  readonly PeerID: string;
  readonly EstablishmentSecret?: string;
  readonly Remote?: PeeringRemoteInfo;
}

/** The body of `PUT /v1/catalog/register` (Consul `api.CatalogRegistration`). */
export interface CatalogRegistration {
  readonly ID?: string;
  readonly Node: string;
  readonly Address: string;
  readonly TaggedAddresses?: StringMap;
  readonly NodeMeta?: StringMap;
  readonly Datacenter?: string;
  readonly Service?: Readonly<Record<string, unknown>>;
  readonly Check?: Readonly<Record<string, unknown>>;
  readonly Checks?: readonly Readonly<Record<string, unknown>>[];
  readonly SkipNodeUpdate?: boolean;
  readonly Locality?: Locality;
}

/** The body of `PUT /v1/catalog/deregister` (Consul `api.CatalogDeregistration`). */
export interface CatalogDeregistration {
  readonly Node: string;
  readonly Datacenter?: string;
  readonly ServiceID?: string;
  readonly CheckID?: string;
}

/** `api.Intention` (`/v1/connect/intentions*`). Intentions written as config entries carry no `ID` or times. */
export interface Intention {
  ID?: string;
  Description?: string;
  SourceNS?: string;
  SourceName: string;
  DestinationNS?: string;
  DestinationName: string;
  SourcePartition?: string;
  DestinationPartition?: string;
  SourcePeer?: string;
  SourceSamenessGroup?: string;
  SourceType?: string;
  Action?: 'allow' | 'deny';
  Permissions?: Record<string, unknown>[];
  Meta?: StringMap;
  Precedence?: number;
  CreatedAt?: string;
  UpdatedAt?: string;
  CreateIndex?: number;
  ModifyIndex?: number;
}

/** One precedence level of Entente's check explanation (`?explain`). */
export interface IntentionExplainStep {
  Precedence: number;
  Source: string;
  Destination: string;
  Outcome: 'matched' | 'no-intention' | 'not-reached';
  Detail: string;
  Intention?: Intention;
}

/** Entente's `GET /v1/connect/intentions/check?explain` answer (beyond Consul). */
export interface IntentionExplanation {
  Allowed: boolean;
  DecidedBy: 'intention' | 'default';
  Reason: string;
  DefaultAllow: boolean;
  Intention?: Intention;
  Steps: IntentionExplainStep[];
}

/** Consul's `api.CAConfig`: the Connect CA configuration, fields in Consul's order. */
export interface CAConfig {
  Provider: string;
  Config: Record<string, unknown>;
  State?: Record<string, string> | null;
  ForceWithoutCrossSigning?: boolean;
  CreateIndex?: number;
  ModifyIndex?: number;
}
