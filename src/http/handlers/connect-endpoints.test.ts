// /v1/health/connect/:service and /v1/catalog/connect/:service over a real HTTP server and an in-memory store,
// local and imported (?peer=) instances alike.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../logging/index.js';
import { StateStore, type Command, type ServiceInput } from '../../state/index.js';
import type { HttpDeps } from '../deps.js';
import { ResponseCache } from '../response-cache.js';
import { buildRoutes } from '../routes.js';
import { HttpServer } from '../server.js';

function register(node: string, service: ServiceInput, peer = ''): Command {
  return {
    Type: 'register',
    Node: {
      ID: '',
      Node: node,
      Address: '10.0.0.1',
      Datacenter: 'dc1',
      TaggedAddresses: {},
      Meta: {},
      ...(peer ? { PeerName: peer } : {}),
    },
    SkipNodeUpdate: false,
    Service: service,
    Checks: [],
  };
}

function service(id: string, name: string, extra: Partial<ServiceInput> = {}): ServiceInput {
  return {
    Kind: '',
    ID: id,
    Service: name,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 8080,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
    ...extra,
  };
}

async function serve(t: TestContext, store: StateStore): Promise<(path: string) => Promise<any>> {
  const deps = {
    store,
    info: { datacenter: 'dc1' },
    cache: new ResponseCache(),
    peering: { tracker: { lastContactMs: () => 0 } },
  } as unknown as HttpDeps;
  const server = new HttpServer({ routes: buildRoutes(deps), logger: silentLogger() });
  const addr = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  return async (path) => {
    const res = await fetch(`http://127.0.0.1:${String(addr.port)}${path}`);
    assert.equal(res.status, 200, path);
    return (await res.json()) as any;
  };
}

test('connect endpoints - health/connect lists sidecars and native instances, local or of one peer (?peer=)', async (t) => {
  const store = new StateStore();
  let index = 0;
  const apply = (cmd: Command): void => {
    const r = store.apply(++index, cmd);
    assert.equal(r.ok, true, JSON.stringify(r));
  };
  apply(register('n1', service('web1', 'web')));
  apply(
    register(
      'n1',
      service('web1-sidecar-proxy', 'web-sidecar-proxy', {
        Kind: 'connect-proxy',
        Port: 21000,
        Proxy: { DestinationServiceName: 'web', DestinationServiceID: 'web1', LocalServicePort: 8080 },
      }),
    ),
  );
  apply(register('n2', service('web2', 'web', { Connect: { Native: true } })));
  // Another service's proxy, and a plain instance: neither belongs in web's connect answer.
  apply(
    register(
      'n2',
      service('api-sidecar-proxy', 'api-sidecar-proxy', {
        Kind: 'connect-proxy',
        Port: 21001,
        Proxy: { DestinationServiceName: 'api' },
      }),
    ),
  );
  // What an importer stores for a peer's exported mesh service: a synthetic proxy on the peer's gateway.
  const peerMeta = {
    SNI: ['web.default.default.cluster-b.external.td-b.consul'],
    SpiffeID: ['spiffe://td-b.consul/ns/default/dc/dc2/svc/web', 'spiffe://td-b.consul/gateway/mesh/dc/dc2'],
    Protocol: 'tcp',
  };
  apply(
    register(
      'gw-node',
      service('web-sidecar-proxy', 'web-sidecar-proxy', {
        Kind: 'connect-proxy',
        Address: '198.51.100.7',
        Port: 8443,
        Proxy: { DestinationServiceName: 'web', DestinationServiceID: 'web' },
        Connect: { PeerMeta: peerMeta },
      }),
      'cluster-b',
    ),
  );

  const get = await serve(t, store);
  const local = await get('/v1/health/connect/web');
  assert.deepEqual(local.map((r: any) => r.Service.ID).sort(), ['web1-sidecar-proxy', 'web2']);
  for (const row of local)
    assert.equal(typeof row.Service.Proxy, 'object', 'every entry carries Service.Proxy');
  const sidecar = local.find((r: any) => r.Service.ID === 'web1-sidecar-proxy');
  assert.equal(sidecar.Service.Proxy.DestinationServiceName, 'web');
  assert.equal(sidecar.Service.Port, 21000);

  const peered = await get('/v1/health/connect/web?peer=cluster-b');
  assert.equal(peered.length, 1);
  assert.equal(peered[0].Service.ID, 'web-sidecar-proxy');
  assert.equal(peered[0].Service.PeerName, 'cluster-b');
  assert.equal(peered[0].Service.Address, '198.51.100.7');
  assert.deepEqual(peered[0].Service.Connect.PeerMeta, peerMeta);
  assert.equal(peered[0].Service.Proxy.DestinationServiceName, 'web');
  assert.deepEqual(await get('/v1/health/connect/web?peer=other'), []);
  assert.deepEqual(await get('/v1/health/service/web?peer=cluster-b'), [], 'plain discovery is unchanged');

  const catalog = await get('/v1/catalog/connect/web?peer=cluster-b');
  assert.equal(catalog.length, 1);
  assert.equal(catalog[0].ServiceProxy.DestinationServiceName, 'web');
  assert.equal(catalog[0].PeerName, 'cluster-b');
});
