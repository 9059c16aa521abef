import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { silentLogger } from '../logging/index.js';
import { StateStore } from '../state/index.js';
import type { HttpDeps } from './deps.js';
import { buildRoutes } from './routes.js';
import { HttpServer } from './server.js';

/** Deps for KV reads only, with a read barrier the test releases by hand. */
function kvDeps(store: StateStore) {
  const barriers: { release: () => void; signal: AbortSignal }[] = [];
  const deps = {
    store,
    info: { datacenter: 'dc1' },
    readBarrier: (signal: AbortSignal) =>
      new Promise<void>((resolve) => {
        barriers.push({ release: resolve, signal });
      }),
  } as unknown as HttpDeps;
  return { deps, barriers };
}

test('http routes - a ?consistent read waits for the read barrier and then sees the write it waited for', async (t) => {
  const store = new StateStore();
  const { deps, barriers } = kvDeps(store);
  const server = new HttpServer({ routes: buildRoutes(deps), logger: silentLogger() });
  const addr = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  const base = `http://127.0.0.1:${String(addr.port)}`;

  let answered = false;
  const pending = fetch(`${base}/v1/kv/app/color?consistent`).then(async (r) => {
    answered = true;
    return { status: r.status, body: (await r.json()) as { Value: string }[] };
  });
  while (barriers.length === 0 && !answered) await nextTurn();
  assert.equal(barriers.length, 1, 'a ?consistent read takes the read barrier');
  await nextTurn();
  assert.equal(answered, false, 'the read must not answer while the barrier is pending');
  // The write the barrier stands for is applied, then the barrier releases.
  store.apply(1, {
    Type: 'kv',
    Verb: 'set',
    Key: 'app/color',
    Value: Buffer.from('blue').toString('base64'),
    Flags: 0,
    Index: 0,
  });
  barriers[0]?.release();
  const r = await pending;
  assert.equal(r.status, 200);
  assert.equal(Buffer.from(r.body[0]?.Value ?? '', 'base64').toString(), 'blue');

  // Without ?consistent (and with ?stale) no barrier is taken.
  assert.equal((await fetch(`${base}/v1/kv/app/color`)).status, 200);
  assert.equal((await fetch(`${base}/v1/kv/app/color?stale`)).status, 200);
  assert.equal(barriers.length, 1);
});
