import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';

import { probeHttp, type HttpProbeSpec } from './http-probe.js';
import { probeTcp } from './tcp-probe.js';
import { TestCatalog, checkDef, newAgent, service, waitFor } from './testing/harness.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A local HTTP server on port 0 whose behaviour the test can swap; closed when the test ends. */
async function httpTarget(t: TestContext, handler: Handler): Promise<{ url: string; set(h: Handler): void }> {
  let current = handler;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      chunks.push(c);
    });
    req.on('end', () => {
      current(req, Buffer.concat(chunks).toString('utf8'), res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    set(h) {
      current = h;
    },
  };
}

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const srv = createTcpServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise<void>((resolve) => {
    srv.close(() => {
      resolve();
    });
  });
  return port;
}

function spec(url: string, over: Partial<HttpProbeSpec> = {}): HttpProbeSpec {
  return {
    url,
    method: '',
    header: {},
    body: '',
    timeoutMs: 2_000,
    tlsSkipVerify: false,
    tlsServerName: '',
    ...over,
  };
}

const never = new AbortController().signal;

test('agent-local - HTTP check goes passing, then critical when the target answers 500', async (t) => {
  let hits = 0;
  const target = await httpTarget(t, (_req, _body, res) => {
    hits++;
    res.end('healthy');
  });
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  await agent.start();
  const url = `${target.url}/health`;
  await agent.registerService(
    service('web'),
    [checkDef('service:web', 'web', { HTTP: url, Interval: '20ms' }, { intervalMs: 20 })],
    false,
  );
  await waitFor(() => cat.check('service:web')?.Status === 'passing', 'passing');
  assert.equal(cat.check('service:web')?.Output, `HTTP GET ${url}: 200 OK Output: healthy`);

  // Unchanged results are not written again.
  const writes = cat.updates('service:web');
  const seen = hits;
  await waitFor(() => hits >= seen + 3, 'three more probes');
  assert.equal(cat.updates('service:web'), writes, 'identical results are not written');
  target.set((_req, _body, res) => {
    res.statusCode = 500;
    res.end('boom');
  });
  await waitFor(() => cat.check('service:web')?.Status === 'critical', 'critical');
  assert.equal(cat.check('service:web')?.Output, `HTTP GET ${url}: 500 Internal Server Error Output: boom`);
  assert.equal(cat.updates('service:web'), writes + 1);
});

test('agent-local - HTTP probe: 429 is warning, method, headers and body are sent', async (t) => {
  const requests: { method: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const target = await httpTarget(t, (req, body, res) => {
    requests.push({ method: req.method ?? '', headers: req.headers, body });
    res.statusCode = 429;
    res.end('slow down');
  });
  const r = await probeHttp(
    spec(target.url, {
      method: 'POST',
      header: { 'X-Probe': ['a', 'b'], Host: ['svc.example'] },
      body: '{"q":1}',
    }),
    never,
  );
  assert.deepEqual(r, {
    status: 'warning',
    output: `HTTP POST ${target.url}: 429 Too Many Requests Output: slow down`,
  });
  const seen = requests[0];
  assert.ok(seen);
  assert.equal(seen.method, 'POST');
  assert.equal(seen.body, '{"q":1}');
  assert.equal(seen.headers['x-probe'], 'a, b');
  assert.equal(seen.headers.host, 'svc.example');
  assert.equal(seen.headers['user-agent'], 'Consul Health Check');
  assert.equal(seen.headers.accept, 'text/plain, text/*, */*');
});

test('agent-local - HTTP probe keeps the last 4 KiB of a large body', async (t) => {
  const body = `${'a'.repeat(10_000)}${'z'.repeat(4096)}`;
  const target = await httpTarget(t, (_req, _b, res) => res.end(body));
  const r = await probeHttp(spec(target.url), never);
  assert.equal(r.status, 'passing');
  assert.equal(r.output, `HTTP GET ${target.url}: 200 OK Output: ${'z'.repeat(4096)}`);
});

test('agent-local - HTTP probe follows redirects and reports the original URL', async (t) => {
  const target = await httpTarget(t, (req, _b, res) => {
    if (req.url === '/old') {
      res.statusCode = 302;
      res.setHeader('Location', '/new');
      res.end();
    } else res.end('moved here');
  });
  const r = await probeHttp(spec(`${target.url}/old`), never);
  assert.deepEqual(r, { status: 'passing', output: `HTTP GET ${target.url}/old: 200 OK Output: moved here` });
});

test('agent-local - HTTP probe errors read like Go: refused and timeout', async (t) => {
  const port = await closedPort();
  const refused = await probeHttp(spec(`http://127.0.0.1:${port}/h`), never);
  assert.deepEqual(refused, {
    status: 'critical',
    output: `Get "http://127.0.0.1:${port}/h": dial tcp 127.0.0.1:${port}: connect: connection refused`,
  });

  const target = await httpTarget(t, () => {
    /* never answers */
  });
  const slow = await probeHttp(spec(`${target.url}/h`, { timeoutMs: 100 }), never);
  assert.deepEqual(slow, {
    status: 'critical',
    output: `Get "${target.url}/h": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
  });
});

test('agent-local - probes of one check never overlap, even when the target is slower than the interval', async (t) => {
  let inFlight = 0;
  let maxInFlight = 0;
  let hits = 0;
  const target = await httpTarget(t, (_req, _body, res) => {
    inFlight++;
    hits++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, 50);
  });
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  await agent.registerService(
    service('web'),
    [checkDef('service:web', 'web', { HTTP: target.url, Interval: '1ms' }, { intervalMs: 1 })],
    false,
  );
  await waitFor(() => hits >= 4, 'four probes');
  assert.equal(maxInFlight, 1);
});

test('agent-local - HTTP probe in flight is aborted when the runner stops', async (t) => {
  const target = await httpTarget(t, () => {
    /* never answers */
  });
  const ctl = new AbortController();
  const p = probeHttp(spec(target.url, { timeoutMs: 60_000 }), ctl.signal);
  ctl.abort(new Error('stop'));
  await assert.rejects(p);
});

test('agent-local - TCP check against a closed port is critical, against a listener passing', async (t) => {
  const port = await closedPort();
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  await agent.start();
  await agent.registerService(
    service('db'),
    [
      checkDef(
        'service:db',
        'db',
        { TCP: `127.0.0.1:${port}`, Interval: '20ms' },
        { intervalMs: 20 },
        { Status: 'passing' },
      ),
    ],
    false,
  );
  await waitFor(() => cat.check('service:db')?.Status === 'critical', 'critical');
  assert.equal(cat.check('service:db')?.Output, `dial tcp 127.0.0.1:${port}: connect: connection refused`);

  const srv = createTcpServer((s) => s.destroy());
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        srv.close(() => {
          resolve();
        });
      }),
  );
  const live = (srv.address() as AddressInfo).port;
  assert.deepEqual(await probeTcp(`127.0.0.1:${live}`, 1_000, never), {
    status: 'passing',
    output: `TCP connect 127.0.0.1:${live}: Success`,
  });
  assert.deepEqual(await probeTcp('no-port', 1_000, never), {
    status: 'critical',
    output: 'dial tcp: address no-port: missing port in address',
  });
});

test('agent-local - a new LocalAgent over the same store restarts HTTP runners', async (t) => {
  let healthy = true;
  const target = await httpTarget(t, (_req, _body, res) => {
    res.statusCode = healthy ? 200 : 503;
    res.end();
  });
  const cat = new TestCatalog();
  const first = newAgent(t, cat);
  await first.start();
  await first.registerService(
    service('web'),
    [checkDef('service:web', 'web', { HTTP: target.url, Interval: '20ms' }, { intervalMs: 20 })],
    false,
  );
  await waitFor(() => cat.check('service:web')?.Status === 'passing', 'passing');
  await first.close();

  healthy = false;
  const second = newAgent(t, cat);
  await second.start();
  await waitFor(() => cat.check('service:web')?.Status === 'critical', 'critical after restart');
  assert.equal(cat.check('service:web')?.Output, `HTTP GET ${target.url}: 503 Service Unavailable Output: `);
});

test('agent-local - close aborts an in-flight HTTP probe and writes nothing after', async (t) => {
  let arrived = 0;
  const target = await httpTarget(t, () => {
    arrived++; // never answers
  });
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  await agent.registerService(
    service('web'),
    [
      checkDef(
        'service:web',
        'web',
        { HTTP: target.url, Interval: '10s', Timeout: '60s' },
        { intervalMs: 10_000, timeoutMs: 60_000 },
      ),
    ],
    false,
  );
  await waitFor(() => arrived === 1, 'the probe to reach the target');
  const n = cat.commands.length;
  const started = Date.now();
  await agent.close();
  assert.ok(Date.now() - started < 1_000, 'close does not wait for the 60 s probe timeout');
  assert.equal(cat.commands.length, n);
});
