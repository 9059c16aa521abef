/**
 * Domain ⇄ protobuf conversion: every message kind survives a binary round trip, resources travel in Any with
 * the exact type URLs, and bad peer input decodes to `undecodable` (never a throw).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';

import {
  ExportedServiceSchema,
  Operation,
  ReplicationMessage_ResponseSchema,
  ReplicationMessageSchema,
} from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import {
  CheckServiceNodeSchema,
  NodeServiceSchema,
  NodeSchema,
} from '../generated/hashicorp/consul/internal/service/node_pb.js';
import { HealthCheckSchema } from '../generated/hashicorp/consul/internal/service/healthcheck_pb.js';
import {
  ConnectProxyConfigSchema,
  PeeringServiceMetaSchema,
  ServiceConnectSchema,
} from '../generated/hashicorp/consul/internal/service/service_pb.js';
import { TYPE_URL, type ReplicationMessage } from '../../peering/index.js';
import { encodeMessage, fromProtoMessage, fromProtoResource, toProtoMessage } from './convert.js';
import { sampleMessages, sampleNode } from './testing/samples.js';

function roundTrip(msg: ReplicationMessage): ReplicationMessage | undefined {
  return fromProtoMessage(fromBinary(ReplicationMessageSchema, encodeMessage(msg)));
}

test('grpc - every domain message kind survives a binary round trip', () => {
  for (const msg of sampleMessages()) {
    assert.deepEqual(roundTrip(msg), msg, `kind ${msg.kind}`);
  }
});

test('grpc - resources travel as Any with the exact type URL', () => {
  for (const msg of sampleMessages()) {
    if (msg.kind !== 'response' || msg.resource === undefined) continue;
    const pb = toProtoMessage(msg);
    assert.equal(pb.Payload.case, 'response');
    if (pb.Payload.case !== 'response') continue;
    assert.equal(pb.Payload.value.Resource?.typeUrl, msg.resourceUrl);
    assert.equal(pb.Payload.value.operation, Operation.UPSERT);
  }
  assert.equal(
    TYPE_URL.exportedService,
    'type.googleapis.com/hashicorp.consul.internal.peerstream.ExportedService',
  );
});

test('grpc - a CheckServiceNode converts field by field, with zero RaftIndex on the wire', () => {
  const n = sampleNode();
  const msg: ReplicationMessage = {
    kind: 'response',
    nonce: '00000001',
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'web',
    resource: { type: 'exported-service', nodes: [n] },
    operation: 1,
  };
  const pb = toProtoMessage(msg);
  assert.ok(pb.Payload.case === 'response' && pb.Payload.value.Resource);
  const es = fromBinary(ExportedServiceSchema, pb.Payload.value.Resource.value);
  const wire = es.Nodes[0];
  assert.ok(wire?.Node && wire.Service);
  assert.equal(wire.Node.Node, 'node-1');
  assert.deepEqual(wire.Node.TaggedAddresses, { lan: '10.0.0.1', wan: '198.51.100.1' });
  assert.equal(wire.Node.RaftIndex?.CreateIndex, 0n);
  assert.equal(wire.Service.Port, 8080);
  assert.deepEqual(
    { ...wire.Service.Weights },
    { $typeName: 'hashicorp.consul.internal.service.Weights', Passing: 3, Warning: 1 },
  );
  assert.equal(wire.Service.TaggedAddresses['lan']?.Port, 8080);
  assert.equal(wire.Service.Locality?.Region, 'us-east-1');
  assert.equal(wire.Service.Locality.Zone, 'us-east-1a');
  assert.equal(wire.Checks[0]?.CheckID, 'web-1:overall-check');
  assert.ok(wire.Checks[0]?.Definition, 'Definition is sent as an empty message');
  assert.deepEqual(roundTrip(msg), msg);
});

test('grpc - missing Node/Service/Weights decode to zero values and default weights', () => {
  const csn = create(CheckServiceNodeSchema, {
    Service: create(NodeServiceSchema, { ID: 'web-1', Service: 'web', Port: 80 }),
  });
  const r = fromProtoResource(
    create(ReplicationMessage_ResponseSchema, {
      ResourceURL: TYPE_URL.exportedService,
      Resource: create(AnySchema, {
        typeUrl: TYPE_URL.exportedService,
        value: toBinary(ExportedServiceSchema, create(ExportedServiceSchema, { Nodes: [csn] })),
      }),
    }),
  );
  assert.ok(r?.type === 'exported-service');
  const n = r.nodes[0];
  assert.ok(n);
  assert.deepEqual(n.Node, { ID: '', Node: '', Address: '', Datacenter: '', TaggedAddresses: {}, Meta: {} });
  assert.deepEqual(n.Service.Weights, { Passing: 1, Warning: 1 });
  assert.equal(n.Service.TaggedAddresses, undefined);
  assert.deepEqual(n.Checks, []);
});

test('grpc - Consul-shaped Connect/Proxy decode leniently; empty ones are dropped', () => {
  const csn = create(CheckServiceNodeSchema, {
    Node: create(NodeSchema, { Node: 'mgw' }),
    Service: create(NodeServiceSchema, {
      Kind: 'connect-proxy',
      ID: 'web-sidecar-proxy',
      Service: 'web-sidecar-proxy',
      // Consul always sends these two, mostly empty.
      Proxy: create(ConnectProxyConfigSchema, {}),
      Connect: create(ServiceConnectSchema, {
        PeerMeta: create(PeeringServiceMetaSchema, { SNI: ['web.default.dc1.internal.td'], Protocol: 'tcp' }),
      }),
    }),
    Checks: [create(HealthCheckSchema, { CheckID: 'c', Status: 'maintenance' })],
  });
  const bytes = toBinary(ExportedServiceSchema, create(ExportedServiceSchema, { Nodes: [csn] }));
  const r = fromProtoResource(
    create(ReplicationMessage_ResponseSchema, {
      ResourceURL: TYPE_URL.exportedService,
      Resource: create(AnySchema, { typeUrl: TYPE_URL.exportedService, value: bytes }),
    }),
  );
  assert.ok(r?.type === 'exported-service');
  const svc = r.nodes[0]?.Service;
  assert.equal(svc?.Proxy, undefined);
  assert.deepEqual(svc?.Connect, { PeerMeta: { SNI: ['web.default.dc1.internal.td'], Protocol: 'tcp' } });
  // A status Entente does not model is imported as critical, never as passing.
  assert.equal(r.nodes[0]?.Checks[0]?.Status, 'critical');

  // And back: the JSON shape converts to the message again.
  const again = toProtoMessage({
    kind: 'response',
    nonce: '1',
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'web-sidecar-proxy',
    resource: r,
    operation: 1,
  });
  assert.ok(again.Payload.case === 'response' && again.Payload.value.Resource);
  const es = fromBinary(ExportedServiceSchema, again.Payload.value.Resource.value);
  assert.deepEqual(es.Nodes[0]?.Service?.Connect?.PeerMeta?.SNI, ['web.default.dc1.internal.td']);
});

test('grpc - an unknown type URL in a Response Any decodes to undecodable', () => {
  const url = 'type.googleapis.com/hashicorp.consul.internal.peerstream.SomethingNew';
  const pb = create(ReplicationMessageSchema, {
    Payload: {
      case: 'response',
      value: create(ReplicationMessage_ResponseSchema, {
        Nonce: '00000002',
        ResourceURL: url,
        ResourceID: 'x',
        operation: Operation.UPSERT,
        Resource: create(AnySchema, { typeUrl: url, value: new Uint8Array([1, 2, 3]) }),
      }),
    },
  });
  const msg = fromProtoMessage(fromBinary(ReplicationMessageSchema, toBinary(ReplicationMessageSchema, pb)));
  assert.ok(msg?.kind === 'response');
  assert.equal(msg.resource?.type, 'undecodable');
  assert.ok(msg.resource.type === 'undecodable');
  assert.equal(msg.resource.typeUrl, url);
  assert.match(msg.resource.error, /unknown resource type URL/);
});

test('grpc - an Any whose type URL differs from ResourceURL is undecodable', () => {
  const r = fromProtoResource(
    create(ReplicationMessage_ResponseSchema, {
      ResourceURL: TYPE_URL.exportedService,
      Resource: create(AnySchema, { typeUrl: TYPE_URL.exportedServiceList, value: new Uint8Array() }),
    }),
  );
  assert.ok(r?.type === 'undecodable');
  assert.equal(r.typeUrl, TYPE_URL.exportedServiceList);
  assert.match(r.error, /does not match ResourceURL/);
});

test('grpc - bytes that do not parse, and unknown service kinds, are undecodable', () => {
  const garbage = fromProtoResource(
    create(ReplicationMessage_ResponseSchema, {
      ResourceURL: TYPE_URL.trustBundle,
      // field 1, length-delimited, length 100, then nothing: truncated
      Resource: create(AnySchema, { typeUrl: TYPE_URL.trustBundle, value: new Uint8Array([0x0a, 100]) }),
    }),
  );
  assert.equal(garbage?.type, 'undecodable');

  const weird = create(ExportedServiceSchema, {
    Nodes: [
      create(CheckServiceNodeSchema, {
        Service: create(NodeServiceSchema, { Kind: 'warp-gate', Service: 'x' }),
      }),
    ],
  });
  const kind = fromProtoResource(
    create(ReplicationMessage_ResponseSchema, {
      ResourceURL: TYPE_URL.exportedService,
      Resource: create(AnySchema, {
        typeUrl: TYPE_URL.exportedService,
        value: toBinary(ExportedServiceSchema, weird),
      }),
    }),
  );
  assert.ok(kind?.type === 'undecodable');
  assert.match(kind.error, /unknown service kind "warp-gate"/);
});

test('grpc - a Response without a resource, and a message without payload', () => {
  const r = fromProtoResource(
    create(ReplicationMessage_ResponseSchema, { ResourceURL: TYPE_URL.exportedService }),
  );
  assert.equal(r, undefined);
  assert.equal(fromProtoMessage(create(ReplicationMessageSchema)), undefined);
  // A oneof member from a later release arrives as an unknown field: also no payload.
  const future = new Uint8Array([0x32, 0x00]); // field 6, empty message
  assert.equal(fromProtoMessage(fromBinary(ReplicationMessageSchema, future)), undefined);
});

test('grpc - heartbeat and terminated are written as empty oneof members', () => {
  assert.deepEqual([...encodeMessage({ kind: 'heartbeat' })], [0x2a, 0x00]);
  assert.deepEqual([...encodeMessage({ kind: 'terminated' })], [0x22, 0x00]);
});

test('grpc - one resource object is packed once and shared by every stream that sends it', () => {
  const resource = { type: 'exported-service' as const, nodes: [sampleNode()] };
  const forPeer = (nonce: string): Extract<ReplicationMessage, { kind: 'response' }> => ({
    kind: 'response',
    nonce,
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'web',
    resource,
    operation: 1,
  });
  const a = toProtoMessage(forPeer('00000001'));
  const b = toProtoMessage(forPeer('00000002'));
  assert.ok(a.Payload.case === 'response' && b.Payload.case === 'response');
  assert.equal(a.Payload.value.Resource, b.Payload.value.Resource, 'the packed Any is the same object');
  // Each stream's frame still carries its own nonce around the same resource bytes.
  const da = fromProtoMessage(fromBinary(ReplicationMessageSchema, encodeMessage(forPeer('00000001'))));
  const db = fromProtoMessage(fromBinary(ReplicationMessageSchema, encodeMessage(forPeer('00000002'))));
  assert.ok(da?.kind === 'response' && db?.kind === 'response');
  assert.equal(da.nonce, '00000001');
  assert.equal(db.nonce, '00000002');
  assert.deepEqual(da.resource, db.resource);
  // A different object (a new version) is packed anew.
  const c = toProtoMessage({ ...forPeer('00000003'), resource: { ...resource } });
  assert.ok(c.Payload.case === 'response');
  assert.notEqual(c.Payload.value.Resource, a.Payload.value.Resource);
});

test('grpc - a synthetic <svc>-sidecar-proxy instance decodes with Consul types: Kind, Proxy and every PeerMeta field', () => {
  const n = sampleNode();
  const msg: ReplicationMessage = {
    kind: 'response',
    nonce: '00000003',
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'web-sidecar-proxy',
    resource: {
      type: 'exported-service',
      nodes: [
        {
          ...n,
          Service: {
            ...n.Service,
            Kind: 'connect-proxy',
            ID: 'web-sidecar-proxy-instance-0',
            Service: 'web-sidecar-proxy',
            TaggedAddresses: { wan: { Address: '198.51.100.7', Port: 443 } },
            Proxy: { DestinationServiceName: 'web', DestinationServiceID: 'web-instance-0' },
            Connect: {
              PeerMeta: {
                SNI: ['web.default.default.a.external.td.consul'],
                SpiffeID: [
                  'spiffe://td.consul/ns/default/dc/dc1/svc/web',
                  'spiffe://td.consul/gateway/mesh/dc/dc1',
                ],
                Protocol: 'http',
              },
            },
          },
        },
      ],
    },
    operation: 1,
  };
  const pb = fromBinary(ReplicationMessageSchema, encodeMessage(msg));
  assert.ok(pb.Payload.case === 'response' && pb.Payload.value.Resource);
  const svc = fromBinary(ExportedServiceSchema, pb.Payload.value.Resource.value).Nodes[0]?.Service;
  assert.equal(svc?.Kind, 'connect-proxy');
  assert.equal(svc.Proxy?.DestinationServiceName, 'web');
  assert.equal(svc.Proxy.DestinationServiceID, 'web-instance-0');
  assert.deepEqual(svc.Connect?.PeerMeta?.SNI, ['web.default.default.a.external.td.consul']);
  assert.deepEqual(svc.Connect.PeerMeta.SpiffeID, [
    'spiffe://td.consul/ns/default/dc/dc1/svc/web',
    'spiffe://td.consul/gateway/mesh/dc/dc1',
  ]);
  assert.equal(svc.Connect.PeerMeta.Protocol, 'http');
  assert.equal(svc.TaggedAddresses['wan']?.Port, 443);
  // And the importer's decoding gives the same JSON shape back.
  const back = fromProtoMessage(pb);
  assert.ok(back?.kind === 'response' && back.resource?.type === 'exported-service');
  const got = back.resource.nodes[0]?.Service;
  assert.deepEqual(
    got?.Connect,
    msg.resource?.type === 'exported-service' ? msg.resource.nodes[0]?.Service.Connect : 0,
  );
});
