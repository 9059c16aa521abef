import { test } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../logging/index.js';
import { HttpServer, type Route } from './server.js';

async function withServer(
  routes: Route[],
  onRequestTimed: (method: string, routePath: string, durationMs: number) => void,
  fn: (base: string) => Promise<void>,
): Promise<void> {
  const server = new HttpServer({ routes, logger: silentLogger(), onRequestTimed });
  const addr = await server.listen('127.0.0.1', 0);
  try {
    await fn(`http://127.0.0.1:${addr.port}`);
  } finally {
    await server.close();
  }
}

test('http server - each answered request to a known route is timed with its method and route path', async () => {
  const timed: [string, string, number][] = [];
  const routes: Route[] = [
    { path: '/v1/status/leader', prefix: false, methods: { GET: () => Promise.resolve({ body: 'x' }) } },
    { path: '/v1/kv/', prefix: true, methods: { PUT: () => Promise.reject(new Error('boom')) } },
  ];
  await withServer(
    routes,
    (m, p, d) => timed.push([m, p, d]),
    async (base) => {
      assert.equal((await fetch(`${base}/v1/status/leader`)).status, 200);
      assert.equal((await fetch(`${base}/v1/kv/a/b`, { method: 'PUT' })).status, 500);
      assert.equal((await fetch(`${base}/v1/nope`)).status, 404);
    },
  );
  assert.deepEqual(
    timed.map(([m, p]) => [m, p]),
    [
      ['GET', '/v1/status/leader'],
      ['PUT', '/v1/kv/'],
    ],
  );
  for (const [, , d] of timed) assert.ok(d >= 0 && Number.isFinite(d));
});
