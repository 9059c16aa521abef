// proxy-defaults / service-defaults merged into the agent's proxy registrations, and merged again on every change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

test('central-config - proxy-defaults change a registered sidecar on the agent and in the catalog; deleting reverts', async (t) => {
  const agent = await startAgentProcess(t);
  const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${agent.httpAddr}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = async (path: string): Promise<any> => (await (await call('GET', path)).json()) as unknown;
  const sidecar = (): Promise<any> => get('/v1/agent/service/web1-sidecar-proxy');
  const catalogSidecar = async (): Promise<any> =>
    ((await get('/v1/catalog/service/web-sidecar-proxy')) as any[])[0];

  const upstreams = [{ DestinationName: 'db', LocalBindPort: 9191 }];
  const web = {
    ID: 'web1',
    Name: 'web',
    Port: 8080,
    Connect: { SidecarService: { Proxy: { Upstreams: upstreams } } },
  };
  assert.equal((await call('PUT', '/v1/agent/service/register', web)).status, 200);
  const before = await sidecar();
  assert.equal(before.Proxy.Config?.protocol, undefined);
  assert.equal(before.Proxy.MeshGateway?.Mode ?? '', '');

  const pd = {
    Kind: 'proxy-defaults',
    Name: 'global',
    Config: { protocol: 'http' },
    MeshGateway: { Mode: 'local' },
  };
  assert.equal((await call('PUT', '/v1/config', pd)).status, 200);
  await retry(async () => {
    const sc = await sidecar();
    assert.equal(sc.Proxy.Config?.protocol, 'http');
    assert.equal(sc.Proxy.MeshGateway?.Mode, 'local');
    assert.equal(sc.Proxy.Upstreams[0].Config?.protocol, 'http');
    assert.equal(sc.Proxy.Upstreams[0].MeshGateway?.Mode, 'local');
  });
  const inCatalog = await catalogSidecar();
  assert.equal(inCatalog.ServiceProxy.Config?.protocol, 'http');
  assert.equal(inCatalog.ServiceProxy.MeshGateway?.Mode, 'local');

  // The registration's own value wins over central config.
  const explicit = {
    ...web,
    Connect: { SidecarService: { Proxy: { Config: { protocol: 'tcp' }, Upstreams: upstreams } } },
  };
  assert.equal((await call('PUT', '/v1/agent/service/register', explicit)).status, 200);
  const own = await sidecar();
  assert.equal(own.Proxy.Config?.protocol, 'tcp');
  assert.equal(own.Proxy.MeshGateway?.Mode, 'local');

  assert.equal((await call('DELETE', '/v1/config/proxy-defaults/global')).status, 200);
  await retry(async () => {
    const sc = await sidecar();
    assert.equal(sc.Proxy.MeshGateway?.Mode ?? '', '');
    assert.deepEqual(sc.Proxy.Config, { protocol: 'tcp' });
    assert.equal(sc.Proxy.Upstreams[0].Config?.protocol, undefined);
  });
  const reverted = await catalogSidecar();
  assert.equal(reverted.ServiceProxy.MeshGateway?.Mode ?? '', '');
});

test('central-config - a sidecar registered before a restart still reverts when its service-defaults entry is deleted', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'entente-central-restart-'));
  t.after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });
  let agent = await startAgentProcess(t, { dataDir });
  const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${agent.httpAddr}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = async (path: string): Promise<any> => (await (await call('GET', path)).json()) as unknown;
  const sidecar = (): Promise<any> => get('/v1/agent/service/web1-sidecar-proxy');
  const catalogSidecar = async (): Promise<any> =>
    ((await get('/v1/catalog/service/web-sidecar-proxy')) as any[])[0];

  const web = {
    ID: 'web1',
    Name: 'web',
    Port: 8080,
    Connect: { SidecarService: { Proxy: { Upstreams: [{ DestinationName: 'db', LocalBindPort: 9191 }] } } },
  };
  assert.equal((await call('PUT', '/v1/agent/service/register', web)).status, 200);
  const sd = {
    Kind: 'service-defaults',
    Name: 'web',
    Protocol: 'http',
    UpstreamConfig: { Overrides: [{ Name: 'db', ConnectTimeoutMs: 2500 }] },
  };
  assert.equal((await call('PUT', '/v1/config', sd)).status, 200);
  await retry(async () => {
    const sc = await sidecar();
    assert.equal(sc.Proxy.Config?.protocol, 'http');
    assert.equal(sc.Proxy.Upstreams[0].Config?.connect_timeout_ms, 2500);
  });

  assert.equal(await agent.stop(), 0);
  agent = await startAgentProcess(t, { dataDir });
  const merged = await sidecar();
  assert.equal(merged.Proxy.Config?.protocol, 'http', 'the merged form is what was stored');

  assert.equal((await call('DELETE', '/v1/config/service-defaults/web')).status, 200);
  await retry(async () => {
    const sc = await sidecar();
    assert.equal(sc.Proxy.Config?.protocol, undefined);
    assert.equal(sc.Proxy.Upstreams[0].Config?.connect_timeout_ms, undefined);
    assert.equal(sc.Proxy.Upstreams[0].LocalBindPort, 9191);
  });
  const reverted = await catalogSidecar();
  assert.equal(reverted.ServiceProxy.Config?.protocol, undefined);
  assert.equal(reverted.ServiceProxy.Upstreams[0].Config?.connect_timeout_ms, undefined);
});

test('central-config - a transparent sidecar lists the upstreams of its service-defaults overrides, flagged CentrallyConfigured', async (t) => {
  const agent = await startAgentProcess(t);
  const call = async (method: string, path: string, body?: unknown): Promise<Response> =>
    fetch(`${agent.httpAddr}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = async (path: string): Promise<any> => (await (await call('GET', path)).json()) as unknown;
  const sd = {
    Kind: 'service-defaults',
    Name: 'web',
    UpstreamConfig: { Overrides: [{ Name: 'db', Protocol: 'grpc' }] },
  };
  assert.equal((await call('PUT', '/v1/config', sd)).status, 200);
  const web = {
    ID: 'web1',
    Name: 'web',
    Port: 8080,
    Connect: { SidecarService: { Proxy: { Mode: 'transparent' } } },
  };
  assert.equal((await call('PUT', '/v1/agent/service/register', web)).status, 200);

  const sc = await get('/v1/agent/service/web1-sidecar-proxy');
  assert.equal(sc.Proxy.Mode, 'transparent');
  assert.deepEqual(sc.Proxy.Upstreams, [
    {
      DestinationPartition: 'default',
      DestinationNamespace: 'default',
      DestinationName: 'db',
      Config: { protocol: 'grpc' },
      MeshGateway: {},
      CentrallyConfigured: true,
    },
  ]);
  const inCatalog = ((await get('/v1/catalog/service/web-sidecar-proxy')) as any[])[0];
  assert.equal(inCatalog.ServiceProxy.Upstreams[0].DestinationName, 'db');
  assert.equal(inCatalog.ServiceProxy.Upstreams[0].CentrallyConfigured, true);

  assert.equal((await call('DELETE', '/v1/config/service-defaults/web')).status, 200);
  await retry(async () => {
    const after = await get('/v1/agent/service/web1-sidecar-proxy');
    assert.equal(after.Proxy.Upstreams, undefined);
  });
});
