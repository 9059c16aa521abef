// Entente's built-in sidecar proxy as real processes: client → web's sidecar (upstream listener) → mTLS → api's
// sidecar (public listener) → the application, on one -dev agent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest, createServer as createHttpServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';

import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { freePort, logRecords, startEchoServer, startProxyProcess } from '../helpers/proxy-process.js';
import { retry } from '../helpers/retry.js';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Sends `payload` on a new connection, half-closes, and collects everything until the other side closes. */
function exchange(port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s: Socket = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => {
      s.end(payload);
    });
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    s.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

async function call(agent: AgentProcess, method: string, path: string, body?: unknown): Promise<void> {
  const r = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  assert.equal(r.status, 200, `${method} ${path}: ${await r.text()}`);
}

/** Registers `name` (on `appPort`) with a sidecar on `sidecarPort` and the given upstreams. */
async function registerWithSidecar(
  agent: AgentProcess,
  name: string,
  appPort: number,
  sidecarPort: number,
  upstreams: { DestinationName: string; LocalBindPort: number }[] = [],
): Promise<void> {
  await call(agent, 'PUT', '/v1/agent/service/register', {
    ID: name,
    Name: name,
    Port: appPort,
    Connect: { SidecarService: { Port: sidecarPort, Proxy: { Upstreams: upstreams } } },
  });
}

function httpGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('sidecar proxy - bytes from 1 B to 6 MiB arrive intact both ways; a deny intention refuses new connections and is counted', async (t) => {
  const agent = await startAgentProcess(t, { dev: true });
  const echo = await startEchoServer(t);
  const [apiSidecar, webSidecar, upstream] = [await freePort(), await freePort(), await freePort()];
  await registerWithSidecar(agent, 'api', echo.port, apiSidecar);
  await registerWithSidecar(agent, 'web', 1, webSidecar, [
    { DestinationName: 'api', LocalBindPort: upstream },
  ]);
  const api = await startProxyProcess(t, agent.httpAddr, ['-sidecar-for', 'api']);
  const web = await startProxyProcess(t, agent.httpAddr, ['-sidecar-for', 'web']);

  // The first exchange waits for web's sidecar to see api's sidecar (its health checks pass once it listens).
  await retry(async () => assert.equal((await exchange(upstream, Buffer.from('x'))).toString(), 'x'), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  for (const size of [1, 1000, 65_543, 6 * 1024 * 1024]) {
    const payload = randomBytes(size);
    const back = await exchange(upstream, payload);
    assert.equal(back.length, size);
    assert.equal(sha(back), sha(payload), `payload of ${size} bytes`);
  }
  // Several at once.
  const many = await Promise.all(
    [3, 300_000, 1_048_576].map(async (n) => {
      const p = randomBytes(n);
      return sha(await exchange(upstream, p)) === sha(p);
    }),
  );
  assert.deepEqual(many, [true, true, true]);

  // An established connection survives the intention change; new ones are refused.
  const held = connect({ host: '127.0.0.1', port: upstream, allowHalfOpen: true });
  const heldData: Buffer[] = [];
  held.on('data', (c: Buffer) => heldData.push(c));
  held.write('before');
  await retry(() => assert.equal(Buffer.concat(heldData).toString(), 'before'));

  await call(agent, 'PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'api',
    Sources: [{ Name: 'web', Action: 'deny' }],
  });
  await retry(async () => assert.equal((await exchange(upstream, Buffer.from('denied?'))).length, 0), {
    timeoutMs: 20_000,
  });
  await retry(
    () => assert.ok((api.counters()['intention_denials'] ?? 0) >= 1, JSON.stringify(api.counters())),
    {
      timeoutMs: 10_000,
    },
  );
  held.end('after');
  await retry(() => assert.equal(Buffer.concat(heldData).toString(), 'beforeafter'));
  held.destroy();

  await retry(() =>
    assert.ok((web.counters()['bytes_in'] ?? 0) >= 6 * 1024 * 1024, JSON.stringify(web.counters())),
  );
  assert.equal(await api.stop(), 0);
  assert.equal(await web.stop(), 0);
});

test('sidecar proxy - an http service applies L7 permissions per request: 403 on a denied path, other paths pass', async (t) => {
  const agent = await startAgentProcess(t, { dev: true });
  const app = createHttpServer((req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/plain' })
      .end(`app saw ${req.url ?? ''} from ${String(req.headers['x-forwarded-client-cert'])}`);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => app.close(resolve)));
  const appPort = (app.address() as AddressInfo).port;
  await call(agent, 'PUT', '/v1/config', { Kind: 'service-defaults', Name: 'api', Protocol: 'http' });
  await call(agent, 'PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'api',
    Sources: [
      {
        Name: 'web',
        Permissions: [
          { Action: 'deny', HTTP: { PathPrefix: '/admin' } },
          { Action: 'allow', HTTP: { PathPrefix: '/' } },
        ],
      },
    ],
  });
  const [apiSidecar, webSidecar, upstream] = [await freePort(), await freePort(), await freePort()];
  await registerWithSidecar(agent, 'api', appPort, apiSidecar);
  await registerWithSidecar(agent, 'web', 1, webSidecar, [
    { DestinationName: 'api', LocalBindPort: upstream },
  ]);
  const api = await startProxyProcess(t, agent.httpAddr, ['-sidecar-for', 'api']);
  assert.equal(logRecords(api, 'public listener started')[0]?.['protocol'], 'http');
  await startProxyProcess(t, agent.httpAddr, ['-sidecar-for', 'web']);

  const ok = await retry(
    async () => {
      const r = await httpGet(upstream, '/public/page?x=1');
      assert.equal(r.status, 200, r.body);
      return r;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  assert.match(
    ok.body,
    /^app saw \/public\/page\?x=1 from By=spiffe:\/\/[^/]+\/ns\/default\/dc\/dc1\/svc\/api;URI=spiffe:\/\/[^/]+\/ns\/default\/dc\/dc1\/svc\/web$/,
  );
  const denied = await httpGet(upstream, '/admin/users');
  assert.equal(denied.status, 403);
  assert.equal(denied.body, 'RBAC: access denied');
  assert.equal((await httpGet(upstream, '/administrator-guide')).status, 403, 'PathPrefix is a plain prefix');
  assert.equal((await httpGet(upstream, '/')).status, 200);
  await retry(() =>
    assert.ok((api.counters()['intention_denials'] ?? 0) >= 2, JSON.stringify(api.counters())),
  );
});

test('sidecar proxy - a CA root rotation keeps an established connection working; new connections succeed on the re-issued leaves', async (t) => {
  const agent = await startAgentProcess(t, { dev: true });
  const echo = await startEchoServer(t);
  const [apiSidecar, webSidecar, upstream] = [await freePort(), await freePort(), await freePort()];
  await registerWithSidecar(agent, 'api', echo.port, apiSidecar);
  await registerWithSidecar(agent, 'web', 1, webSidecar, [
    { DestinationName: 'api', LocalBindPort: upstream },
  ]);
  const api = await startProxyProcess(t, agent.httpAddr, ['-sidecar-for', 'api']);
  const web = await startProxyProcess(t, agent.httpAddr, ['-sidecar-for', 'web']);
  await retry(async () => assert.equal((await exchange(upstream, Buffer.from('x'))).toString(), 'x'), {
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  const held = connect({ host: '127.0.0.1', port: upstream, allowHalfOpen: true });
  const got: Buffer[] = [];
  held.on('data', (c: Buffer) => got.push(c));
  held.write('one;');
  await retry(() => assert.equal(Buffer.concat(got).toString(), 'one;'));
  const leavesBefore = [api, web].map((p) => logRecords(p, 'leaf certificate loaded').length);

  await call(agent, 'PUT', '/v1/connect/ca/configuration', {
    Provider: 'consul',
    Config: { PrivateKeyType: 'ec', PrivateKeyBits: 384 },
  });
  // Both proxies see two roots, then a re-issued leaf (the agent spreads re-issue over 30 s after a rotation).
  for (const p of [api, web])
    await retry(() => assert.equal(logRecords(p, 'CA roots loaded').at(-1)?.['roots'], 2), {
      timeoutMs: 20_000,
    });
  await retry(
    () => {
      [api, web].forEach((p, i) =>
        assert.ok(logRecords(p, 'leaf certificate loaded').length > (leavesBefore[i] ?? 0)),
      );
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  held.write('two;');
  await retry(() => assert.equal(Buffer.concat(got).toString(), 'one;two;'), { timeoutMs: 10_000 });
  await retry(
    async () => {
      const p = randomBytes(100_000);
      assert.equal(sha(await exchange(upstream, p)), sha(p));
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  held.end('three');
  await retry(() => assert.equal(Buffer.concat(got).toString(), 'one;two;three'));
  held.destroy();
});
