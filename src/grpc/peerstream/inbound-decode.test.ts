import assert from 'node:assert/strict';
import { test } from 'node:test';

import { create, toBinary } from '@bufbuild/protobuf';
import { AnySchema } from '@bufbuild/protobuf/wkt';

import { RaftIndexSchema } from '../generated/hashicorp/consul/internal/common/common_pb.js';
import {
  ExportedServiceSchema,
  ReplicationMessage_ResponseSchema,
  ReplicationMessageSchema,
} from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { TYPE_URL, type CheckServiceNode, type ReplicationMessage } from '../../peering/index.js';
import { toProtoCheckServiceNode } from './convert.js';
import { toWireMessage } from './encoded-response.js';
import {
  IGNORED_MESSAGE,
  NOT_HANDLED,
  decodeFast,
  decodeGeneric,
  decodeInbound,
  type InboundMessage,
} from './inbound-decode.js';
import { replicationMessageCodec } from './methods.js';
import { sampleMessages, sampleNode } from './testing/samples.js';

/** The bytes a peer's stream writes for `msg` (pre-encoded responses included). */
const wire = (msg: ReplicationMessage): Buffer => replicationMessageCodec.serialize(toWireMessage(msg));

type Outcome = { ok: true; value: InboundMessage } | { ok: false };

function generic(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, value: decodeGeneric(bytes) ?? IGNORED_MESSAGE };
  } catch {
    return { ok: false };
  }
}

function inbound(bytes: Uint8Array): Outcome {
  try {
    return { ok: true, value: decodeInbound(bytes) };
  } catch {
    return { ok: false };
  }
}

/**
 * The property: the fast path never throws; when it answers, the generated decoder gives the same message (same
 * values, same key order); and the codec's decode equals the generated one or both refuse. Returns whether the
 * fast path answered.
 */
function assertEquivalent(bytes: Uint8Array, label: string): boolean {
  let fast: ReturnType<typeof decodeFast>;
  assert.doesNotThrow(() => {
    fast = decodeFast(bytes);
  }, label);
  const ref = generic(bytes);
  const got = inbound(bytes);
  assert.equal(got.ok, ref.ok, `${label}: one refused, the other did not`);
  if (got.ok && ref.ok) {
    assert.deepStrictEqual(got.value, ref.value, label);
    assert.equal(JSON.stringify(got.value), JSON.stringify(ref.value), `${label}: key order`);
  }
  if (fast! === NOT_HANDLED) return false;
  assert.ok(ref.ok, `${label}: the fast path accepted what the generated decoder refuses`);
  assert.deepStrictEqual(fast!, ref.value, label);
  return true;
}

/** A small deterministic PRNG (xorshift32), so a failure is reproducible from its seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const ALPHABET = ['a', 'Z', '0', '-', '.', ':', '/', ' ', 'é', '✓', '𝄞', '\u0000', '\ufeff'];

function randomString(r: () => number, max = 12): string {
  const len = Math.floor(r() * (max + 1));
  let s = '';
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(r() * ALPHABET.length)]!;
  return s;
}

function randomMap(r: () => number): Record<string, string> {
  const out: Record<string, string> = {};
  const n = Math.floor(r() * 4);
  for (let i = 0; i < n; i++)
    out[r() < 0.2 ? String(Math.floor(r() * 100)) : randomString(r, 6)] = randomString(r);
  return out;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/** A random instance in the domain shape (optional fields sometimes absent, edge values included). */
function randomNode(r: () => number): CheckServiceNode {
  const n = sampleNode();
  n.Node = {
    ID: randomString(r),
    Node: randomString(r),
    Address: randomString(r),
    Datacenter: randomString(r),
    TaggedAddresses: randomMap(r),
    Meta: randomMap(r),
    ...(r() < 0.5 ? { PeerName: randomString(r) } : {}),
  };
  const s = n.Service;
  s.Kind = pick(r, ['', 'connect-proxy', 'mesh-gateway', 'terminating-gateway'] as const);
  s.ID = randomString(r);
  s.Service = randomString(r);
  s.Tags = Array.from({ length: Math.floor(r() * 3) }, () => randomString(r));
  s.Meta = randomMap(r);
  s.Port = pick(r, [0, 1, 80, 8080, 65535, 2 ** 31 - 1, -1]);
  s.Weights = { Passing: pick(r, [0, 1, 3, 300]), Warning: pick(r, [0, 1, -5]) };
  s.EnableTagOverride = r() < 0.5;
  if (r() < 0.5) s.TaggedAddresses = { [randomString(r, 4)]: { Address: randomString(r), Port: 1 } };
  else delete s.TaggedAddresses;
  if (r() < 0.5) s.SocketPath = randomString(r);
  else delete s.SocketPath;
  if (r() < 0.5) s.Locality = { Region: randomString(r), Zone: randomString(r) };
  else delete s.Locality;
  if (r() < 0.5) s.PeerName = randomString(r);
  else delete s.PeerName;
  n.Checks = Array.from({ length: Math.floor(r() * 3) }, () => ({
    ...sampleNode().Checks[0]!,
    Node: randomString(r),
    CheckID: randomString(r),
    // Consul exporters send `maintenance` (and could send anything): the importer's mapping applies.
    Status: pick(r, ['passing', 'warning', 'critical', 'maintenance', '']) as 'passing',
    Output: randomString(r, 40),
    ServiceTags: Array.from({ length: Math.floor(r() * 2) }, () => randomString(r)),
    ExposedPort: pick(r, [0, 21500, -3]),
  }));
  return n;
}

function response(nodes: CheckServiceNode[], nonce = '00000001'): ReplicationMessage {
  return {
    kind: 'response',
    nonce,
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'web',
    resource: { type: 'exported-service', nodes },
    operation: 1,
  };
}

test('inbound decode - real messages of every kind decode as the generated decoder does', () => {
  let fast = 0;
  for (const [i, msg] of sampleMessages().entries()) {
    if (assertEquivalent(wire(msg), `sample ${i} (${msg.kind})`)) fast++;
  }
  // The hot messages (ExportedService responses, or responses with no resource, and requests: ACKs and NACKs)
  // take the fast path; the rest go to the generated decoder.
  const hot = sampleMessages().filter(
    (m) =>
      m.kind === 'request' ||
      (m.kind === 'response' && (m.resource === undefined || m.resource.type === 'exported-service')),
  ).length;
  assert.equal(fast, hot);
  assert.ok(hot >= 2);
});

test('inbound decode - the fast path answers with the domain instances of an exported service', () => {
  const nodes = [sampleNode(), sampleNode()];
  const got = decodeFast(wire(response(nodes)));
  assert.notEqual(got, NOT_HANDLED);
  assert.deepStrictEqual(got, response(nodes));
  // An empty frame has no payload: ignored, as before.
  assert.equal(decodeInbound(new Uint8Array()), IGNORED_MESSAGE);
});

test('inbound decode - random exported services decode exactly as the generated decoder does', () => {
  const r = rng(0x5eed);
  let fast = 0;
  const runs = 400;
  for (let i = 0; i < runs; i++) {
    const nodes = Array.from({ length: Math.floor(r() * 4) }, () => randomNode(r));
    if (assertEquivalent(wire(response(nodes, randomString(r, 8))), `random ${i}`)) fast++;
  }
  // Only unknown service kinds (a quarter of the instances) send a message to the generic path.
  assert.ok(fast > runs / 4, `fast path answered ${fast} of ${runs}`);
});

test('inbound decode - random ACKs and NACKs decode exactly as the generated decoder does', () => {
  const r = rng(0xac4);
  for (let i = 0; i < 300; i++) {
    const msg: ReplicationMessage = {
      kind: 'request',
      peerId: randomString(r),
      responseNonce: randomString(r, 8),
      resourceUrl: pick(r, [TYPE_URL.exportedService, TYPE_URL.trustBundle, randomString(r)]),
      // (A negative code is a 10-byte varint: left to the generated decoder, checked by assertEquivalent.)
      error: r() < 0.5 ? undefined : { code: pick(r, [0, 3, 13, 2 ** 31 - 1]), message: randomString(r, 30) },
    };
    assert.ok(assertEquivalent(wire(msg), `request ${i}`), `request ${i} not on the fast path`);
    const negative = { ...msg, error: { code: -1, message: 'm' } };
    assertEquivalent(wire(negative), `request ${i} with a negative code`);
  }
  // A status with details (Consul never sends them) is left to the generated decoder.
  const withDetails = new Uint8Array([0x12, 0x08, 0x2a, 0x06, 0x08, 0x03, 0x1a, 0x02, 0x0a, 0x00]);
  assert.equal(decodeFast(withDetails), NOT_HANDLED);
  assertEquivalent(withDetails, 'status details');
});

test('inbound decode - a Consul-style instance (Raft indexes set, unknown fields everywhere) takes the fast path', () => {
  const pbNode = toProtoCheckServiceNode(sampleNode());
  const unknown = (no: number): { no: number; wireType: number; data: Uint8Array }[] => [
    { no, wireType: 0, data: new Uint8Array([0x96, 0x01]) },
    { no: no + 1, wireType: 2, data: new Uint8Array([0x02, 0x41, 0x42]) },
    { no: no + 2, wireType: 5, data: new Uint8Array([1, 2, 3, 4]) },
    { no: no + 3, wireType: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
  pbNode.Node!.RaftIndex = create(RaftIndexSchema, { CreateIndex: 12n, ModifyIndex: 2n ** 63n });
  pbNode.Service!.RaftIndex = create(RaftIndexSchema, { CreateIndex: 7n, ModifyIndex: 9n });
  pbNode.Checks[0]!.RaftIndex = create(RaftIndexSchema, { CreateIndex: 1n, ModifyIndex: 1n });
  pbNode.$unknown = unknown(100);
  pbNode.Node!.$unknown = unknown(200);
  pbNode.Service!.$unknown = unknown(300);
  pbNode.Checks[0]!.$unknown = unknown(400);
  pbNode.Service!.Weights!.$unknown = unknown(500);
  const service = create(ExportedServiceSchema, { Nodes: [pbNode, pbNode] });
  service.$unknown = unknown(600);
  const any = create(AnySchema, {
    typeUrl: TYPE_URL.exportedService,
    value: toBinary(ExportedServiceSchema, service),
  });
  const resp = create(ReplicationMessage_ResponseSchema, {
    Nonce: 'n1',
    ResourceURL: TYPE_URL.exportedService,
    ResourceID: 'web',
    operation: 1,
    Resource: any,
  });
  resp.$unknown = unknown(700);
  const msg = create(ReplicationMessageSchema, { Payload: { case: 'response', value: resp } });
  msg.$unknown = unknown(800);
  const bytes = toBinary(ReplicationMessageSchema, msg);
  assert.ok(assertEquivalent(bytes, 'consul-style'), 'expected the fast path to answer');
});

test('inbound decode - what the fast path leaves to the generated decoder gives the same result', () => {
  const withConnect = sampleNode();
  withConnect.Service.Kind = 'connect-proxy';
  withConnect.Service.Proxy = { DestinationServiceName: 'web', LocalServicePort: 8080 };
  withConnect.Service.Connect = { Native: true };
  const unknownKind = sampleNode();
  (unknownKind.Service as { Kind: string }).Kind = 'api-gateway-v9';
  const mismatch = create(ReplicationMessageSchema, {
    Payload: {
      case: 'response',
      value: create(ReplicationMessage_ResponseSchema, {
        Nonce: 'n',
        ResourceURL: TYPE_URL.exportedService,
        ResourceID: 'web',
        operation: 1,
        Resource: create(AnySchema, { typeUrl: TYPE_URL.trustBundle, value: new Uint8Array() }),
      }),
    },
  });
  const cases: [string, Uint8Array][] = [
    ['connect and proxy', wire(response([withConnect]))],
    ['unknown service kind', wire(response([unknownKind]))],
    ['type URL mismatch', toBinary(ReplicationMessageSchema, mismatch)],
  ];
  for (const [label, bytes] of cases) {
    assert.equal(decodeFast(bytes), NOT_HANDLED, label);
    assertEquivalent(bytes, label);
  }
  const resource = (decodeInbound(cases[1]![1]) as Extract<ReplicationMessage, { kind: 'response' }>)
    .resource;
  assert.equal(resource?.type, 'undecodable');
});

test('inbound decode - malformed bytes: same result or both refuse, never an uncaught throw', () => {
  const r = rng(0xbad);
  const seeds = [
    wire(response([sampleNode()])),
    wire(response([randomNode(r), randomNode(r)])),
    ...sampleMessages().map(wire),
  ];
  let refused = 0;
  let checked = 0;
  for (const seed of seeds) {
    // Every truncation.
    for (let n = 0; n < seed.length; n++) {
      assertEquivalent(seed.subarray(0, n), `truncated to ${n}`);
      checked++;
    }
    // Random byte edits: flips, 0xff/0x80 bytes (bad varints, invalid UTF-8), inserted and removed bytes.
    for (let k = 0; k < 300; k++) {
      const bytes = Array.from(seed);
      const edits = 1 + Math.floor(r() * 3);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * bytes.length);
        const what = r();
        if (what < 0.4) bytes[at] = (bytes[at] ?? 0) ^ (1 << Math.floor(r() * 8));
        else if (what < 0.6) bytes[at] = pick(r, [0xff, 0x80, 0xc3, 0x07, 0x0b, 0x0c]);
        else if (what < 0.8) bytes.splice(at, 0, Math.floor(r() * 256));
        else bytes.splice(at, 1);
      }
      const buf = Buffer.from(bytes);
      if (!generic(buf).ok) refused++;
      assertEquivalent(buf, `mutation ${k}`);
      checked++;
    }
  }
  // The mutations did reach the refusal paths (a test of refusals that refuses nothing proves nothing).
  assert.ok(refused > 50, `only ${refused} of ${checked} inputs were refused`);
});

test('inbound decode - invalid UTF-8 in a string refuses the frame, inside the resource makes it undecodable', () => {
  const bad = new Uint8Array([0xc3, 0x28]);
  // ReplicationMessage.response { Nonce: <bad> }
  const outer = new Uint8Array([0x1a, 4, 0x0a, 2, ...bad]);
  assert.equal(decodeFast(outer), NOT_HANDLED);
  assert.throws(() => decodeInbound(outer));
  const msg = response([{ ...sampleNode(), Node: { ...sampleNode().Node, Node: 'BAD' } }]);
  const bytes = wire(msg);
  const at = bytes.indexOf(Buffer.from('BAD'));
  bytes[at] = 0xc3;
  bytes[at + 1] = 0x28;
  assertEquivalent(bytes, 'bad utf-8 in an instance');
  const got = decodeInbound(bytes) as Extract<ReplicationMessage, { kind: 'response' }>;
  assert.equal(got.resource?.type, 'undecodable');
});

test('inbound decode - a map key __proto__ is a key, not a prototype', () => {
  const n = sampleNode();
  n.Node.Meta = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
  const bytes = wire(response([n]));
  assertEquivalent(bytes, '__proto__ key');
  const got = decodeInbound(bytes) as Extract<ReplicationMessage, { kind: 'response' }>;
  const node = got.resource?.type === 'exported-service' ? got.resource.nodes[0] : undefined;
  assert.equal(Object.getPrototypeOf(node?.Node.Meta), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(node?.Node.Meta, '__proto__')?.value, 'x');
});
