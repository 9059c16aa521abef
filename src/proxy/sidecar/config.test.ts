import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { AgentService } from '../../api/index.js';
import { proxyConfigFromRegistration } from './config.js';
import { staticProxyConfig } from './static-config.js';

const sidecar: AgentService = {
  Kind: 'connect-proxy',
  ID: 'web-sidecar-proxy',
  Service: 'web-sidecar-proxy',
  Tags: null,
  Address: '',
  Port: 21000,
  Proxy: {
    DestinationServiceName: 'web',
    DestinationServiceID: 'web',
    LocalServiceAddress: '127.0.0.1',
    LocalServicePort: 8080,
    Config: {
      protocol: 'HTTP',
      handshake_timeout_ms: 2000,
      max_inbound_connections: 7,
      envoy_prometheus_bind_addr: ':9',
    },
    Upstreams: [
      {
        DestinationName: 'api',
        LocalBindPort: 9191,
        Config: { connect_timeout_ms: 500, limits: { max_connections: 3 }, envoy_x: 1 },
      },
      { DestinationName: 'db', DestinationPeer: 'east', LocalBindAddress: '127.0.0.2', LocalBindPort: 9292 },
      { DestinationName: 'q', DestinationType: 'prepared_query', LocalBindPort: 9393 },
      { DestinationName: 'far', Datacenter: 'dc9', LocalBindPort: 9494 },
      {
        DestinationName: 'db2',
        DestinationPeer: 'east',
        MeshGateway: { Mode: 'local' },
        LocalBindPort: 9595,
      },
      { DestinationName: '*', CentrallyConfigured: true },
    ],
  },
};

test('proxy config - a registration as Consul reads it; unused keys listed, unservable upstreams refused with reasons', () => {
  const c = proxyConfigFromRegistration(sidecar, 'dc1');
  assert.equal(c.service, 'web');
  assert.equal(c.protocol, 'http');
  assert.deepEqual(
    { ...c.publicListener },
    {
      bindAddress: '0.0.0.0',
      bindPort: 21000,
      localServiceAddress: '127.0.0.1',
      localServicePort: 8080,
      localConnectTimeoutMs: 1000,
      handshakeTimeoutMs: 2000,
      maxConnections: 7,
      idleTimeoutMs: 3_600_000,
    },
  );
  assert.deepEqual(
    c.upstreams.map((u) => [
      u.key,
      u.destinationName,
      u.destinationPeer,
      u.connectTimeoutMs,
      u.maxConnections,
      u.meshGatewayMode,
    ]),
    [
      ['127.0.0.1:9191', 'api', '', 500, 3, 'remote'],
      ['127.0.0.2:9292', 'db', 'east', 10_000, 1024, 'remote'],
      ['127.0.0.1:9595', 'db2', 'east', 10_000, 1024, 'local'],
    ],
  );
  assert.deepEqual(c.ignoredKeys, ['Proxy.Config.envoy_prometheus_bind_addr', 'upstream api Config.envoy_x']);
  assert.equal(c.refused.length, 3);
  assert.match(c.refused[0] ?? '', /^q: destination type "prepared_query" is not supported/);
  assert.match(c.refused[1] ?? '', /^far: datacenter "dc9"/);
  assert.match(c.refused[2] ?? '', /^\*: transparent-proxy implicit upstreams/);
  assert.throws(
    () => proxyConfigFromRegistration({ ...sidecar, Kind: '' }, 'dc1'),
    /not a valid connect proxy/,
  );
});

test('proxy config - from flags: no public listener without -listen; tcp', () => {
  const c = staticProxyConfig({
    service: 'web',
    upstreams: [{ DestinationName: 'api', LocalBindPort: 1 }],
    datacenter: 'dc1',
  });
  assert.equal(c.publicListener, undefined);
  assert.equal(c.protocol, 'tcp');
  const l = staticProxyConfig({
    service: 'web',
    upstreams: [],
    datacenter: 'dc1',
    listen: { host: '', port: 8443 },
    serviceAddr: { host: '127.0.0.1', port: 8080 },
  });
  assert.equal(l.publicListener?.bindAddress, '0.0.0.0');
  assert.equal(l.publicListener?.localServicePort, 8080);
});

test('proxy config - a peer upstream’s mesh gateway mode: its own, else the proxy’s; anything but local is remote', () => {
  const withModes = (proxyMode: string | undefined): AgentService => ({
    ...sidecar,
    Proxy: {
      ...sidecar.Proxy,
      ...(proxyMode === undefined ? {} : { MeshGateway: { Mode: proxyMode } }),
      Upstreams: [
        { DestinationName: 'a', DestinationPeer: 'p', LocalBindPort: 1 },
        { DestinationName: 'b', DestinationPeer: 'p', LocalBindPort: 2, MeshGateway: { Mode: 'remote' } },
        { DestinationName: 'c', DestinationPeer: 'p', LocalBindPort: 3, MeshGateway: { Mode: 'local' } },
        { DestinationName: 'd', DestinationPeer: 'p', LocalBindPort: 4, MeshGateway: { Mode: 'none' } },
        { DestinationName: 'e', LocalBindPort: 5, MeshGateway: { Mode: 'local' } },
      ],
    },
  });
  const modes = (proxyMode: string | undefined): string[] =>
    proxyConfigFromRegistration(withModes(proxyMode), 'dc1').upstreams.map(
      (u) => `${u.destinationName}=${u.meshGatewayMode}`,
    );
  assert.deepEqual(modes(undefined), ['a=remote', 'b=remote', 'c=local', 'd=remote', 'e=remote']);
  assert.deepEqual(modes('local'), ['a=local', 'b=remote', 'c=local', 'd=remote', 'e=remote']);
  assert.deepEqual(modes('remote'), ['a=remote', 'b=remote', 'c=local', 'd=remote', 'e=remote']);
  assert.equal(proxyConfigFromRegistration(withModes('local'), 'dc1').refused.length, 0);
});
