import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromBinary, toBinary } from '@bufbuild/protobuf';

import { ReplicationMessageSchema } from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { TYPE_URL, type ReplicationMessage, type Resource } from '../../peering/index.js';
import { fromProtoMessage, toProtoMessage } from './convert.js';
import { EncodedMessage, toWireMessage } from './encoded-response.js';
import { replicationMessageCodec } from './methods.js';
import { sampleMessages, sampleNode } from './testing/samples.js';

/** What the generated encoder writes for `msg` (the reference the shared-tail encoding must equal). */
function reference(msg: ReplicationMessage): Buffer {
  return Buffer.from(toBinary(ReplicationMessageSchema, toProtoMessage(msg)));
}

function wire(msg: ReplicationMessage): Buffer {
  return replicationMessageCodec.serialize(toWireMessage(msg));
}

function response(nonce: string, resourceId: string, resource: Resource, operation = 1): ReplicationMessage {
  return { kind: 'response', nonce, resourceUrl: TYPE_URL.exportedService, resourceId, resource, operation };
}

test('peerstream encoded-response - every sample message serialises to the generated encoder’s bytes', () => {
  for (const msg of sampleMessages()) {
    const bytes = wire(msg);
    assert.deepEqual(bytes, reference(msg), JSON.stringify(msg).slice(0, 80));
    // And Consul's generated types read it back as the same message.
    assert.deepEqual(
      fromProtoMessage(fromBinary(ReplicationMessageSchema, bytes)),
      fromProtoMessage(toProtoMessage(msg)),
    );
  }
});

test('peerstream encoded-response - responses with a resource go pre-encoded, other messages as messages', () => {
  const [withResource, withoutResource] = [
    sampleMessages().find((m) => m.kind === 'response' && m.resource !== undefined)!,
    sampleMessages().find((m) => m.kind === 'response' && m.resource === undefined)!,
  ];
  assert.ok(toWireMessage(withResource) instanceof EncodedMessage);
  assert.ok(!(toWireMessage(withoutResource) instanceof EncodedMessage));
  const ack = sampleMessages().find((m) => m.kind === 'request')!;
  assert.ok(toWireMessage(ack) instanceof EncodedMessage);
  assert.ok(!(toWireMessage({ kind: 'heartbeat' }) instanceof EncodedMessage));
});

test('peerstream encoded-response - one resource object sent to many peers: each nonce, ID and operation exact', () => {
  // Large enough that the Response's length needs a 3-byte varint (> 16 KiB).
  const nodes = Array.from({ length: 60 }, (_, i) => ({
    ...sampleNode(),
    Node: { ...sampleNode().Node, Node: `node-${i}` },
  }));
  const shared: Resource = { type: 'exported-service', nodes };
  const nonces = ['', '1', '00000042', 'n'.repeat(200)];
  for (const id of ['web', 'web\u00001/2']) {
    for (const operation of [1, 0]) {
      for (const nonce of nonces) {
        const msg = response(nonce, id, shared, operation);
        const bytes = wire(msg);
        assert.deepEqual(bytes, reference(msg), `nonce ${nonce.length} chars, id ${id}, op ${operation}`);
        const back = fromProtoMessage(fromBinary(ReplicationMessageSchema, bytes));
        assert.equal(back?.kind, 'response');
        if (back?.kind === 'response') {
          assert.equal(back.nonce, nonce);
          assert.equal(back.resourceId, id);
          assert.equal(back.operation, operation);
        }
      }
    }
  }
  assert.ok(reference(response('1', 'web', shared)).length > 16_384);
});

test('peerstream encoded-response - ACKs and NACKs written by hand equal the generated encoder’s bytes', () => {
  const texts = ['', 'p', '00000042', 'é✓𝄞', 'x'.repeat(200)];
  const codes = [undefined, 0, 1, 13, 127, 128, 2 ** 31 - 1, -1, -(2 ** 31)];
  let n = 0;
  for (const peerId of texts) {
    for (const responseNonce of texts) {
      for (const code of codes) {
        for (const message of code === undefined ? [''] : texts) {
          const msg: ReplicationMessage = {
            kind: 'request',
            peerId,
            responseNonce,
            resourceUrl: n % 2 === 0 ? TYPE_URL.exportedService : '',
            error: code === undefined ? undefined : { code, message },
          };
          n++;
          assert.deepEqual(wire(msg), reference(msg), JSON.stringify(msg).slice(0, 120));
        }
      }
    }
  }
});
