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

test('http server - answers carry Content-Length, not chunked encoding', async () => {
  const routes: Route[] = [
    {
      path: '/v1/a',
      prefix: false,
      methods: { GET: () => Promise.resolve({ raw: Buffer.from('héllo'), contentType: 'text/plain' }) },
    },
    { path: '/v1/b', prefix: false, methods: { GET: () => Promise.resolve({ body: { x: 1 }, index: 3 }) } },
  ];
  await withServer(
    routes,
    () => undefined,
    async (base) => {
      for (const [path, length] of [
        ['/v1/a', 6],
        ['/v1/b', 7],
        ['/v1/nope', 52],
      ] as const) {
        const res = await fetch(`${base}${path}`);
        await res.arrayBuffer();
        assert.equal(res.headers.get('content-length'), String(length), path);
        assert.equal(res.headers.get('transfer-encoding'), null, path);
      }
    },
  );
});

test('http server - a signal asked for by a handler aborts when the client disconnects', async () => {
  let aborted: (reason: unknown) => void = () => undefined;
  const sawAbort = new Promise<unknown>((resolve) => (aborted = resolve));
  let started: () => void = () => undefined;
  const handlerStarted = new Promise<void>((resolve) => (started = resolve));
  const routes: Route[] = [
    {
      path: '/v1/wait',
      prefix: false,
      methods: {
        GET: (ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener('abort', () => {
              aborted(ctx.signal.reason);
              resolve({ body: 'late' });
            });
            started();
          }),
      },
    },
  ];
  await withServer(
    routes,
    () => undefined,
    async (base) => {
      const client = new AbortController();
      const req = fetch(`${base}/v1/wait`, { signal: client.signal }).catch(() => undefined);
      await handlerStarted;
      client.abort();
      await req;
      assert.match(String(await sawAbort), /client disconnected/);
    },
  );
});
