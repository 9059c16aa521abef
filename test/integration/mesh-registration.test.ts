// Mesh registrations on a real agent: connect proxies, sidecars and mesh gateways round-trip through the agent and
// the catalog in Consul's JSON shapes, are refused with Consul's texts when invalid, and the agent's service
// endpoint blocks on ?hash=. Driven with the npm `consul` client where it has the call, raw HTTP otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import Consul from 'consul';
import { useDevAgent } from '../helpers/dev-agent.js';
import { retry } from '../helpers/retry.js';

const dev = useDevAgent();

function consulClient(): Consul {
  return new Consul({ host: '127.0.0.1', port: dev.agent.httpPort });
}

async function put(path: string, body: unknown): Promise<{ status: number; text: string }> {
  const r = await dev.call('PUT', path, body);
  return { status: r.status, text: r.text };
}

async function get(path: string): Promise<any> {
  const r = await dev.call('GET', path);
  assert.equal(r.status, 200, `${path}: ${r.text}`);
  return r.json();
}

async function listen(): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => sock.end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  assert.ok(addr !== null && typeof addr === 'object');
  return { server, port: addr.port };
}

test('mesh registration - a sidecar registered with the npm client: Proxy with upstreams in the agent and catalog shapes, both checks turn passing', async (t) => {
  const consul = consulClient();
  // Something listens on the sidecar port, as the proxy would: the TCP check can pass.
  const { server, port } = await listen();
  t.after(() => server.close());
  await consul.agent.service.register({
    name: 'web',
    id: 'web1',
    port: 8080,
    connect: {
      sidecarService: {
        port,
        proxy: {
          destinationServiceName: 'web',
          upstreams: [{ DestinationName: 'api', LocalBindPort: 9191, Config: { connect_timeout_ms: 500 } }],
        },
      },
    },
  } as any);

  const services: any = await consul.agent.service.list();
  const sidecar = services['web1-sidecar-proxy'];
  assert.equal(sidecar.Kind, 'connect-proxy');
  assert.equal(sidecar.Port, port);
  assert.deepEqual(sidecar.Proxy, {
    DestinationServiceName: 'web',
    DestinationServiceID: 'web1',
    LocalServiceAddress: '127.0.0.1',
    LocalServicePort: 8080,
    Upstreams: [
      { DestinationName: 'api', LocalBindPort: 9191, Config: { connect_timeout_ms: 500 }, MeshGateway: {} },
    ],
    MeshGateway: {},
    Expose: {},
  });
  assert.equal(services['web1'].Proxy, undefined, 'typical services have no Proxy in the agent shape');

  const nodes: any[] = await consul.catalog.connect.nodes('web');
  assert.equal(nodes.length, 1);
  assert.equal(nodes[0].ServiceID, 'web1-sidecar-proxy');
  assert.deepEqual(nodes[0].ServiceProxy.Upstreams, [
    {
      DestinationType: '',
      DestinationName: 'api',
      Datacenter: '',
      LocalBindPort: 9191,
      Config: { connect_timeout_ms: 500 },
      MeshGateway: {},
    },
  ]);
  assert.equal(nodes[0].ServiceProxy.Mode, '');

  await retry(
    async () => {
      const rows: any[] = await get('/v1/health/connect/web');
      assert.equal(rows.length, 1);
      assert.equal(rows[0].Service.Proxy.DestinationServiceID, 'web1');
      const checks = Object.fromEntries(rows[0].Checks.map((c: any) => [c.Name, c.Status]));
      assert.equal(checks['Connect Sidecar Listening'], 'passing');
      assert.equal(checks['Connect Sidecar Aliasing web1'], 'passing');
    },
    // The TCP check runs every 10 s, its first run staggered within that.
    { timeoutMs: 20_000, intervalMs: 100 },
  );
  await consul.agent.service.deregister('web1');
});

test('mesh registration - snake_case proxy keys are accepted as Consul accepts them, and stored PascalCase', async () => {
  const r = await put('/v1/agent/service/register', {
    Kind: 'connect-proxy',
    Name: 'db-proxy',
    Port: 21500,
    enable_tag_override: true,
    tagged_addresses: { wan: { address: '198.51.100.9', port: 21500 } },
    Proxy: {
      destination_service_name: 'db',
      destination_service_id: 'db1',
      local_service_address: '127.0.0.1',
      local_service_port: 5432,
      mode: 'transparent',
      transparent_proxy: { outbound_listener_port: 15001, dialed_directly: true },
      mesh_gateway: { mode: 'local' },
      upstreams: [
        { destination_name: 'cache', destination_peer: 'cluster-b', local_bind_port: 6380 },
        {
          destination_name: 'logs',
          local_bind_socket_path: '/tmp/logs.sock',
          mesh_gateway: { mode: 'remote' },
        },
      ],
      config: { protocol: 'tcp' },
    },
  });
  assert.equal(r.status, 200, r.text);
  const agentView = await get('/v1/agent/service/db-proxy');
  assert.deepEqual(
    { ...agentView.Proxy },
    {
      DestinationServiceName: 'db',
      DestinationServiceID: 'db1',
      LocalServiceAddress: '127.0.0.1',
      LocalServicePort: 5432,
      Mode: 'transparent',
      TransparentProxy: { OutboundListenerPort: 15001, DialedDirectly: true },
      Config: { protocol: 'tcp' },
      Upstreams: [
        // The proxy-level mesh gateway mode reaches the peer's upstream through Consul's central-config merge.
        {
          DestinationPeer: 'cluster-b',
          DestinationName: 'cache',
          LocalBindPort: 6380,
          MeshGateway: { Mode: 'local' },
        },
        { DestinationName: 'logs', LocalBindSocketPath: '/tmp/logs.sock', MeshGateway: { Mode: 'remote' } },
        // Transparent mode with a proxy-level mesh gateway mode: Consul's merge adds the wildcard upstream.
        {
          DestinationPartition: 'default',
          DestinationNamespace: 'default',
          DestinationName: '*',
          Config: { mesh_gateway: { Mode: 'local' } },
          MeshGateway: { Mode: 'local' },
          CentrallyConfigured: true,
        },
      ],
      MeshGateway: { Mode: 'local' },
      Expose: {},
    },
  );
  assert.equal(agentView.EnableTagOverride, true);
  assert.deepEqual(agentView.TaggedAddresses, { wan: { Address: '198.51.100.9', Port: 21500 } });
  const [row] = await get('/v1/catalog/service/db-proxy');
  assert.equal(row.ServiceKind, 'connect-proxy');
  assert.deepEqual(row.ServiceProxy.TransparentProxy, { OutboundListenerPort: 15001, DialedDirectly: true });
  assert.equal(
    Object.keys(row.ServiceProxy)[0],
    'TransparentProxy',
    "Consul's catalog marshaller puts it first",
  );
  assert.equal(row.ServiceProxy.Upstreams[0].DestinationPeer, 'cluster-b');
  assert.equal((await put('/v1/agent/service/deregister/db-proxy', undefined)).status, 200);
});

test('mesh registration - a mesh gateway with lan/wan tagged addresses round-trips through agent and catalog', async () => {
  const gateway = {
    Kind: 'mesh-gateway',
    Name: 'mesh-gateway',
    ID: 'mgw1',
    Address: '10.0.0.5',
    Port: 8443,
    TaggedAddresses: {
      lan: { Address: '10.0.0.5', Port: 8443 },
      wan: { Address: '198.51.100.5', Port: 443 },
    },
    Proxy: { MeshGateway: { Mode: 'local' }, Config: { envoy_gateway_no_default_bind: true } },
  };
  assert.equal((await put('/v1/agent/service/register', gateway)).status, 200);
  const agentView = await get('/v1/agent/service/mgw1');
  assert.equal(agentView.Kind, 'mesh-gateway');
  assert.deepEqual(agentView.TaggedAddresses, gateway.TaggedAddresses);
  assert.deepEqual(agentView.Proxy, {
    Config: { envoy_gateway_no_default_bind: true },
    MeshGateway: { Mode: 'local' },
    Expose: {},
  });
  const [row] = await get('/v1/health/service/mesh-gateway');
  assert.deepEqual(row.Service.TaggedAddresses, gateway.TaggedAddresses);
  assert.equal(row.Service.Kind, 'mesh-gateway');

  // The same through the catalog.
  const reg = await put('/v1/catalog/register', {
    Node: 'gw-node',
    Address: '10.0.0.9',
    Service: { ...gateway, Service: 'mesh-gateway', ID: 'mgw2', Name: undefined },
  });
  assert.equal(reg.status, 200, reg.text);
  const rows: any[] = await get('/v1/catalog/service/mesh-gateway');
  const mgw2 = rows.find((x) => x.ServiceID === 'mgw2');
  assert.deepEqual(mgw2.ServiceTaggedAddresses, gateway.TaggedAddresses);
  assert.deepEqual(mgw2.ServiceProxy.MeshGateway, { Mode: 'local' });
  await put('/v1/catalog/deregister', { Node: 'gw-node' });
  await put('/v1/agent/service/deregister/mgw1', undefined);
});

const BAD_AGENT_REGISTRATIONS: readonly [string, unknown, string][] = [
  [
    'connect-proxy without a destination',
    { Kind: 'connect-proxy', Name: 'p', Port: 21000 },
    'Validation failed: 1 error occurred:\n\t* Proxy.DestinationServiceName must be non-empty for Connect proxy services\n\n',
  ],
  [
    'connect-proxy without a port',
    { Kind: 'connect-proxy', Name: 'p', Proxy: { DestinationServiceName: 'web' } },
    'Validation failed: 1 error occurred:\n\t* Port or SocketPath must be set for a connect-proxy\n\n',
  ],
  [
    'upstream without a destination name',
    {
      Kind: 'connect-proxy',
      Name: 'p',
      Port: 21000,
      Proxy: { DestinationServiceName: 'web', Upstreams: [{ LocalBindPort: 1 }] },
    },
    'Validation failed: 1 error occurred:\n\t* upstream destination name cannot be empty\n\n',
  ],
  [
    'upstream to a peer and a datacenter',
    {
      Kind: 'connect-proxy',
      Name: 'p',
      Port: 21000,
      Proxy: {
        DestinationServiceName: 'web',
        Upstreams: [{ DestinationName: 'api', DestinationPeer: 'b', Datacenter: 'dc2', LocalBindPort: 9000 }],
      },
    },
    'Validation failed: 1 error occurred:\n\t* upstream cannot specify both destination peer and datacenter\n\n',
  ],
  [
    'upstream to a peer in another partition, duplicate upstreams',
    {
      Kind: 'connect-proxy',
      Name: 'p',
      Port: 21000,
      Proxy: {
        DestinationServiceName: 'web',
        Upstreams: [
          {
            DestinationName: 'api',
            DestinationPeer: 'b',
            DestinationPartition: 'other',
            LocalBindPort: 9000,
          },
          { DestinationName: 'db', LocalBindPort: 9001 },
          { DestinationName: 'db', LocalBindPort: 9002 },
          { DestinationName: 'db2', LocalBindPort: 9001 },
        ],
      },
    },
    'Validation failed: 3 errors occurred:\n\t* upstreams must target peers in the same partition as the service\n\t* upstreams cannot contain duplicates of [type="", name="db", partition="", namespace="", peer="", datacenter=""]\n\t* upstreams cannot contain duplicates by local bind address and port or unix path; "127.0.0.1:9001" is specified twice\n\n',
  ],
  [
    'mesh-gateway without a port, with proxy destination fields',
    {
      Kind: 'mesh-gateway',
      Name: 'gw',
      Proxy: { DestinationServiceName: 'web', Upstreams: [{ DestinationName: 'a', LocalBindPort: 1 }] },
    },
    'Validation failed: 3 errors occurred:\n\t* Port must be non-zero for a mesh-gateway\n\t* The Proxy.DestinationServiceName configuration is invalid for a mesh-gateway\n\t* The Proxy.Upstreams configuration is invalid for a mesh-gateway\n\n',
  ],
  [
    'mesh-gateway with a sidecar',
    { Kind: 'mesh-gateway', Name: 'gw', Port: 8443, Connect: { SidecarService: {} } },
    'Validation failed: 1 error occurred:\n\t* A mesh-gateway cannot have a sidecar service defined\n\n',
  ],
  [
    'a sidecar definition with its own ID',
    { Name: 'web', Port: 80, Connect: { SidecarService: { ID: 'mine' } } },
    'Validation failed: 1 error occurred:\n\t* A SidecarService cannot specify an ID as this is managed by the agent\n\n',
  ],
  [
    'a proxy that is also Connect native',
    {
      Kind: 'connect-proxy',
      Name: 'p',
      Port: 1,
      Proxy: { DestinationServiceName: 'w' },
      Connect: { Native: true },
    },
    'Validation failed: 1 error occurred:\n\t* A Proxy cannot also be Connect Native, only typical services\n\n',
  ],
  [
    'an unknown proxy mode',
    { Kind: 'connect-proxy', Name: 'p', Port: 1, Proxy: { DestinationServiceName: 'w', Mode: 'sideways' } },
    'Invalid Proxy Mode: "sideways"',
  ],
  [
    'an unknown mesh gateway mode',
    { Kind: 'mesh-gateway', Name: 'gw', Port: 1, Proxy: { MeshGateway: { Mode: 'nearby' } } },
    'Invalid Mesh Gateway Mode: "nearby"',
  ],
  [
    'a sidecar whose upstream has no bind port',
    {
      Name: 'web',
      Port: 80,
      Connect: { SidecarService: { Proxy: { Upstreams: [{ DestinationName: 'api' }] } } },
    },
    'Failed Validation: 1 error occurred:\n\t* upstream local bind port or local socket path must be defined and nonzero\n\n',
  ],
];

test('mesh registration - invalid agent registrations are refused with Consul texts and register nothing', async () => {
  const before = await get('/v1/agent/services');
  for (const [what, body, text] of BAD_AGENT_REGISTRATIONS) {
    const r = await put('/v1/agent/service/register', body);
    assert.equal(r.status, 400, what);
    assert.equal(r.text, text, what);
  }
  assert.deepEqual(await get('/v1/agent/services'), before, 'nothing was registered');
});

test('mesh registration - the catalog refuses the same with the same texts', async () => {
  const r = await put('/v1/catalog/register', {
    Node: 'n-bad',
    Address: '10.0.0.1',
    Service: { Kind: 'connect-proxy', Service: 'p', Proxy: { DestinationServiceName: 'web' } },
  });
  assert.equal(r.status, 400);
  assert.equal(r.text, '1 error occurred:\n\t* Port or SocketPath must be set for a connect-proxy\n\n');
  const gw = await put('/v1/catalog/register', {
    Node: 'n-bad',
    Address: '10.0.0.1',
    Service: { Kind: 'mesh-gateway', Service: 'gw', Proxy: { LocalServicePort: 80 } },
  });
  assert.equal(gw.status, 400);
  assert.equal(
    gw.text,
    '2 errors occurred:\n\t* Port must be non-zero for a mesh-gateway\n\t* The Proxy.LocalServicePort configuration is invalid for a mesh-gateway\n\n',
  );
  const nodes: any[] = await get('/v1/catalog/nodes');
  assert.equal(
    nodes.some((n) => n.Node === 'n-bad'),
    false,
    'nothing was stored',
  );
});

test('mesh registration - GET /v1/agent/service/:id blocks on ?hash= until the service changes', async () => {
  const reg = {
    Kind: 'connect-proxy',
    Name: 'pay-proxy',
    ID: 'pay-proxy',
    Port: 21600,
    Proxy: { DestinationServiceName: 'pay' },
  };
  assert.equal((await put('/v1/agent/service/register', reg)).status, 200);
  const first = await dev.call('GET', '/v1/agent/service/pay-proxy');
  const hash = first.headers.get('X-Consul-ContentHash') ?? '';
  assert.ok(hash !== '');
  assert.equal(first.json().ContentHash, hash);

  // A stale hash answers at once; the current one waits for ?wait when nothing changes.
  const stale = await dev.call('GET', '/v1/agent/service/pay-proxy?hash=0&wait=10m');
  assert.equal(stale.json().ContentHash, hash);
  const idle = await dev.call('GET', `/v1/agent/service/pay-proxy?hash=${hash}&wait=50ms`);
  assert.equal(idle.json().ContentHash, hash);

  let answered = false;
  const waiting = dev.call('GET', `/v1/agent/service/pay-proxy?hash=${hash}&wait=5m`).then((r) => {
    answered = true;
    return r;
  });
  // Another service's change does not end the wait (its own answer would be the same).
  assert.equal((await put('/v1/agent/service/register', { Name: 'other', Port: 1 })).status, 200);
  await get('/v1/agent/services');
  assert.equal(answered, false, 'still blocking after an unrelated registration');
  const changed = {
    ...reg,
    Proxy: { DestinationServiceName: 'pay', Upstreams: [{ DestinationName: 'db', LocalBindPort: 7000 }] },
  };
  assert.equal((await put('/v1/agent/service/register', changed)).status, 200);
  const after = await waiting;
  assert.notEqual(after.json().ContentHash, hash);
  assert.equal(after.headers.get('X-Consul-ContentHash'), after.json().ContentHash);
  assert.equal(after.json().Proxy.Upstreams[0].DestinationName, 'db');

  const gone = await dev.call('GET', '/v1/agent/service/nope?hash=abc');
  assert.equal(gone.status, 404);
  assert.equal(gone.text, 'unknown service ID: nope');
  await put('/v1/agent/service/deregister/pay-proxy', undefined);
  await put('/v1/agent/service/deregister/other', undefined);
});
