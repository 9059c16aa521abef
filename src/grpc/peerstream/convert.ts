/**
 * Domain ⇄ protobuf conversion for the peer stream (Consul's `pbpeerstream` / `pbservice` converters).
 *
 * - Outbound (`toProto*`) is total: every domain value has a wire form.
 * - Inbound (`fromProto*`) never throws for peer input: a resource that cannot be decoded becomes
 *   `{ type: 'undecodable', typeUrl, error }` (the stream handler NACKs it), and a message with no payload (or a
 *   oneof member this build does not know) is reported as `undefined` and ignored, as Consul's handler does.
 *
 * @packageDocumentation
 */
import {
  create,
  fromBinary,
  fromJson,
  toBinary,
  toJson,
  type DescMessage,
  type JsonObject,
  type MessageShape,
} from '@bufbuild/protobuf';
import { AnySchema, type Any } from '@bufbuild/protobuf/wkt';

import {
  LocalitySchema,
  RaftIndexSchema,
  type Locality as PbLocality,
} from '../generated/hashicorp/consul/internal/common/common_pb.js';
import {
  PeeringServerAddressesSchema,
  PeeringTrustBundleSchema,
  RemoteInfoSchema,
  type RemoteInfo as PbRemoteInfo,
} from '../generated/hashicorp/consul/internal/peering/peering_pb.js';
import {
  ExportedServiceListSchema,
  ExportedServiceSchema,
  ReplicationMessage_HeartbeatSchema,
  ReplicationMessage_OpenSchema,
  ReplicationMessage_RequestSchema,
  ReplicationMessage_ResponseSchema,
  ReplicationMessage_TerminatedSchema,
  ReplicationMessageSchema,
  type Operation,
  type ReplicationMessage as PbReplicationMessage,
  type ReplicationMessage_Response as PbResponse,
} from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import {
  HealthCheckDefinitionSchema,
  HealthCheckSchema,
  type HealthCheck as PbHealthCheck,
} from '../generated/hashicorp/consul/internal/service/healthcheck_pb.js';
import {
  CheckServiceNodeSchema,
  NodeSchema,
  NodeServiceSchema,
  type CheckServiceNode as PbCheckServiceNode,
  type Node as PbNode,
  type NodeService as PbNodeService,
} from '../generated/hashicorp/consul/internal/service/node_pb.js';
import {
  ConnectProxyConfigSchema,
  ServiceAddressSchema,
  ServiceConnectSchema,
  WeightsSchema,
  type ServiceAddress as PbServiceAddress,
} from '../generated/hashicorp/consul/internal/service/service_pb.js';
import {
  StatusSchema,
  type Status as PbStatus,
} from '../generated/hashicorp/consul/internal/status/status_pb.js';
import {
  TYPE_URL,
  importedStatus,
  type CheckServiceNode,
  type RemoteInfo,
  type ReplicationMessage,
  type Resource,
  type StatusError,
} from '../../peering/index.js';
import { SERVICE_KINDS, type Locality, type ServiceAddress, type ServiceKind } from '../../types/index.js';

/** Weights Consul's API applies when a service has none (`structs.Weights{Passing: 1, Warning: 1}`). */
const DEFAULT_WEIGHTS = { Passing: 1, Warning: 1 } as const;

// ---------------------------------------------------------------------------------------------------------------
// ReplicationMessage

/** Converts a domain message to the generated `hashicorp.consul.internal.peerstream.ReplicationMessage`. */
export function toProtoMessage(msg: ReplicationMessage): PbReplicationMessage {
  switch (msg.kind) {
    case 'open':
      return create(ReplicationMessageSchema, {
        Payload: {
          case: 'open',
          value: create(ReplicationMessage_OpenSchema, {
            PeerID: msg.peerId,
            StreamSecretID: msg.streamSecretId,
            ...(msg.remote === undefined ? {} : { Remote: toProtoRemote(msg.remote) }),
          }),
        },
      });
    case 'request':
      return create(ReplicationMessageSchema, {
        Payload: {
          case: 'request',
          value: create(ReplicationMessage_RequestSchema, {
            PeerID: msg.peerId,
            ResponseNonce: msg.responseNonce,
            ResourceURL: msg.resourceUrl,
            ...(msg.error === undefined ? {} : { Error: toProtoStatus(msg.error) }),
          }),
        },
      });
    case 'response':
      return create(ReplicationMessageSchema, {
        Payload: {
          case: 'response',
          value: create(ReplicationMessage_ResponseSchema, {
            Nonce: msg.nonce,
            ResourceURL: msg.resourceUrl,
            ResourceID: msg.resourceId,
            // NOTE: an out-of-range number is an unknown enum value, which protobuf-es encodes as is.
            operation: msg.operation as Operation,
            ...(msg.resource === undefined ? {} : { Resource: toProtoResource(msg.resource) }),
          }),
        },
      });
    case 'terminated':
      return create(ReplicationMessageSchema, {
        Payload: { case: 'terminated', value: create(ReplicationMessage_TerminatedSchema) },
      });
    case 'heartbeat':
      return create(ReplicationMessageSchema, {
        Payload: { case: 'heartbeat', value: create(ReplicationMessage_HeartbeatSchema) },
      });
  }
}

/**
 * Converts a received message to the domain. Returns `undefined` when the message carries no payload this build
 * knows (empty oneof, or a member added by a later release, kept by protobuf-es as unknown fields): Consul's
 * handler ignores such messages, and so does the caller.
 */
export function fromProtoMessage(msg: PbReplicationMessage): ReplicationMessage | undefined {
  const p = msg.Payload;
  switch (p.case) {
    case 'open':
      return {
        kind: 'open',
        peerId: p.value.PeerID,
        streamSecretId: p.value.StreamSecretID,
        remote: p.value.Remote === undefined ? undefined : fromProtoRemote(p.value.Remote),
      };
    case 'request':
      return {
        kind: 'request',
        peerId: p.value.PeerID,
        responseNonce: p.value.ResponseNonce,
        resourceUrl: p.value.ResourceURL,
        error: p.value.Error === undefined ? undefined : fromProtoStatus(p.value.Error),
      };
    case 'response':
      return {
        kind: 'response',
        nonce: p.value.Nonce,
        resourceUrl: p.value.ResourceURL,
        resourceId: p.value.ResourceID,
        resource: fromProtoResource(p.value),
        operation: p.value.operation,
      };
    case 'terminated':
      return { kind: 'terminated' };
    case 'heartbeat':
      return { kind: 'heartbeat' };
    case undefined:
      return undefined;
  }
}

/** Serialises a domain message to protobuf bytes (what goes into one gRPC frame). */
export function encodeMessage(msg: ReplicationMessage): Uint8Array {
  return toBinary(ReplicationMessageSchema, toProtoMessage(msg));
}

// ---------------------------------------------------------------------------------------------------------------
// Small messages

function toProtoRemote(r: RemoteInfo): PbRemoteInfo {
  return create(RemoteInfoSchema, { Partition: r.Partition, Datacenter: r.Datacenter });
}

/** `Locality` (1.16+) is not part of the domain and is dropped. */
function fromProtoRemote(r: PbRemoteInfo): RemoteInfo {
  return { Partition: r.Partition, Datacenter: r.Datacenter };
}

function toProtoStatus(e: StatusError): PbStatus {
  return create(StatusSchema, { code: e.code, message: e.message });
}

/** NACK errors: `details` are never set by Consul's handlers and are dropped. */
function fromProtoStatus(s: PbStatus): StatusError {
  return { code: s.code, message: s.message };
}

// ---------------------------------------------------------------------------------------------------------------
// Resources

/**
 * Packs a resource into a `google.protobuf.Any` whose `type_url` is the resource's type URL (equal to the
 * Response's `ResourceURL` for every resource the stream handler builds). An `undecodable` resource (only ever
 * received, never built) is re-emitted as an Any with its type URL and no bytes.
 */
export function toProtoResource(r: Resource): Any {
  let any = ENCODED.get(r);
  if (!any) {
    any = packResource(r);
    ENCODED.set(r, any);
  }
  return any;
}

/**
 * Packed resources by object. The peering exporter hands every peer's stream the same resource object for one
 * (service, version), so its instances are converted and serialised once, whatever the number of peers; each
 * stream then only frames its own Response (nonce, IDs) around the shared bytes. Entries go with their objects.
 * NOTE: relies on resources being immutable once built (the exporter's contract).
 */
const ENCODED = new WeakMap<Resource, Any>();

function packResource(r: Resource): Any {
  switch (r.type) {
    case 'exported-service':
      return pack(
        TYPE_URL.exportedService,
        ExportedServiceSchema,
        create(ExportedServiceSchema, { Nodes: r.nodes.map(toProtoCheckServiceNode) }),
      );
    case 'exported-service-list':
      return pack(
        TYPE_URL.exportedServiceList,
        ExportedServiceListSchema,
        create(ExportedServiceListSchema, { Services: [...r.services] }),
      );
    case 'trust-bundle':
      return pack(
        TYPE_URL.trustBundle,
        PeeringTrustBundleSchema,
        create(PeeringTrustBundleSchema, {
          TrustDomain: r.trustDomain,
          RootPEMs: [...r.rootPems],
          ExportedPartition: r.exportedPartition,
        }),
      );
    case 'server-addresses':
      return pack(
        TYPE_URL.serverAddresses,
        PeeringServerAddressesSchema,
        create(PeeringServerAddressesSchema, { Addresses: [...r.addresses] }),
      );
    case 'undecodable':
      return create(AnySchema, { typeUrl: r.typeUrl, value: new Uint8Array() });
  }
}

function pack<Desc extends DescMessage>(typeUrl: string, schema: Desc, msg: MessageShape<Desc>): Any {
  return create(AnySchema, { typeUrl, value: toBinary(schema, msg) });
}

/**
 * Decodes the Response's resource. `undefined` when the Response carries none (the handler NACKs "no content").
 * The Any's `type_url` must equal the Response's `ResourceURL`; a mismatch, an unknown type URL, bytes that do
 * not parse, or an instance that cannot be represented locally yields `undecodable`.
 */
export function fromProtoResource(resp: PbResponse): Resource | undefined {
  const any = resp.Resource;
  if (any === undefined) return undefined;
  const typeUrl = any.typeUrl;
  const undecodable = (error: string): Resource => ({ type: 'undecodable', typeUrl, error });
  if (typeUrl !== resp.ResourceURL) {
    return undecodable(
      `resource type URL ${JSON.stringify(typeUrl)} does not match ResourceURL ${JSON.stringify(resp.ResourceURL)}`,
    );
  }
  try {
    switch (typeUrl) {
      case TYPE_URL.exportedService: {
        const m = fromBinary(ExportedServiceSchema, any.value);
        return { type: 'exported-service', nodes: m.Nodes.map(fromProtoCheckServiceNode) };
      }
      case TYPE_URL.exportedServiceList: {
        const m = fromBinary(ExportedServiceListSchema, any.value);
        return { type: 'exported-service-list', services: m.Services };
      }
      case TYPE_URL.trustBundle: {
        const m = fromBinary(PeeringTrustBundleSchema, any.value);
        return {
          type: 'trust-bundle',
          trustDomain: m.TrustDomain,
          rootPems: m.RootPEMs,
          exportedPartition: m.ExportedPartition,
        };
      }
      case TYPE_URL.serverAddresses: {
        const m = fromBinary(PeeringServerAddressesSchema, any.value);
        return { type: 'server-addresses', addresses: m.Addresses };
      }
      default:
        return undecodable(`unknown resource type URL ${JSON.stringify(typeUrl)}`);
    }
  } catch (err) {
    return undecodable(`failed to decode ${typeUrl}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// CheckServiceNode (pbservice ⇄ Entente catalog shapes)

/** Thrown inside resource decoding only; caught by {@link fromProtoResource} and turned into `undecodable`. */
class ConversionError extends Error {
  override readonly name = 'ConversionError';
}

/**
 * Domain → wire. Raft indexes are sent as a present, zero `RaftIndex` (as Consul's struct converter does);
 * `Definition` as an empty message (replicated checks are flattened and carry none); `Connect`/`Proxy`, which the
 * exporter strips, are converted from their Consul JSON shape when present and dropped if they do not parse.
 */
export function toProtoCheckServiceNode(n: CheckServiceNode): PbCheckServiceNode {
  const node: PbNode = create(NodeSchema, {
    ID: n.Node.ID,
    Node: n.Node.Node,
    Address: n.Node.Address,
    Datacenter: n.Node.Datacenter,
    TaggedAddresses: { ...n.Node.TaggedAddresses },
    Meta: { ...n.Node.Meta },
    RaftIndex: create(RaftIndexSchema),
    PeerName: n.Node.PeerName ?? '',
  });
  const s = n.Service;
  const tagged: Record<string, PbServiceAddress> = {};
  for (const [k, v] of Object.entries(s.TaggedAddresses ?? {})) {
    tagged[k] = create(ServiceAddressSchema, { Address: v.Address, Port: v.Port });
  }
  const connect = s.Connect === undefined ? undefined : jsonToProto(ServiceConnectSchema, s.Connect);
  const proxy = s.Proxy === undefined ? undefined : jsonToProto(ConnectProxyConfigSchema, s.Proxy);
  const service: PbNodeService = create(NodeServiceSchema, {
    Kind: s.Kind,
    ID: s.ID,
    Service: s.Service,
    Tags: [...s.Tags],
    Address: s.Address,
    Meta: { ...s.Meta },
    Port: s.Port,
    Weights: create(WeightsSchema, { Passing: s.Weights.Passing, Warning: s.Weights.Warning }),
    EnableTagOverride: s.EnableTagOverride,
    TaggedAddresses: tagged,
    RaftIndex: create(RaftIndexSchema),
    SocketPath: s.SocketPath ?? '',
    PeerName: s.PeerName ?? '',
    ...(s.Locality === undefined
      ? {}
      : {
          Locality: create(LocalitySchema, { Region: s.Locality.Region ?? '', Zone: s.Locality.Zone ?? '' }),
        }),
    ...(connect === undefined ? {} : { Connect: connect }),
    ...(proxy === undefined ? {} : { Proxy: proxy }),
  });
  const checks: PbHealthCheck[] = n.Checks.map((c) =>
    create(HealthCheckSchema, {
      Node: c.Node,
      CheckID: c.CheckID,
      Name: c.Name,
      Status: c.Status,
      Notes: c.Notes,
      Output: c.Output,
      ServiceID: c.ServiceID,
      ServiceName: c.ServiceName,
      ServiceTags: [...c.ServiceTags],
      Type: c.Type,
      Interval: c.Interval,
      Timeout: c.Timeout,
      ExposedPort: c.ExposedPort,
      PeerName: c.PeerName ?? '',
      Definition: create(HealthCheckDefinitionSchema),
      RaftIndex: create(RaftIndexSchema),
    }),
  );
  return create(CheckServiceNodeSchema, { Node: node, Service: service, Checks: checks });
}

/**
 * Wire → domain, with Go's zero values for missing messages (a missing `Node` or `Service` is an empty one) and
 * Consul's default weights `{Passing: 1, Warning: 1}` when `Weights` is absent. A check status other than
 * passing/warning/critical (Consul exporters send `maintenance`) becomes `critical`, as the importer would make
 * it; an unknown service kind makes the whole resource undecodable (NACKed) rather than being imported as a
 * typical service. `Definition` decodes to `{}`; `Connect`/`Proxy` decode to their JSON shape, omitted when empty.
 *
 * @throws ConversionError for an unknown service kind (only inside {@link fromProtoResource}).
 */
export function fromProtoCheckServiceNode(n: PbCheckServiceNode): CheckServiceNode {
  const node = n.Node ?? create(NodeSchema);
  const s = n.Service ?? create(NodeServiceSchema);
  if (!isServiceKind(s.Kind)) {
    throw new ConversionError(
      `instance ${JSON.stringify(s.ID)} has an unknown service kind ${JSON.stringify(s.Kind)}`,
    );
  }
  const tagged: Record<string, ServiceAddress> = {};
  for (const [k, v] of Object.entries(s.TaggedAddresses)) tagged[k] = { Address: v.Address, Port: v.Port };
  const connect = s.Connect === undefined ? undefined : protoToJson(ServiceConnectSchema, s.Connect);
  const proxy = s.Proxy === undefined ? undefined : protoToJson(ConnectProxyConfigSchema, s.Proxy);
  return {
    Node: {
      ID: node.ID,
      Node: node.Node,
      Address: node.Address,
      Datacenter: node.Datacenter,
      TaggedAddresses: { ...node.TaggedAddresses },
      Meta: { ...node.Meta },
      ...(node.PeerName === '' ? {} : { PeerName: node.PeerName }),
    },
    Service: {
      Kind: s.Kind,
      ID: s.ID,
      Service: s.Service,
      Tags: [...s.Tags],
      Address: s.Address,
      Meta: { ...s.Meta },
      Port: s.Port,
      Weights: s.Weights
        ? { Passing: s.Weights.Passing, Warning: s.Weights.Warning }
        : { ...DEFAULT_WEIGHTS },
      EnableTagOverride: s.EnableTagOverride,
      ...(Object.keys(tagged).length === 0 ? {} : { TaggedAddresses: tagged }),
      ...(s.SocketPath === '' ? {} : { SocketPath: s.SocketPath }),
      ...localityFromProto(s.Locality),
      ...(s.PeerName === '' ? {} : { PeerName: s.PeerName }),
      ...(connect === undefined ? {} : { Connect: connect }),
      ...(proxy === undefined ? {} : { Proxy: proxy }),
    },
    Checks: n.Checks.map((c) => ({
      Node: c.Node,
      CheckID: c.CheckID,
      Name: c.Name,
      Status: importedStatus(c.Status),
      Notes: c.Notes,
      Output: c.Output,
      ServiceID: c.ServiceID,
      ServiceName: c.ServiceName,
      ServiceTags: [...c.ServiceTags],
      Type: c.Type,
      Interval: c.Interval,
      Timeout: c.Timeout,
      ExposedPort: c.ExposedPort,
      Definition: {},
      ...(c.PeerName === '' ? {} : { PeerName: c.PeerName }),
    })),
  };
}

/** A peer's `Locality`, left out when absent or empty (as Consul's JSON omits it). */
function localityFromProto(l: PbLocality | undefined): { Locality?: Locality } {
  if (!l || (l.Region === '' && l.Zone === '')) return {};
  return { Locality: { ...(l.Region ? { Region: l.Region } : {}), ...(l.Zone ? { Zone: l.Zone } : {}) } };
}

function isServiceKind(k: string): k is ServiceKind {
  return (SERVICE_KINDS as readonly string[]).includes(k);
}

/** Consul JSON object → message, lenient: unknown keys ignored; `undefined` if it does not fit the schema. */
function jsonToProto<Desc extends DescMessage>(
  schema: Desc,
  value: Record<string, unknown>,
): MessageShape<Desc> | undefined {
  try {
    // The round trip drops `undefined`s, functions and the like, leaving a plain JsonObject.
    const json = JSON.parse(JSON.stringify(value)) as JsonObject;
    return fromJson(schema, json, { ignoreUnknownFields: true });
  } catch {
    return undefined;
  }
}

/** Message → Consul JSON object (proto field names, which are Consul's Go field names); `undefined` if empty. */
function protoToJson<Desc extends DescMessage>(
  schema: Desc,
  msg: MessageShape<Desc>,
): Record<string, unknown> | undefined {
  try {
    const json = toJson(schema, msg, { useProtoFieldName: true });
    if (json === null || typeof json !== 'object' || Array.isArray(json)) return undefined;
    return Object.keys(json).length === 0 ? undefined : json;
  } catch {
    return undefined;
  }
}
