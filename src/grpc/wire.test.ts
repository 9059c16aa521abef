/**
 * Wire tests for the generated peering messages: field numbers and types restated from Consul's .proto files,
 * byte layouts checked against bytes computed by hand (tag = field << 3 | wire type), Any round trips with the
 * exact type URLs, and a generic encode/decode of every generated message.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  ScalarType,
  create,
  createRegistry,
  equals,
  fromBinary,
  toBinary,
  type DescField,
  type DescMessage,
} from '@bufbuild/protobuf';
import { AnySchema, anyIs, anyPack, anyUnpack } from '@bufbuild/protobuf/wkt';

import { file_google_rpc_status, StatusSchema as RpcStatusSchema } from './generated/google/rpc/status_pb.js';
import {
  EnterpriseMetaSchema,
  file_hashicorp_consul_internal_common_common,
  LocalitySchema,
  RaftIndexSchema,
} from './generated/hashicorp/consul/internal/common/common_pb.js';
import {
  file_hashicorp_consul_internal_peering_peering,
  PeeringListResponseSchema,
  PeeringSchema,
  PeeringServerAddressesSchema,
  PeeringService,
  PeeringState,
  PeeringStateSchema,
  PeeringTrustBundleSchema,
  RemoteInfoSchema,
  StreamStatusSchema,
} from './generated/hashicorp/consul/internal/peering/peering_pb.js';
import {
  ExchangeSecretRequestSchema,
  ExchangeSecretResponseSchema,
  ExportedServiceListSchema,
  ExportedServiceSchema,
  file_hashicorp_consul_internal_peerstream_peerstream,
  LeaderAddressSchema,
  Operation,
  OperationSchema,
  PeerStreamService,
  ReplicationMessage_OpenSchema,
  ReplicationMessage_RequestSchema,
  ReplicationMessage_ResponseSchema,
  ReplicationMessageSchema,
  type ReplicationMessage,
} from './generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import {
  file_hashicorp_consul_internal_service_healthcheck,
  HealthCheckDefinitionSchema,
  HealthCheckSchema,
} from './generated/hashicorp/consul/internal/service/healthcheck_pb.js';
import {
  CheckServiceNodeSchema,
  file_hashicorp_consul_internal_service_node,
  NodeSchema,
  NodeServiceSchema,
} from './generated/hashicorp/consul/internal/service/node_pb.js';
import {
  ConnectProxyConfigSchema,
  file_hashicorp_consul_internal_service_service,
  PeeringServiceMetaSchema,
  ServiceAddressSchema,
  ServiceConnectSchema,
  UpstreamSchema,
  WeightsSchema,
} from './generated/hashicorp/consul/internal/service/service_pb.js';
import {
  file_hashicorp_consul_internal_status_status,
  StatusSchema,
} from './generated/hashicorp/consul/internal/status/status_pb.js';

// ---------------------------------------------------------------------------------------------------------------
// A minimal, independent protobuf writer for expected bytes (proto3 encoding spec, nothing from protobuf-es).

const WIRE_VARINT = 0;
const WIRE_LEN = 2;

function varint(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v === 0n ? low : low | 0x80);
  } while (v !== 0n);
  return out;
}

function tag(field: number, wireType: number): number[] {
  return varint((field << 3) | wireType);
}

function utf8(s: string): number[] {
  return [...Buffer.from(s, 'utf8')];
}

/** A varint field (int32, uint64, bool, enum). */
function vField(field: number, value: number | bigint): number[] {
  return [...tag(field, WIRE_VARINT), ...varint(value)];
}

/** A length-delimited field holding raw bytes. */
function bField(field: number, bytes: readonly number[]): number[] {
  return [...tag(field, WIRE_LEN), ...varint(bytes.length), ...bytes];
}

/** A string field. */
function sField(field: number, s: string): number[] {
  return bField(field, utf8(s));
}

/** An embedded message field made of the given encoded fields. */
function mField(field: number, ...parts: number[][]): number[] {
  return bField(field, parts.flat());
}

/** One entry of a map<string, string> field. */
function mapEntry(field: number, key: string, value: string): number[] {
  return mField(field, sField(1, key), sField(2, value));
}

function hex(bytes: Uint8Array | readonly number[]): string {
  return Buffer.from(bytes instanceof Uint8Array ? bytes : Uint8Array.from(bytes)).toString('hex');
}

function asciiHex(s: string): string {
  return Buffer.from(s, 'ascii').toString('hex');
}

// ---------------------------------------------------------------------------------------------------------------
// Facts

const TYPE_URL_EXPORTED_SERVICE = 'type.googleapis.com/hashicorp.consul.internal.peerstream.ExportedService';
const TYPE_URL_EXPORTED_SERVICE_LIST =
  'type.googleapis.com/hashicorp.consul.internal.peerstream.ExportedServiceList';
const TYPE_URL_PEERING_TRUST_BUNDLE =
  'type.googleapis.com/hashicorp.consul.internal.peering.PeeringTrustBundle';
const TYPE_URL_PEERING_SERVER_ADDRESSES =
  'type.googleapis.com/hashicorp.consul.internal.peering.PeeringServerAddresses';
const TYPE_URL_LEADER_ADDRESS = 'type.googleapis.com/hashicorp.consul.internal.peerstream.LeaderAddress';

const ALL_FILES = [
  file_hashicorp_consul_internal_peerstream_peerstream,
  file_hashicorp_consul_internal_peering_peering,
  file_hashicorp_consul_internal_service_node,
  file_hashicorp_consul_internal_service_service,
  file_hashicorp_consul_internal_service_healthcheck,
  file_hashicorp_consul_internal_common_common,
  file_hashicorp_consul_internal_status_status,
  file_google_rpc_status,
];

const registry = createRegistry(...ALL_FILES);

/** `<number> <name> <type>` for every field of a message, in declaration order. */
function signature(schema: DescMessage): string[] {
  const typeOf = (f: DescField): string => {
    const element = (kind: 'scalar' | 'enum' | 'message'): string => {
      if (kind === 'scalar') return ScalarType[f.scalar ?? ScalarType.STRING].toLowerCase();
      if (kind === 'enum') return f.enum?.typeName ?? '?';
      return f.message?.typeName ?? '?';
    };
    switch (f.fieldKind) {
      case 'scalar':
      case 'enum':
      case 'message':
        return element(f.fieldKind);
      case 'list':
        return `repeated ${element(f.listKind)}`;
      case 'map':
        return `map<${ScalarType[f.mapKey].toLowerCase()},${element(f.mapKind)}>`;
    }
  };
  return schema.fields.map((f) => `${f.number} ${f.name} ${typeOf(f)}`);
}

const C = 'hashicorp.consul.internal';

test('wire - package names, services and full method paths match Consul', () => {
  assert.equal(PeerStreamService.typeName, `${C}.peerstream.PeerStreamService`);
  const methods = PeerStreamService.methods.map(
    (m) => `/${PeerStreamService.typeName}/${m.name} ${m.methodKind}`,
  );
  assert.deepEqual(methods, [
    '/hashicorp.consul.internal.peerstream.PeerStreamService/StreamResources bidi_streaming',
    '/hashicorp.consul.internal.peerstream.PeerStreamService/ExchangeSecret unary',
  ]);
  assert.equal(PeerStreamService.method.streamResources.input, ReplicationMessageSchema);
  assert.equal(PeerStreamService.method.streamResources.output, ReplicationMessageSchema);
  assert.equal(PeerStreamService.method.exchangeSecret.input, ExchangeSecretRequestSchema);
  assert.equal(PeerStreamService.method.exchangeSecret.output, ExchangeSecretResponseSchema);

  assert.equal(PeeringService.typeName, `${C}.peering.PeeringService`);
  assert.deepEqual(
    PeeringService.methods.map((m) => m.name),
    [
      'GenerateToken',
      'Establish',
      'PeeringRead',
      'PeeringList',
      'PeeringDelete',
      'PeeringWrite',
      'TrustBundleListByService',
      'TrustBundleRead',
    ],
  );
  assert.ok(PeeringService.methods.every((m) => m.methodKind === 'unary'));
});

test('wire - enum values match Consul (protoc-gen-es drops the OPERATION_ prefix in TypeScript only)', () => {
  const wireNames = (values: readonly { name: string; number: number }[]): string[] =>
    values.map((v) => `${v.name}=${v.number}`);
  assert.deepEqual(wireNames(OperationSchema.values), ['OPERATION_UNSPECIFIED=0', 'OPERATION_UPSERT=1']);
  assert.deepEqual({ ...Operation }, { UNSPECIFIED: 0, UPSERT: 1 });
  assert.deepEqual(wireNames(PeeringStateSchema.values), [
    'UNDEFINED=0',
    'PENDING=1',
    'ESTABLISHING=2',
    'ACTIVE=3',
    'FAILING=4',
    'DELETING=5',
    'TERMINATED=6',
  ]);
  assert.deepEqual(
    { ...PeeringState },
    { UNDEFINED: 0, PENDING: 1, ESTABLISHING: 2, ACTIVE: 3, FAILING: 4, DELETING: 5, TERMINATED: 6 },
  );
});

test('wire - field numbers, names and types of the stream messages match Consul', () => {
  const expected: [DescMessage, string[]][] = [
    [
      ReplicationMessageSchema,
      [
        `1 open ${C}.peerstream.ReplicationMessage.Open`,
        `2 request ${C}.peerstream.ReplicationMessage.Request`,
        `3 response ${C}.peerstream.ReplicationMessage.Response`,
        `4 terminated ${C}.peerstream.ReplicationMessage.Terminated`,
        `5 heartbeat ${C}.peerstream.ReplicationMessage.Heartbeat`,
      ],
    ],
    [
      ReplicationMessage_OpenSchema,
      ['1 PeerID string', '2 StreamSecretID string', `3 Remote ${C}.peering.RemoteInfo`],
    ],
    [
      ReplicationMessage_RequestSchema,
      ['1 PeerID string', '2 ResponseNonce string', '3 ResourceURL string', `5 Error ${C}.status.Status`],
    ],
    [
      ReplicationMessage_ResponseSchema,
      [
        '1 Nonce string',
        '2 ResourceURL string',
        '3 ResourceID string',
        '4 Resource google.protobuf.Any',
        `5 operation ${C}.peerstream.Operation`,
      ],
    ],
    [LeaderAddressSchema, ['1 address string']],
    [ExportedServiceSchema, [`1 Nodes repeated ${C}.service.CheckServiceNode`]],
    [ExportedServiceListSchema, ['1 Services repeated string']],
    [ExchangeSecretRequestSchema, ['1 PeerID string', '2 EstablishmentSecret string']],
    [ExchangeSecretResponseSchema, ['1 StreamSecret string']],
    [StatusSchema, ['1 code int32', '2 message string', '3 details repeated google.protobuf.Any']],
    [RpcStatusSchema, ['1 code int32', '2 message string', '3 details repeated google.protobuf.Any']],
    [RemoteInfoSchema, ['1 Partition string', '2 Datacenter string', `3 Locality ${C}.common.Locality`]],
    [
      PeeringTrustBundleSchema,
      [
        '1 TrustDomain string',
        '2 PeerName string',
        '3 Partition string',
        '4 RootPEMs repeated string',
        '5 ExportedPartition string',
        '6 CreateIndex uint64',
        '7 ModifyIndex uint64',
      ],
    ],
    [PeeringServerAddressesSchema, ['1 Addresses repeated string']],
    [
      PeeringSchema,
      [
        '1 ID string',
        '2 Name string',
        '3 Partition string',
        '4 DeletedAt google.protobuf.Timestamp',
        '5 Meta map<string,string>',
        `6 State ${C}.peering.PeeringState`,
        '7 PeerID string',
        '8 PeerCAPems repeated string',
        '9 PeerServerName string',
        '10 PeerServerAddresses repeated string',
        '11 CreateIndex uint64',
        '12 ModifyIndex uint64',
        `13 StreamStatus ${C}.peering.StreamStatus`,
        `17 Remote ${C}.peering.RemoteInfo`,
        '18 ManualServerAddresses repeated string',
      ],
    ],
    [
      StreamStatusSchema,
      [
        '1 ImportedServices repeated string',
        '2 ExportedServices repeated string',
        '3 LastHeartbeat google.protobuf.Timestamp',
        '4 LastReceive google.protobuf.Timestamp',
        '5 LastSend google.protobuf.Timestamp',
      ],
    ],
    [
      CheckServiceNodeSchema,
      [
        `1 Node ${C}.service.Node`,
        `2 Service ${C}.service.NodeService`,
        `3 Checks repeated ${C}.service.HealthCheck`,
      ],
    ],
    [
      NodeSchema,
      [
        '1 ID string',
        '2 Node string',
        '3 Address string',
        '4 Datacenter string',
        '5 TaggedAddresses map<string,string>',
        '6 Meta map<string,string>',
        `7 RaftIndex ${C}.common.RaftIndex`,
        '8 Partition string',
        '9 PeerName string',
        `10 Locality ${C}.common.Locality`,
      ],
    ],
    [
      NodeServiceSchema,
      [
        '1 Kind string',
        '2 ID string',
        '3 Service string',
        '4 Tags repeated string',
        '5 Address string',
        '6 Meta map<string,string>',
        '7 Port int32',
        `8 Weights ${C}.service.Weights`,
        '9 EnableTagOverride bool',
        `11 Proxy ${C}.service.ConnectProxyConfig`,
        `12 Connect ${C}.service.ServiceConnect`,
        '13 LocallyRegisteredAsSidecar bool',
        `14 RaftIndex ${C}.common.RaftIndex`,
        `15 TaggedAddresses map<string,${C}.service.ServiceAddress>`,
        `16 EnterpriseMeta ${C}.common.EnterpriseMeta`,
        '17 SocketPath string',
        '18 PeerName string',
        `19 Locality ${C}.common.Locality`,
        `20 Ports repeated ${C}.service.ServicePort`,
        `21 AI ${C}.service.AIConfig`,
      ],
    ],
    [
      HealthCheckSchema,
      [
        '1 Node string',
        '2 CheckID string',
        '3 Name string',
        '4 Status string',
        '5 Notes string',
        '6 Output string',
        '7 ServiceID string',
        '8 ServiceName string',
        '9 ServiceTags repeated string',
        `10 Definition ${C}.service.HealthCheckDefinition`,
        `11 RaftIndex ${C}.common.RaftIndex`,
        '12 Type string',
        `13 EnterpriseMeta ${C}.common.EnterpriseMeta`,
        '14 ExposedPort int32',
        '15 Interval string',
        '16 Timeout string',
        '17 PeerName string',
      ],
    ],
    [
      ServiceConnectSchema,
      [
        '1 Native bool',
        `3 SidecarService ${C}.service.ServiceDefinition`,
        `4 PeerMeta ${C}.service.PeeringServiceMeta`,
      ],
    ],
    [PeeringServiceMetaSchema, ['1 SNI repeated string', '2 SpiffeID repeated string', '3 Protocol string']],
    [WeightsSchema, ['1 Passing int32', '2 Warning int32']],
    [ServiceAddressSchema, ['1 Address string', '2 Port int32']],
    [RaftIndexSchema, ['1 CreateIndex uint64', '2 ModifyIndex uint64']],
    [EnterpriseMetaSchema, ['1 Namespace string', '2 Partition string']],
    [LocalitySchema, ['1 Region string', '2 Zone string']],
  ];
  for (const [schema, fields] of expected) {
    assert.deepEqual(signature(schema), fields, schema.typeName);
  }
  // Spot checks on the large proxy and check-definition messages.
  assert.equal(
    signature(ConnectProxyConfigSchema)[11],
    `12 EnvoyExtensions repeated ${C}.common.EnvoyExtension`,
  );
  assert.equal(signature(UpstreamSchema)[12], '13 DestinationPeer string');
  assert.equal(signature(HealthCheckDefinitionSchema)[23], '24 OSService string');
  // Numbers Consul never declares (or retired) stay free.
  assert.equal(ReplicationMessage_RequestSchema.field['Error']?.number, 5);
  assert.ok(!ReplicationMessage_RequestSchema.fields.some((f) => f.number === 4));
  assert.ok(!HealthCheckSchema.fields.some((f) => f.number === 18));
  assert.ok(!ServiceConnectSchema.fields.some((f) => f.number === 2));
});

test('wire - ReplicationMessage.open lays out PeerID, StreamSecretID and Remote at 1, 2, 3 inside field 1', () => {
  const msg = create(ReplicationMessageSchema, {
    Payload: {
      case: 'open',
      value: {
        PeerID: 'peer-1',
        StreamSecretID: 'secret',
        Remote: { Partition: 'default', Datacenter: 'dc2', Locality: { Region: 'r1', Zone: 'z1' } },
      },
    },
  });
  // Hand-computed: Locality = 8 bytes, Remote = 9 + 5 + 10 = 24 (0x18), Open = 8 + 8 + 26 = 42 (0x2a).
  const expected =
    '0a2a' +
    `0a06${asciiHex('peer-1')}` +
    `1206${asciiHex('secret')}` +
    '1a18' +
    `0a07${asciiHex('default')}` +
    `1203${asciiHex('dc2')}` +
    `1a08` +
    `0a02${asciiHex('r1')}` +
    `1202${asciiHex('z1')}`;
  const bytes = toBinary(ReplicationMessageSchema, msg);
  assert.equal(hex(bytes), expected);
  assert.equal(bytes.length, 44);
  const back = fromBinary(ReplicationMessageSchema, bytes);
  assert.ok(equals(ReplicationMessageSchema, back, msg));
  assert.equal(back.Payload.case, 'open');
});

test('wire - Request as subscription, ACK and NACK (Error at field 5, never field 4)', () => {
  const url = TYPE_URL_EXPORTED_SERVICE;
  const subscription = create(ReplicationMessageSchema, {
    Payload: { case: 'request', value: { ResourceURL: url } },
  });
  assert.equal(hex(toBinary(ReplicationMessageSchema, subscription)), hex(mField(2, sField(3, url))));
  // Sanity of the helper against a fully hand-written prefix: 0x12 = field 2 LEN, 0x1a = field 3 LEN.
  assert.ok(hex(toBinary(ReplicationMessageSchema, subscription)).startsWith(`124a1a48${asciiHex('type.')}`));

  const ack = create(ReplicationMessageSchema, {
    Payload: { case: 'request', value: { PeerID: 'peer-1', ResponseNonce: '00000001', ResourceURL: url } },
  });
  assert.equal(
    hex(toBinary(ReplicationMessageSchema, ack)),
    hex(mField(2, sField(1, 'peer-1'), sField(2, '00000001'), sField(3, url))),
  );

  const nack = create(ReplicationMessageSchema, {
    Payload: {
      case: 'request',
      value: { ResponseNonce: '0000000a', ResourceURL: url, Error: { code: 3, message: 'bad' } },
    },
  });
  const nackBytes = toBinary(ReplicationMessageSchema, nack);
  // Error = 0x2a (field 5, LEN), 7 bytes: 08 03 (code 3) 12 03 "bad".
  assert.ok(hex(nackBytes).endsWith(`2a0708031203${asciiHex('bad')}`));
  assert.equal(
    hex(nackBytes),
    hex(mField(2, sField(2, '0000000a'), sField(3, url), mField(5, vField(1, 3), sField(2, 'bad')))),
  );
  const back = fromBinary(ReplicationMessageSchema, nackBytes);
  assert.ok(back.Payload.case === 'request');
  assert.equal(back.Payload.value.Error?.code, 3);
  assert.equal(back.Payload.value.Error?.message, 'bad');
});

test('wire - Response carries Nonce, ResourceURL, ResourceID, Resource (Any) and operation at 1-5', () => {
  const exported = create(ExportedServiceListSchema, { Services: ['api', 'web'] });
  const msg = create(ReplicationMessageSchema, {
    Payload: {
      case: 'response',
      value: {
        Nonce: '00000001',
        ResourceURL: TYPE_URL_EXPORTED_SERVICE_LIST,
        ResourceID: 'exported-service-list',
        Resource: anyPack(ExportedServiceListSchema, exported),
        operation: Operation.UPSERT,
      },
    },
  });
  const listBytes = [...sField(1, 'api'), ...sField(1, 'web')];
  assert.equal(hex(listBytes), `0a03${asciiHex('api')}0a03${asciiHex('web')}`);
  const expected = mField(
    3,
    sField(1, '00000001'),
    sField(2, TYPE_URL_EXPORTED_SERVICE_LIST),
    sField(3, 'exported-service-list'),
    mField(4, sField(1, TYPE_URL_EXPORTED_SERVICE_LIST), bField(2, listBytes)),
    vField(5, 1),
  );
  const bytes = toBinary(ReplicationMessageSchema, msg);
  assert.equal(hex(bytes), hex(expected));
  assert.ok(hex(bytes).endsWith('2801'), 'operation = field 5 varint 1');

  const back = fromBinary(ReplicationMessageSchema, bytes);
  assert.ok(back.Payload.case === 'response');
  const resource = back.Payload.value.Resource;
  assert.ok(resource !== undefined);
  assert.equal(resource.typeUrl, back.Payload.value.ResourceURL);
  assert.deepEqual(anyUnpack(resource, ExportedServiceListSchema)?.Services, ['api', 'web']);
});

test('wire - Terminated and Heartbeat are written as empty members: tag then length 0', () => {
  const terminated = create(ReplicationMessageSchema, { Payload: { case: 'terminated', value: {} } });
  const heartbeat = create(ReplicationMessageSchema, { Payload: { case: 'heartbeat', value: {} } });
  assert.equal(hex(toBinary(ReplicationMessageSchema, terminated)), '2200');
  assert.equal(hex(toBinary(ReplicationMessageSchema, heartbeat)), '2a00');
  assert.equal(fromBinary(ReplicationMessageSchema, Uint8Array.of(0x22, 0x00)).Payload.case, 'terminated');
  assert.equal(fromBinary(ReplicationMessageSchema, Uint8Array.of(0x2a, 0x00)).Payload.case, 'heartbeat');
  // An empty ReplicationMessage (no payload) is zero bytes and decodes to case undefined.
  assert.equal(fromBinary(ReplicationMessageSchema, new Uint8Array()).Payload.case, undefined);
});

test('wire - ExchangeSecretRequest and ExchangeSecretResponse', () => {
  const req = create(ExchangeSecretRequestSchema, { PeerID: 'p-1', EstablishmentSecret: 'est' });
  assert.equal(
    hex(toBinary(ExchangeSecretRequestSchema, req)),
    `0a03${asciiHex('p-1')}1203${asciiHex('est')}`,
  );
  const res = create(ExchangeSecretResponseSchema, { StreamSecret: 'stream-secret' });
  assert.equal(hex(toBinary(ExchangeSecretResponseSchema, res)), `0a0d${asciiHex('stream-secret')}`);
  assert.ok(
    equals(
      ExchangeSecretRequestSchema,
      fromBinary(ExchangeSecretRequestSchema, toBinary(ExchangeSecretRequestSchema, req)),
      req,
    ),
  );
  assert.ok(
    equals(
      ExchangeSecretResponseSchema,
      fromBinary(ExchangeSecretResponseSchema, toBinary(ExchangeSecretResponseSchema, res)),
      res,
    ),
  );
});

test('wire - ExportedService with a replicated CheckServiceNode (two-byte tags for fields >= 16)', () => {
  const exported = create(ExportedServiceSchema, {
    Nodes: [
      {
        Node: {
          ID: 'a1b2',
          Node: 'node-1',
          Address: '10.0.0.5',
          Datacenter: 'dc1',
          TaggedAddresses: { lan: '10.0.0.5' },
          Meta: { rack: 'r1' },
        },
        Service: {
          ID: 'web-1',
          Service: 'web',
          Tags: ['v1'],
          Address: '10.0.0.5',
          Meta: { version: '1' },
          Port: 8080,
          Weights: { Passing: 1, Warning: 1 },
          TaggedAddresses: { lan_ipv4: { Address: '10.0.0.5', Port: 8080 } },
          EnterpriseMeta: {},
        },
        Checks: [
          {
            Node: 'node-1',
            CheckID: 'web-1:overall-check',
            Name: 'overall-check',
            Status: 'passing',
            ServiceID: 'web-1',
            ServiceName: 'web',
            EnterpriseMeta: {},
          },
        ],
      },
    ],
  });
  const node = [
    ...sField(1, 'a1b2'),
    ...sField(2, 'node-1'),
    ...sField(3, '10.0.0.5'),
    ...sField(4, 'dc1'),
    ...mapEntry(5, 'lan', '10.0.0.5'),
    ...mapEntry(6, 'rack', 'r1'),
  ];
  const service = [
    ...sField(2, 'web-1'),
    ...sField(3, 'web'),
    ...sField(4, 'v1'),
    ...sField(5, '10.0.0.5'),
    ...mapEntry(6, 'version', '1'),
    ...vField(7, 8080),
    ...mField(8, vField(1, 1), vField(2, 1)),
    ...mField(15, sField(1, 'lan_ipv4'), mField(2, sField(1, '10.0.0.5'), vField(2, 8080))),
    ...mField(16),
  ];
  const check = [
    ...sField(1, 'node-1'),
    ...sField(2, 'web-1:overall-check'),
    ...sField(3, 'overall-check'),
    ...sField(4, 'passing'),
    ...sField(7, 'web-1'),
    ...sField(8, 'web'),
    ...mField(13),
  ];
  const expected = mField(1, mField(1, node), mField(2, service), mField(3, check));
  const bytes = toBinary(ExportedServiceSchema, exported);
  assert.equal(hex(bytes), hex(expected));
  // Hand-checked pieces: Port 8080 = 38 90 3f; Weights = 42 04 08 01 10 01; EnterpriseMeta (16) = 82 01 00;
  // the check's EnterpriseMeta (13) = 6a 00.
  assert.ok(hex(bytes).includes('38903f'));
  assert.ok(hex(bytes).includes('420408011001'));
  assert.ok(hex(bytes).includes('820100'));
  assert.ok(hex(bytes).endsWith('6a00'));
  assert.ok(equals(ExportedServiceSchema, fromBinary(ExportedServiceSchema, bytes), exported));
});

test('wire - PeeringTrustBundle, PeeringServerAddresses and ExportedServiceList payloads', () => {
  const bundle = create(PeeringTrustBundleSchema, {
    TrustDomain: '1111.consul',
    RootPEMs: ['PEM'],
    ExportedPartition: 'default',
  });
  assert.equal(
    hex(toBinary(PeeringTrustBundleSchema, bundle)),
    `0a0b${asciiHex('1111.consul')}2203${asciiHex('PEM')}2a07${asciiHex('default')}`,
  );
  const addrs = create(PeeringServerAddressesSchema, { Addresses: ['10.0.0.1:8503', '10.0.0.2:8503'] });
  assert.equal(
    hex(toBinary(PeeringServerAddressesSchema, addrs)),
    `0a0d${asciiHex('10.0.0.1:8503')}0a0d${asciiHex('10.0.0.2:8503')}`,
  );
  const empty = create(ExportedServiceSchema, { Nodes: [] });
  assert.equal(
    toBinary(ExportedServiceSchema, empty).length,
    0,
    'an empty ExportedService (delete) is 0 bytes',
  );
});

test('wire - resources round-trip through Any with the exact Consul type URLs', () => {
  const cases = [
    [
      ExportedServiceSchema,
      TYPE_URL_EXPORTED_SERVICE,
      create(ExportedServiceSchema, { Nodes: [{ Node: { Node: 'n1' } }] }),
    ],
    [
      ExportedServiceListSchema,
      TYPE_URL_EXPORTED_SERVICE_LIST,
      create(ExportedServiceListSchema, { Services: ['web'] }),
    ],
    [
      PeeringTrustBundleSchema,
      TYPE_URL_PEERING_TRUST_BUNDLE,
      create(PeeringTrustBundleSchema, { TrustDomain: 'td.consul', RootPEMs: ['x'] }),
    ],
    [
      PeeringServerAddressesSchema,
      TYPE_URL_PEERING_SERVER_ADDRESSES,
      create(PeeringServerAddressesSchema, { Addresses: ['h:1'] }),
    ],
    [LeaderAddressSchema, TYPE_URL_LEADER_ADDRESS, create(LeaderAddressSchema, { address: '10.0.0.1:8300' })],
  ] as const;
  for (const [schema, url, message] of cases) {
    assert.equal(`type.googleapis.com/${schema.typeName}`, url);
    const any = anyPack(schema as DescMessage, message);
    assert.equal(any.typeUrl, url);
    assert.ok(anyIs(any, schema));
    const wire = toBinary(AnySchema, any);
    assert.equal(
      hex(wire),
      hex([...sField(1, url), ...bField(2, [...toBinary(schema as DescMessage, message)])]),
    );
    const unpacked = anyUnpack(fromBinary(AnySchema, wire), registry);
    assert.ok(unpacked !== undefined, url);
    assert.ok(equals(schema as DescMessage, unpacked, message), url);
  }
});

test('wire - google.rpc.Status carries a LeaderAddress detail for FAILED_PRECONDITION', () => {
  const leader = create(LeaderAddressSchema, { address: '10.0.0.9:8300' });
  const status = create(RpcStatusSchema, {
    code: 9,
    message: 'cannot establish a peering stream on a follower node',
    details: [anyPack(LeaderAddressSchema, leader)],
  });
  const bytes = toBinary(RpcStatusSchema, status);
  assert.equal(
    hex(bytes),
    hex([
      ...vField(1, 9),
      ...sField(2, 'cannot establish a peering stream on a follower node'),
      ...mField(3, sField(1, TYPE_URL_LEADER_ADDRESS), bField(2, sField(1, '10.0.0.9:8300'))),
    ]),
  );
  // Consul's own status message has the same layout, so either schema decodes the other's bytes.
  const asConsul = fromBinary(StatusSchema, bytes);
  assert.equal(asConsul.code, 9);
  const detail = asConsul.details[0];
  assert.ok(detail !== undefined);
  assert.equal(anyUnpack(detail, LeaderAddressSchema)?.address, '10.0.0.9:8300');
});

test('wire - Peering uses two-byte tags for Remote (17) and ManualServerAddresses (18); uint64 as bigint', () => {
  const peering = create(PeeringSchema, {
    ID: 'id-1',
    Name: 'east',
    DeletedAt: { seconds: 1_700_000_000n, nanos: 5 },
    Meta: { env: 'prod' },
    State: PeeringState.ACTIVE,
    PeerID: 'peer-9',
    PeerCAPems: ['ca'],
    PeerServerName: 'server.dc2.peering.td.consul',
    PeerServerAddresses: ['10.1.0.1:8503'],
    CreateIndex: 300n,
    ModifyIndex: 301n,
    StreamStatus: { ImportedServices: ['web'], LastHeartbeat: { seconds: 1n } },
    Remote: { Partition: 'default', Datacenter: 'dc2' },
    ManualServerAddresses: ['lb:443'],
  });
  const expected = [
    ...sField(1, 'id-1'),
    ...sField(2, 'east'),
    ...mField(4, vField(1, 1_700_000_000n), vField(2, 5)),
    ...mapEntry(5, 'env', 'prod'),
    ...vField(6, 3),
    ...sField(7, 'peer-9'),
    ...sField(8, 'ca'),
    ...sField(9, 'server.dc2.peering.td.consul'),
    ...sField(10, '10.1.0.1:8503'),
    ...vField(11, 300),
    ...vField(12, 301),
    ...mField(13, sField(1, 'web'), mField(3, vField(1, 1))),
    ...mField(17, sField(1, 'default'), sField(2, 'dc2')),
    ...sField(18, 'lb:443'),
  ];
  const bytes = toBinary(PeeringSchema, peering);
  assert.equal(hex(bytes), hex(expected));
  // State ACTIVE = 30 03; CreateIndex 300 = 58 ac 02; Remote tag = 8a 01; ManualServerAddresses tag = 92 01.
  assert.ok(hex(bytes).includes('3003'));
  assert.ok(hex(bytes).includes('58ac02'));
  assert.ok(hex(bytes).includes('8a010e'), 'Remote: tag 8a 01, 14 bytes');
  assert.ok(hex(bytes).endsWith(`9201066c623a343433`));
  const back = fromBinary(PeeringSchema, bytes);
  assert.ok(equals(PeeringSchema, back, peering));
  assert.equal(back.CreateIndex, 300n);

  const list = create(PeeringListResponseSchema, { Peerings: [peering], OBSOLETEIndex: 42n });
  const listBytes = toBinary(PeeringListResponseSchema, list);
  assert.equal(hex(listBytes), hex([...bField(1, [...bytes]), ...vField(2, 42)]));
});

test('wire - decoders skip fields from other Consul releases and keep unknown enum values', () => {
  // A HealthCheck with a field 18 from a later release (here a string) and a field 99 varint.
  const known = [...sField(2, 'web-1:overall-check'), ...sField(4, 'critical')];
  const check = fromBinary(
    HealthCheckSchema,
    Uint8Array.from([...known, ...sField(18, 'later'), ...vField(99, 7)]),
  );
  assert.equal(check.CheckID, 'web-1:overall-check');
  assert.equal(check.Status, 'critical');
  // A pre-1.14 OPERATION_DELETE (2) survives decoding as the number 2, so the receiver can NACK it.
  const response = fromBinary(
    ReplicationMessageSchema,
    Uint8Array.from(mField(3, sField(1, '00000002'), sField(2, TYPE_URL_EXPORTED_SERVICE), vField(5, 2))),
  );
  assert.ok(response.Payload.case === 'response');
  assert.equal(response.Payload.value.operation, 2);
  // A Request with the undeclared number 4 still decodes.
  const request = fromBinary(
    ReplicationMessageSchema,
    Uint8Array.from(mField(2, sField(3, TYPE_URL_EXPORTED_SERVICE), sField(4, 'x'))),
  );
  assert.ok(request.Payload.case === 'request');
  assert.equal(request.Payload.value.ResourceURL, TYPE_URL_EXPORTED_SERVICE);
});

// ---------------------------------------------------------------------------------------------------------------
// Generic encode/decode of every generated message, each field set to a non-default value.

const MAX_DEPTH = 3;

function scalarSample(type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return 'v';
    case ScalarType.BYTES:
      return Uint8Array.of(1, 2, 3);
    case ScalarType.BOOL:
      return true;
    case ScalarType.INT64:
    case ScalarType.UINT64:
    case ScalarType.SINT64:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return 300n;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return 1.5;
    case ScalarType.INT32:
    case ScalarType.UINT32:
    case ScalarType.SINT32:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return 300;
  }
}

function messageSample(schema: DescMessage, depth: number): Record<string, unknown> | undefined {
  switch (schema.typeName) {
    case 'google.protobuf.Timestamp':
    case 'google.protobuf.Duration':
      return { seconds: 1_700_000_000n, nanos: 7 };
    case 'google.protobuf.Struct':
      return { fields: { k: { kind: { case: 'stringValue', value: 'v' } } } };
    case 'google.protobuf.Any':
      return anyPack(LeaderAddressSchema, create(LeaderAddressSchema, { address: 'h:1' }));
  }
  if (depth > MAX_DEPTH) return undefined;
  const init: Record<string, unknown> = {};
  for (const field of schema.fields) {
    const value = fieldSample(field, depth);
    if (value === undefined) continue;
    if (field.oneof !== undefined) {
      // Only the first member of each oneof.
      if (init[field.oneof.localName] === undefined) {
        init[field.oneof.localName] = { case: field.localName, value };
      }
    } else {
      init[field.localName] = value;
    }
  }
  return init;
}

function fieldSample(field: DescField, depth: number): unknown {
  const element = (kind: 'scalar' | 'enum' | 'message'): unknown => {
    if (kind === 'scalar') return scalarSample(field.scalar ?? ScalarType.STRING);
    if (kind === 'enum') return field.enum?.values[1]?.number ?? 0;
    return field.message === undefined ? undefined : messageSample(field.message, depth + 1);
  };
  switch (field.fieldKind) {
    case 'scalar':
    case 'enum':
    case 'message':
      return element(field.fieldKind);
    case 'list': {
      const item = element(field.listKind);
      return item === undefined ? undefined : [item, item];
    }
    case 'map': {
      const value = element(field.mapKind);
      return value === undefined ? undefined : { k1: value, k2: value };
    }
  }
}

function allMessages(): DescMessage[] {
  const out: DescMessage[] = [];
  const visit = (m: DescMessage): void => {
    out.push(m);
    m.nestedMessages.forEach(visit);
  };
  for (const file of ALL_FILES) file.messages.forEach(visit);
  return out;
}

test('wire - every generated message encodes and decodes losslessly, deterministically', () => {
  const messages = allMessages();
  assert.ok(messages.length >= 70, `expected all messages, got ${messages.length}`);
  for (const schema of messages) {
    const init = messageSample(schema, 0) ?? {};
    const message = create(schema, init);
    const bytes = toBinary(schema, message);
    if (schema.fields.length > 0) assert.ok(bytes.length > 0, `${schema.typeName} encoded to nothing`);
    const back = fromBinary(schema, bytes);
    assert.ok(equals(schema, back, message), `${schema.typeName} did not round-trip`);
    assert.equal(hex(toBinary(schema, back)), hex(bytes), `${schema.typeName} re-encoded differently`);
  }
});

test('wire - a stream sequence (open, request, response, heartbeat, terminated) round-trips in order', () => {
  const sequence: ReplicationMessage[] = [
    create(ReplicationMessageSchema, {
      Payload: { case: 'open', value: { PeerID: 'p', StreamSecretID: 's' } },
    }),
    create(ReplicationMessageSchema, {
      Payload: { case: 'request', value: { ResourceURL: TYPE_URL_EXPORTED_SERVICE } },
    }),
    create(ReplicationMessageSchema, {
      Payload: {
        case: 'response',
        value: {
          Nonce: '00000001',
          ResourceURL: TYPE_URL_PEERING_TRUST_BUNDLE,
          ResourceID: 'roots',
          Resource: anyPack(
            PeeringTrustBundleSchema,
            create(PeeringTrustBundleSchema, { TrustDomain: 'td' }),
          ),
          operation: Operation.UPSERT,
        },
      },
    }),
    create(ReplicationMessageSchema, { Payload: { case: 'heartbeat', value: {} } }),
    create(ReplicationMessageSchema, { Payload: { case: 'terminated', value: {} } }),
  ];
  const decoded = sequence
    .map((m) => toBinary(ReplicationMessageSchema, m))
    .map((bytes) => fromBinary(ReplicationMessageSchema, bytes));
  assert.deepEqual(
    decoded.map((m) => m.Payload.case),
    ['open', 'request', 'response', 'heartbeat', 'terminated'],
  );
  decoded.forEach((m, i) => {
    const original = sequence[i];
    assert.ok(original !== undefined && equals(ReplicationMessageSchema, m, original));
  });
  // Remote in Open is optional: a 1.13-era Open (fields 1 and 2 only) decodes with Remote undefined.
  const first = decoded[0];
  assert.ok(first?.Payload.case === 'open');
  assert.equal(first.Payload.value.Remote, undefined);
});
