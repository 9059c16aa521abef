/** Sample domain messages covering every kind and resource type. Test-only (excluded from the build). */
import { TYPE_URL, type CheckServiceNode, type ReplicationMessage } from '../../../peering/index.js';

/** An exported instance with every converted field set to a non-zero value. */
export function sampleNode(): CheckServiceNode {
  return {
    Node: {
      ID: '5b0a3f5e-0000-4000-8000-000000000001',
      Node: 'node-1',
      Address: '10.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: { lan: '10.0.0.1', wan: '198.51.100.1' },
      Meta: { rack: 'r1' },
      PeerName: 'dc2-peer',
    },
    Service: {
      Kind: '',
      ID: 'web-1',
      Service: 'web',
      Tags: ['v1', 'primary'],
      Address: '10.0.0.10',
      TaggedAddresses: { lan: { Address: '10.0.0.10', Port: 8080 } },
      Meta: { version: '1.2.3' },
      Port: 8080,
      SocketPath: '/run/web.sock',
      Locality: { Region: 'us-east-1', Zone: 'us-east-1a' },
      Weights: { Passing: 3, Warning: 1 },
      EnableTagOverride: true,
      PeerName: 'dc2-peer',
    },
    Checks: [
      {
        Node: 'node-1',
        CheckID: 'web-1:overall-check',
        Name: 'overall-check',
        Status: 'warning',
        Notes: 'n',
        Output: 'slow',
        ServiceID: 'web-1',
        ServiceName: 'web',
        ServiceTags: ['v1'],
        Type: 'ttl',
        Interval: '10s',
        Timeout: '1s',
        ExposedPort: 21500,
        Definition: {},
        PeerName: 'dc2-peer',
      },
    ],
  };
}

/** One message of every kind; responses with every resource type. */
export function sampleMessages(): ReplicationMessage[] {
  return [
    {
      kind: 'open',
      peerId: 'a0000000-0000-4000-8000-000000000001',
      streamSecretId: 's3cr3t',
      remote: { Partition: '', Datacenter: 'dc2' },
    },
    { kind: 'open', peerId: 'p', streamSecretId: 's', remote: undefined },
    {
      kind: 'request',
      peerId: 'p',
      responseNonce: '',
      resourceUrl: TYPE_URL.exportedService,
      error: undefined,
    },
    {
      kind: 'request',
      peerId: '',
      responseNonce: '00000003',
      resourceUrl: TYPE_URL.trustBundle,
      error: { code: 13, message: 'upsert error' },
    },
    {
      kind: 'response',
      nonce: '00000001',
      resourceUrl: TYPE_URL.exportedService,
      resourceId: 'web',
      resource: { type: 'exported-service', nodes: [sampleNode()] },
      operation: 1,
    },
    {
      kind: 'response',
      nonce: '00000002',
      resourceUrl: TYPE_URL.exportedService,
      resourceId: 'gone',
      resource: { type: 'exported-service', nodes: [] },
      operation: 1,
    },
    {
      kind: 'response',
      nonce: '00000003',
      resourceUrl: TYPE_URL.exportedServiceList,
      resourceId: 'exported-service-list',
      resource: { type: 'exported-service-list', services: ['api', 'web'] },
      operation: 1,
    },
    {
      kind: 'response',
      nonce: '00000004',
      resourceUrl: TYPE_URL.trustBundle,
      resourceId: 'roots',
      resource: {
        type: 'trust-bundle',
        trustDomain: 'abc.consul',
        rootPems: ['-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'],
        exportedPartition: 'default',
      },
      operation: 1,
    },
    {
      kind: 'response',
      nonce: '00000005',
      resourceUrl: TYPE_URL.serverAddresses,
      resourceId: 'server-addrs',
      resource: { type: 'server-addresses', addresses: ['10.0.0.1:8503', '10.0.0.2:8503'] },
      operation: 1,
    },
    {
      kind: 'response',
      nonce: '00000006',
      resourceUrl: TYPE_URL.exportedService,
      resourceId: 'empty',
      resource: undefined,
      operation: 0,
    },
    { kind: 'heartbeat' },
    { kind: 'terminated' },
  ];
}
