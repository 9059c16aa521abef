/** The dialer's error classification table, row by row. */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { create, toBinary } from '@bufbuild/protobuf';
import { anyPack } from '@bufbuild/protobuf/wkt';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';

import { StatusSchema as RpcStatusSchema } from '../generated/google/rpc/status_pb.js';
import { LeaderAddressSchema } from '../generated/hashicorp/consul/internal/peerstream/peerstream_pb.js';
import { PeerDialError } from '../../peering/index.js';
import { classifyGrpcError, reasonFor } from './errors.js';

test('grpc - classification table', () => {
  const rows: [number, string, boolean, string][] = [
    [GrpcStatus.PERMISSION_DENIED, 'invalid peering establishment secret', true, 'SECRET_REJECTED'],
    [
      GrpcStatus.UNAVAILABLE,
      'No connection established. Last error: Error: unable to verify the first certificate',
      false,
      'TLS_HANDSHAKE_FAILED',
    ],
    [
      GrpcStatus.UNAVAILABLE,
      "Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames",
      false,
      'TLS_HANDSHAKE_FAILED',
    ],
    // The socket closed mid-handshake (a peer that accepted and went silent, then a reset): not a certificate
    // problem, so not TLS_HANDSHAKE_FAILED.
    [
      GrpcStatus.UNAVAILABLE,
      'Client network socket disconnected before secure TLS connection was established',
      false,
      'ADDRESS_UNREACHABLE',
    ],
    [GrpcStatus.UNAVAILABLE, 'read ECONNRESET', false, 'ADDRESS_UNREACHABLE'],
    [
      GrpcStatus.UNAVAILABLE,
      'No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1',
      false,
      'ADDRESS_UNREACHABLE',
    ],
    [
      GrpcStatus.UNAVAILABLE,
      'Name resolution failed for target dns:nowhere.invalid:8503',
      false,
      'ADDRESS_UNREACHABLE',
    ],
    [GrpcStatus.UNAVAILABLE, 'Connect CA is not yet initialized', true, 'STREAM_ERROR'],
    [GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded', false, 'ADDRESS_UNREACHABLE'],
    [GrpcStatus.DEADLINE_EXCEEDED, 'Deadline exceeded', true, 'STREAM_ERROR'],
    [
      GrpcStatus.FAILED_PRECONDITION,
      'cannot establish a peering stream on a follower node',
      true,
      'STREAM_ERROR',
    ],
    [GrpcStatus.RESOURCE_EXHAUSTED, 'Received message larger than max', true, 'STREAM_ERROR'],
    [GrpcStatus.INTERNAL, 'internal error', true, 'STREAM_ERROR'],
    [
      GrpcStatus.FAILED_PRECONDITION,
      'peering must be enabled to use this endpoint',
      true,
      'PEERING_DISABLED_ON_PEER',
    ],
  ];
  for (const [code, details, connected, want] of rows) {
    assert.equal(reasonFor(code, details, connected), want, `${code} ${details}`);
  }
});

test('grpc - a transport failure of a stream that was up is CONNECTION_LOST, not a dial failure', () => {
  for (const details of ['Connection dropped', 'read ECONNRESET', 'No connection established']) {
    assert.equal(reasonFor(GrpcStatus.UNAVAILABLE, details, false, true), 'CONNECTION_LOST', details);
    assert.notEqual(reasonFor(GrpcStatus.UNAVAILABLE, details, false, false), 'CONNECTION_LOST', details);
  }
  // What the peer itself answered keeps its meaning on an established stream.
  assert.equal(
    reasonFor(GrpcStatus.PERMISSION_DENIED, 'invalid peering stream secret', true, true),
    'SECRET_REJECTED',
  );
  assert.equal(
    reasonFor(GrpcStatus.UNAVAILABLE, 'Connect CA is not yet initialized', true, true),
    'STREAM_ERROR',
  );
  const e = classifyGrpcError(
    { code: GrpcStatus.UNAVAILABLE, details: 'Connection dropped' },
    { operation: 'StreamResources', address: 'a:1', connected: false, established: true },
  );
  assert.equal(e.reason, 'CONNECTION_LOST');
});

test('grpc - classified errors name the address, the code and the details, plus a leader hint', () => {
  const st = create(RpcStatusSchema, {
    code: GrpcStatus.FAILED_PRECONDITION,
    message: 'cannot establish a peering stream on a follower node',
    details: [anyPack(LeaderAddressSchema, create(LeaderAddressSchema, { address: '10.0.0.9:8300' }))],
  });
  const md = new Metadata();
  md.set('grpc-status-details-bin', Buffer.from(toBinary(RpcStatusSchema, st)));
  const e = classifyGrpcError(
    { code: GrpcStatus.FAILED_PRECONDITION, details: st.message, metadata: md },
    { operation: 'StreamResources', address: '10.0.0.1:8503', connected: true },
  );
  assert.ok(e instanceof PeerDialError);
  assert.equal(e.grpcCode, GrpcStatus.FAILED_PRECONDITION);
  assert.equal(e.address, '10.0.0.1:8503');
  assert.equal(
    e.message,
    'StreamResources to 10.0.0.1:8503 failed: FAILED_PRECONDITION: cannot establish a peering stream on a follower node (leader address hint: 10.0.0.9:8300)',
  );
  const plain = classifyGrpcError(new Error('socket hang up'), {
    operation: 'dial',
    address: 'a:1',
    connected: false,
  });
  assert.equal(plain.reason, 'STREAM_ERROR');
  assert.equal(plain.grpcCode, undefined);
});
