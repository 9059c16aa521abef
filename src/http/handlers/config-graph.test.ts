// Concurrent config-entry writes over a real HTTP server: the service-graph check runs when each command is
// applied, so two requests that both pass while the other is still uncommitted cannot both land.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { silentLogger } from '../../logging/index.js';
import { StateStore, type ApplyResult, type Command } from '../../state/index.js';
import type { HttpDeps } from '../deps.js';
import { ResponseCache } from '../response-cache.js';
import { buildRoutes } from '../routes.js';
import { HttpServer } from '../server.js';

/**
 * A command log that holds appended commands until released, then applies them in append order: what a group
 * commit does to requests that arrive together.
 */
class GatedLog {
  readonly store = new StateStore();
  #index = 0;
  readonly #held: { cmd: Command; done: (r: { index: number; result: ApplyResult }) => void }[] = [];
  #open = true;

  get held(): number {
    return this.#held.length;
  }

  write(cmd: Command): Promise<{ index: number; result: ApplyResult }> {
    if (this.#open) return Promise.resolve(this.#apply(cmd));
    return new Promise((done) => this.#held.push({ cmd, done }));
  }

  hold(): void {
    this.#open = false;
  }

  release(): void {
    this.#open = true;
    for (const { cmd, done } of this.#held.splice(0)) done(this.#apply(cmd));
  }

  #apply(cmd: Command): { index: number; result: ApplyResult } {
    const index = ++this.#index;
    return { index, result: this.store.apply(index, cmd) };
  }
}

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; text: string }>;

async function serve(t: TestContext, log: GatedLog): Promise<Call> {
  const deps = {
    store: log.store,
    write: (cmd: Command) => log.write(cmd),
    info: { datacenter: 'dc1' },
    cache: new ResponseCache(),
    logger: silentLogger(),
  } as unknown as HttpDeps;
  const server = new HttpServer({ routes: buildRoutes(deps), logger: silentLogger() });
  const addr = await server.listen('127.0.0.1', 0);
  t.after(() => server.close());
  return async (method, path, body) => {
    const res = await fetch(`http://127.0.0.1:${String(addr.port)}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, text: await res.text() };
  };
}

const L7 = {
  Kind: 'service-intentions',
  Name: 'api',
  Sources: [{ Name: 'web', Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }] }],
};
const REFUSED = 'service "api" has protocol "tcp", which is incompatible with L7 intentions permissions';

/** Sends `first`, waits until it is held uncommitted, sends `second`, then lets both commit in that order. */
async function race(
  log: GatedLog,
  first: () => Promise<{ status: number; text: string }>,
  second: () => Promise<{ status: number; text: string }>,
): Promise<[{ status: number; text: string }, { status: number; text: string }]> {
  log.hold();
  const a = first();
  await until(() => log.held === 1);
  const b = second();
  await until(() => log.held === 2);
  log.release();
  return Promise.all([a, b]);
}

test('config graph - concurrent writes each valid alone: the one applied second is refused with Consul’s 500', async (t) => {
  const log = new GatedLog();
  const call = await serve(t, log);
  assert.equal(
    (await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'api', Protocol: 'http' })).status,
    200,
  );
  const [ixn, downgrade] = await race(
    log,
    () => call('PUT', '/v1/config', L7),
    () => call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'api', Protocol: 'tcp' }),
  );
  assert.deepEqual(ixn, { status: 200, text: 'true' });
  assert.deepEqual(downgrade, { status: 500, text: REFUSED });
  const api = await call('GET', '/v1/config/service-defaults/api');
  assert.equal(JSON.parse(api.text).Protocol, 'http', 'the refused write changed nothing');
});

test('config graph - a delete racing an L7 intention write (?cas= too) is refused at apply', async (t) => {
  const log = new GatedLog();
  const call = await serve(t, log);
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'api', Protocol: 'http' });
  const index = log.store.configEntry(undefined, 'service-defaults', 'api').value?.ModifyIndex ?? 0;
  const [ixn, removed] = await race(
    log,
    () => call('PUT', '/v1/config?cas=0', L7),
    () => call('DELETE', `/v1/config/service-defaults/api?cas=${String(index)}`),
  );
  assert.deepEqual(ixn, { status: 200, text: 'true' });
  assert.deepEqual(removed, { status: 500, text: REFUSED });
  assert.equal((await call('GET', '/v1/config/service-defaults/api')).status, 200);
  // Without the intentions the delete is fine.
  assert.equal((await call('DELETE', '/v1/config/service-intentions/api')).status, 200);
  assert.equal((await call('DELETE', '/v1/config/service-defaults/api')).status, 200);
});

test('config graph - an intention written through /v1/connect/intentions races a protocol change the same way', async (t) => {
  const log = new GatedLog();
  const call = await serve(t, log);
  await call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'api', Protocol: 'http' });
  const [downgrade, ixn] = await race(
    log,
    () => call('PUT', '/v1/config', { Kind: 'service-defaults', Name: 'api', Protocol: 'tcp' }),
    () =>
      call('PUT', '/v1/connect/intentions/exact?source=web&destination=api', {
        Permissions: [{ Action: 'allow', HTTP: { PathPrefix: '/' } }],
      }),
  );
  assert.deepEqual(downgrade, { status: 200, text: 'true' });
  assert.deepEqual(ixn, { status: 500, text: REFUSED });
  assert.equal((await call('GET', '/v1/config/service-intentions/api')).status, 404);
});
