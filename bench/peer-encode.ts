/**
 * Per-peer encode cost of one replicated change: a service of 10 instances (as bench/peer-fanout.ts exports) sent
 * to N peers. Each peer's Response differs only in its nonce; `toWireMessage` (src/grpc/peerstream/
 * encoded-response.ts) encodes the shared part once per resource object and prepends each nonce. Baseline in the
 * same run: the generic path every message took before (`toProtoMessage` + the protobuf-es serialiser) for the
 * same messages. CPU time (process.cpuUsage), alternating rounds; printed per added peer per change, and as a ratio.
 *
 *   node --import tsx bench/peer-encode.ts
 */
import { toBinary } from '@bufbuild/protobuf';
import { ReplicationMessageSchema } from '../src/grpc/generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { toProtoMessage } from '../src/grpc/peerstream/convert.js';
import { toWireMessage } from '../src/grpc/peerstream/encoded-response.js';
import { replicationMessageCodec } from '../src/grpc/peerstream/methods.js';
import { sampleNode } from '../src/grpc/peerstream/testing/samples.js';
import { TYPE_URL, type ReplicationMessage, type Resource } from '../src/peering/index.js';
import { runBench } from './lib/cleanup.js';
import { fmt, median, printHeader, printReproduce, printTable, ratio } from './lib/stats.js';

const COMMAND = 'node --import tsx bench/peer-encode.ts';
const PEERS = 10;
const CHANGES = 2_000;
const ROUNDS = 5;

function change(i: number): Resource {
  const nodes = Array.from({ length: 10 }, (_, k) => ({
    ...sampleNode(),
    Node: { ...sampleNode().Node, Node: `node-${i}-${k}` },
  }));
  return { type: 'exported-service', nodes };
}

function message(resource: Resource, nonce: number): ReplicationMessage {
  return {
    kind: 'response',
    nonce: String(nonce).padStart(8, '0'),
    resourceUrl: TYPE_URL.exportedService,
    resourceId: 'svc',
    resource,
    operation: 1,
  };
}

/** CPU µs per added peer per change of `encode` over fresh resources (each encoded for PEERS more peers). */
function measure(encode: (m: ReplicationMessage) => number): number {
  const resources = Array.from({ length: CHANGES }, (_, i) => change(i));
  // The first peer of each change (the shared encode, same in both paths' caches) is left out: what is timed is
  // what each further peer adds.
  let bytes = 0;
  for (let i = 0; i < CHANGES; i++) bytes += encode(message(resources[i]!, 0));
  const u0 = process.cpuUsage();
  for (let i = 0; i < CHANGES; i++) {
    for (let p = 0; p < PEERS; p++) bytes += encode(message(resources[i]!, i * PEERS + p));
  }
  const u = process.cpuUsage(u0);
  if (bytes === 0) throw new Error('nothing encoded');
  return (u.user + u.system) / CHANGES / PEERS;
}

const generic = (m: ReplicationMessage): number =>
  toBinary(ReplicationMessageSchema, toProtoMessage(m)).length;
const shared = (m: ReplicationMessage): number => replicationMessageCodec.serialize(toWireMessage(m)).length;

async function main(): Promise<void> {
  printHeader('peer-encode', `per-peer encode of a 10-instance Response to ${PEERS} peers`);
  const a: number[] = [];
  const b: number[] = [];
  measure(generic);
  measure(shared);
  for (let r = 0; r < ROUNDS; r++) {
    a.push(measure(generic));
    b.push(measure(shared));
  }
  const base = median(a);
  const now = median(b);
  printTable(
    `CPU per added peer per change (median of ${ROUNDS} alternating rounds of ${CHANGES} changes × ${PEERS} peers)`,
    ['encoding', 'µs per added peer per change', 'vs generic'],
    [
      ['generic (toProtoMessage + toBinary), baseline', fmt(base, 1), '1.00x'],
      ['shared tail + nonce (toWireMessage)', fmt(now, 1), ratio(now, base)],
    ],
  );
  console.log(
    '\nPer added peer: each change was first encoded once (building the shared Any, and the shared tail) untimed.',
  );
  printReproduce(COMMAND);
  await Promise.resolve();
}

await runBench('peer-encode', main);
