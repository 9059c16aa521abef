/**
 * Consul's compiled discovery chain JSON (agent/structs/discovery_chain.go), keys in Go field order. CE values:
 * namespace and partition are always `default`.
 */
import type {
  ServiceResolverEntry,
  ServiceRouterEntry,
  ServiceSplit,
  MeshGatewayConfig,
} from '../config-entry/index.js';

export type ServiceRoute = NonNullable<ServiceRouterEntry['Routes']>[number];
export type LoadBalancer = NonNullable<ServiceResolverEntry['LoadBalancer']>;
export type ResolverSubset = NonNullable<ServiceResolverEntry['Subsets']>[string];

export interface DiscoveryRoute {
  Definition?: ServiceRoute;
  NextNode?: string;
}

export interface DiscoverySplit {
  Definition?: ServiceSplit;
  /** Effective weight after flattening nested splitters (0.01 steps). */
  Weight?: number;
  NextNode?: string;
}

export interface DiscoveryFailover {
  Targets?: string[];
  Policy?: { Mode?: string; Regions?: string[] };
}

export interface DiscoveryResolver {
  /** Go duration string (Consul's custom marshaller puts it first). */
  ConnectTimeout?: string;
  Default?: boolean;
  /** Nanoseconds. */
  RequestTimeout?: number;
  Target?: string;
  Failover?: DiscoveryFailover;
}

export interface DiscoveryGraphNode {
  Type: 'router' | 'splitter' | 'resolver';
  Name: string;
  Routes?: DiscoveryRoute[];
  Splits?: DiscoverySplit[];
  Resolver?: DiscoveryResolver;
  LoadBalancer?: LoadBalancer;
}

export interface DiscoveryTarget {
  /** Go duration string, first as Consul marshals it. */
  ConnectTimeout?: string;
  ID?: string;
  Service?: string;
  ServiceSubset?: string;
  Namespace?: string;
  Partition?: string;
  Datacenter?: string;
  Peer?: string;
  MeshGateway: MeshGatewayConfig;
  Subset: ResolverSubset;
  TransparentProxy: { OutboundListenerPort?: number; DialedDirectly?: boolean };
  External?: boolean;
  SNI?: string;
  Name?: string;
  PrioritizeByLocality?: { Mode?: string };
}

export interface CompiledDiscoveryChain {
  ServiceName: string;
  Namespace: string;
  Partition: string;
  Datacenter: string;
  CustomizationHash?: string;
  Default?: boolean;
  Protocol?: string;
  ServiceMeta?: Record<string, string>;
  EnvoyExtensions?: unknown[];
  StartNode?: string;
  Nodes?: Record<string, DiscoveryGraphNode>;
  Targets?: Record<string, DiscoveryTarget>;
  AutoVirtualIPs: string[] | null;
  ManualVirtualIPs: string[] | null;
}
