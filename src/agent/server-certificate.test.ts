/**
 * The server certificate wiring: the first certificate is signed by the store's active root, and a change of the
 * active root (seen through the store's watch topic) re-issues it under the new root.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { generateRootCA } from '../connect/index.js';
import { FakeClock } from '../lib/testing/fake-clock.js';
import { silentLogger } from '../logging/index.js';
import { WatchHub, type CARootRecord, type QueryResult, type WatchSet } from '../state/index.js';
import { ServerCertificate, type CaStore } from './server-certificate.js';

const TOPIC = 'ca-roots';

class FakeCaStore implements CaStore {
  readonly hub = new WatchHub();
  readonly #abandon = new AbortController();
  roots: CARootRecord[] = [];
  caSigningKeyPem = '';
  #index = 1;

  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]> {
    ws?.add(TOPIC);
    return { index: this.#index, value: this.roots };
  }

  get abandoned(): AbortSignal {
    return this.#abandon.signal;
  }

  rotate(root: CARootRecord, keyPem: string): void {
    this.roots = [...this.roots.map((r) => ({ ...r, Active: false })), root];
    this.caSigningKeyPem = keyPem;
    this.#index++;
    this.hub.fire([TOPIC]);
  }

  abandon(): void {
    this.#abandon.abort();
  }
}

test('server certificate - issued by the active root and re-issued after the root rotates', async (t) => {
  const store = new FakeCaStore();
  const first = await generateRootCA({ clusterId: 'c1', datacenter: 'dc1' });
  store.rotate(first.root, first.signingKeyPem);
  const clock = new FakeClock(Date.now());
  const certs = new ServerCertificate({
    store,
    logger: silentLogger(),
    datacenter: 'dc1',
    trustDomain: 'c1.consul',
    clock,
  });
  t.after(() => certs.close());
  const issued = await certs.start();
  assert.equal(issued.rootId, first.root.ID);
  assert.equal(certs.activeRootPem, first.root.RootCert);
  const changes: string[] = [];
  certs.onChange((c) => changes.push(c.rootId));

  const second = await generateRootCA({ clusterId: 'c1', datacenter: 'dc1' });
  store.rotate(second.root, second.signingKeyPem);
  // The watch loop sees the change on its next turn; the re-issue is spread over at most 5 s of (fake) time.
  await clock.advance(5_000);
  const deadline = Date.now() + 10_000;
  while (changes.length === 0 && Date.now() < deadline) {
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual(changes, [second.root.ID]);
  assert.equal(certs.current.rootId, second.root.ID);
  assert.equal(certs.activeRootPem, second.root.RootCert);
  store.abandon();
});
