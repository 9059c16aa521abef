/**
 * JSON shapes of the canonical (normalized, validated) entries, exactly as Consul marshals them: PascalCase keys,
 * optional properties are Go `omitempty` fields, nullable ones are Go nil slices/maps/pointers without
 * `omitempty`. Durations are Go duration strings where Consul uses a custom marshaller (resolver, route
 * destination) and integer nanoseconds elsewhere.
 */
import type { ConfigEntryKind } from './kinds.js';

export interface MeshGatewayConfig {
  Mode?: '' | 'none' | 'local' | 'remote' | (string & {});
}
export interface TransparentProxyConfig {
  OutboundListenerPort?: number;
  DialedDirectly?: boolean;
}
export interface ExposePath {
  ListenerPort?: number;
  Path?: string;
  LocalPathPort?: number;
  Protocol?: string;
  ParsedFromCheck?: boolean;
}
export interface ExposeConfig {
  Checks?: boolean;
  Paths?: ExposePath[];
}
export interface EnvoyExtension {
  Name: string;
  Required: boolean;
  Arguments: Record<string, unknown> | null;
  ConsulVersion: string;
  EnvoyVersion: string;
}
export interface HTTPHeaderModifiers {
  Add?: Record<string, string>;
  Set?: Record<string, string>;
  Remove?: string[];
}
export interface AccessLogsConfig {
  Enabled?: boolean;
  DisableListenerLogs?: boolean;
  Type?: '' | 'file' | 'stderr' | 'stdout';
  Path?: string;
  JSONFormat?: string;
  TextFormat?: string;
}

interface EntryBase<K extends ConfigEntryKind> {
  Kind: K;
  /** Entry name; for `mesh` always `mesh` (Consul's JSON omits it, see {@link renderConfigEntry}). */
  Name: string;
  Meta?: Record<string, string>;
}

export interface UpstreamLimits {
  MaxConnections?: number;
  MaxPendingRequests?: number;
  MaxConcurrentRequests?: number;
}
export interface PassiveHealthCheck {
  /** Nanoseconds. */
  Interval?: number;
  MaxFailures?: number;
  EnforcingConsecutive5xx?: number;
  MaxEjectionPercent?: number;
  /** Nanoseconds. */
  BaseEjectionTime?: number;
}
export interface UpstreamConfig {
  Name?: string;
  Peer: string;
  EnvoyListenerJSON?: string;
  EnvoyClusterJSON?: string;
  Protocol?: string;
  ConnectTimeoutMs?: number;
  Limits?: UpstreamLimits;
  PassiveHealthCheck?: PassiveHealthCheck;
  MeshGateway: MeshGatewayConfig;
  BalanceOutboundConnections?: string;
}
export interface ServiceDefaultsEntry extends EntryBase<'service-defaults'> {
  Protocol: string;
  Mode?: string;
  TransparentProxy: TransparentProxyConfig;
  MutualTLSMode?: string;
  MeshGateway: MeshGatewayConfig;
  Expose: ExposeConfig;
  ExternalSNI?: string;
  UpstreamConfig?: { Overrides?: UpstreamConfig[]; Defaults?: UpstreamConfig };
  Destination?: { Addresses?: string[]; Port?: number };
  MaxInboundConnections?: number;
  LocalConnectTimeoutMs?: number;
  LocalRequestTimeoutMs?: number;
  BalanceInboundConnections?: string;
  RateLimits?: {
    InstanceLevel: {
      RequestsPerSecond: number;
      RequestsMaxBurst: number;
      Routes:
        | {
            PathExact: string;
            PathPrefix: string;
            PathRegex: string;
            RequestsPerSecond: number;
            RequestsMaxBurst: number;
          }[]
        | null;
    };
  };
  EnvoyExtensions?: EnvoyExtension[];
}

export interface ProxyDefaultsEntry extends EntryBase<'proxy-defaults'> {
  Config: Record<string, unknown> | null;
  Mode?: string;
  TransparentProxy: TransparentProxyConfig;
  MutualTLSMode?: string;
  MeshGateway: MeshGatewayConfig;
  Expose: ExposeConfig;
  AccessLogs: AccessLogsConfig;
  EnvoyExtensions?: EnvoyExtension[];
  FailoverPolicy?: { Mode?: string; Regions?: string[] };
  PrioritizeByLocality?: { Mode?: string };
}

export interface ServiceRouteHTTPMatch {
  PathExact?: string;
  PathPrefix?: string;
  PathRegex?: string;
  Header?: {
    Name: string;
    Present?: boolean;
    Exact?: string;
    Prefix?: string;
    Suffix?: string;
    Regex?: string;
    Invert?: boolean;
  }[];
  QueryParam?: { Name: string; Present?: boolean; Exact?: string; Regex?: string }[];
  Methods?: string[];
}
export interface ServiceRouteDestination {
  /** Go duration string, e.g. `"1.5s"`. */
  RequestTimeout?: string;
  /** Go duration string. */
  IdleTimeout?: string;
  Service?: string;
  ServiceSubset?: string;
  Namespace?: string;
  Partition?: string;
  PrefixRewrite?: string;
  NumRetries?: number;
  RetryOnConnectFailure?: boolean;
  RetryOn?: string[];
  RetryOnStatusCodes?: number[];
  RequestHeaders?: HTTPHeaderModifiers;
  ResponseHeaders?: HTTPHeaderModifiers;
}
export interface ServiceRouterEntry extends EntryBase<'service-router'> {
  Routes: { Match?: { HTTP?: ServiceRouteHTTPMatch }; Destination?: ServiceRouteDestination }[] | null;
}

export interface ServiceSplit {
  /** Percentage, normalized to 0.01 steps. */
  Weight: number;
  Service?: string;
  ServiceSubset?: string;
  Namespace?: string;
  Partition?: string;
  RequestHeaders?: HTTPHeaderModifiers;
  ResponseHeaders?: HTTPHeaderModifiers;
}
export interface ServiceSplitterEntry extends EntryBase<'service-splitter'> {
  Splits: ServiceSplit[] | null;
}

export interface ServiceResolverFailoverTarget {
  Service?: string;
  ServiceSubset?: string;
  Partition?: string;
  Namespace?: string;
  Datacenter?: string;
  Peer?: string;
}
export interface ServiceResolverEntry {
  /** Go duration string; Consul's custom marshaller puts it before `Kind`. */
  ConnectTimeout?: string;
  /** Go duration string. */
  RequestTimeout?: string;
  Kind: 'service-resolver';
  Name: string;
  DefaultSubset?: string;
  Subsets?: Record<string, { Filter?: string; OnlyPassing?: boolean }>;
  Redirect?: {
    Service?: string;
    ServiceSubset?: string;
    Namespace?: string;
    Partition?: string;
    Datacenter?: string;
    Peer?: string;
    SamenessGroup?: string;
  };
  Failover?: Record<
    string,
    {
      Service?: string;
      ServiceSubset?: string;
      Namespace?: string;
      Datacenters?: string[];
      Targets?: ServiceResolverFailoverTarget[];
      Policy?: { Mode?: string; Regions?: string[] };
      SamenessGroup?: string;
    }
  >;
  PrioritizeByLocality?: { Mode?: string };
  LoadBalancer?: {
    Policy?: string;
    RingHashConfig?: { MinimumRingSize?: number; MaximumRingSize?: number };
    LeastRequestConfig?: { ChoiceCount?: number };
    HashPolicies?: {
      Field?: string;
      FieldValue?: string;
      /** TTL in nanoseconds. */
      CookieConfig?: { Session?: boolean; TTL?: number; Path?: string };
      SourceIP?: boolean;
      Terminal?: boolean;
    }[];
  };
  Meta?: Record<string, string>;
}

export interface IntentionJWTRequirement {
  Providers?: { Name?: string; VerifyClaims?: { Path?: string[]; Value?: string }[] }[];
}
export interface IntentionPermission {
  Action: 'allow' | 'deny';
  HTTP?: {
    PathExact?: string;
    PathPrefix?: string;
    PathRegex?: string;
    Header?: {
      Name: string;
      Present?: boolean;
      Exact?: string;
      Prefix?: string;
      Suffix?: string;
      Regex?: string;
      Invert?: boolean;
    }[];
    Methods?: string[];
  };
  JWT?: IntentionJWTRequirement;
}
export interface SourceIntention {
  Name: string;
  Action?: 'allow' | 'deny';
  Permissions?: IntentionPermission[];
  /** Read-only; recomputed on every write (9 = exact → exact … 1). */
  Precedence: number;
  /** Only on sources written through the legacy intention-by-ID API (a config-entry write clears it). */
  LegacyID?: string;
  Type: 'consul';
  Description?: string;
  LegacyMeta?: Record<string, string>;
  /** RFC 3339, legacy sources only. */
  LegacyCreateTime?: string;
  LegacyUpdateTime?: string;
  Peer?: string;
  SamenessGroup?: string;
}
export interface ServiceIntentionsEntry extends EntryBase<'service-intentions'> {
  Sources: SourceIntention[] | null;
  JWT?: IntentionJWTRequirement;
}

export interface ServiceConsumer {
  Partition?: string;
  Peer?: string;
  SamenessGroup?: string;
}
export interface ExportedService {
  Name: string;
  Namespace?: string;
  Consumers?: ServiceConsumer[];
}
export interface ExportedServicesEntry extends EntryBase<'exported-services'> {
  Services?: ExportedService[];
}

export interface MeshDirectionalTLSConfig {
  TLSMinVersion?: string;
  TLSMaxVersion?: string;
  CipherSuites?: string[];
}
export interface MeshEntry extends EntryBase<'mesh'> {
  TransparentProxy: { MeshDestinationsOnly: boolean };
  AllowEnablingPermissiveMutualTLS?: boolean;
  ValidateClusters?: boolean;
  TLS?: { Incoming?: MeshDirectionalTLSConfig; Outgoing?: MeshDirectionalTLSConfig };
  HTTP?: { SanitizeXForwardedClientCert: boolean };
  Peering?: { PeerThroughMeshGateways: boolean };
}

/** Any canonical entry, discriminated by `Kind`. */
export type AnyConfigEntry =
  | ServiceDefaultsEntry
  | ProxyDefaultsEntry
  | ServiceRouterEntry
  | ServiceSplitterEntry
  | ServiceResolverEntry
  | ServiceIntentionsEntry
  | ExportedServicesEntry
  | MeshEntry;

/** The loose shape every entry satisfies. */
export interface ConfigEntry {
  Kind: ConfigEntryKind;
  Name: string;
  [field: string]: unknown;
}
