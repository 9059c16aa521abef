// Healing and bounded establishment in the peering core: no stale record after a failed establish, deduplicated
// addresses, refusal of CA-less tokens, the Open deadline, and replacement of a half-dead stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AppError } from '../errors/index.js';
import { decodePeeringToken, encodePeeringToken } from './token.js';
import { PeerDialError } from './service.js';
import { STREAM_CODE } from './messages.js';
import { memoryStreamPair } from './testing/memory-stream.js';
import { TestNetwork, type TestCluster } from './testing/cluster.js';
import { peeringState as state, until } from './testing/wait.js';

/** A token from `acceptor` for `dialer`, with its fields rewritten by `edit`. */
async function tokenFor(
  acceptor: TestCluster,
  dialer: string,
  edit: (t: ReturnType<typeof decodePeeringToken>) => ReturnType<typeof decodePeeringToken> = (t) => t,
): Promise<string> {
  const raw = await acceptor.service.generateToken({
    PeerName: dialer,
    Meta: {},
    ServerExternalAddresses: [],
  });
  return encodePeeringToken(edit(decodePeeringToken(raw)));
}

test('peering heal - an establish that fails (unreachable) leaves no FAILING record behind', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const token = await tokenFor(a, 'beta');
  a.setReachable(false);
  await assert.rejects(
    b.service.establish({ PeerName: 'alpha', PeeringToken: token, Meta: {} }),
    (err: unknown) =>
      err instanceof AppError &&
      err.code === 'ENT_ERR_UNAVAILABLE' &&
      /failed to establish peering "alpha" \(ADDRESS_UNREACHABLE\)/.test(err.message) &&
      /connection refused/.test(err.message),
  );
  assert.ok(!b.store.peering(undefined, 'alpha').value, 'no record is left to delete by hand');
  // The same token works once the peer is reachable: nothing to clean up first.
  a.setReachable(true);
  await b.service.establish({ PeerName: 'alpha', PeeringToken: token, Meta: {} });
  await until(() => state(b, 'alpha') === 'ACTIVE', 'ACTIVE after the retry');
});

test('peering heal - a refused secret (403) leaves no record, and an existing peering is left as it was', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const bad = await tokenFor(a, 'beta', (tok) => ({ ...tok, EstablishmentSecret: 'not-the-secret' }));
  await assert.rejects(
    b.service.establish({ PeerName: 'alpha', PeeringToken: bad, Meta: {} }),
    (err: unknown) => err instanceof AppError && err.code === 'ENT_ERR_PERMISSION_DENIED',
  );
  assert.ok(!b.store.peering(undefined, 'alpha').value);

  const good = await tokenFor(a, 'beta');
  await b.service.establish({ PeerName: 'alpha', PeeringToken: good, Meta: {} });
  await until(() => state(b, 'alpha') === 'ACTIVE', 'ACTIVE');
  const before = b.store.peering(undefined, 'alpha').value;
  await assert.rejects(b.service.establish({ PeerName: 'alpha', PeeringToken: bad, Meta: {} }));
  assert.deepEqual(b.store.peering(undefined, 'alpha').value, before, 'the existing peering is untouched');
  assert.equal(state(b, 'alpha'), 'ACTIVE');
});

test('peering heal - repeated token addresses are deduplicated before the exchange and in the record', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const token = await tokenFor(a, 'beta', (tok) => ({
    ...tok,
    ServerAddresses: ['alpha:8503', 'alpha:8503', 'alpha:8503'],
  }));
  await b.service.establish({ PeerName: 'alpha', PeeringToken: token, Meta: {} });
  assert.deepEqual(b.store.peering(undefined, 'alpha').value?.PeerServerAddresses, ['alpha:8503']);
  await until(() => state(b, 'alpha') === 'ACTIVE', 'ACTIVE');
});

test('peering heal - a token without CA is refused before anything is dialled or stored', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha');
  const b = await net.cluster('beta');
  const token = await tokenFor(a, 'beta', (tok) => ({ ...tok, CA: [] }));
  await assert.rejects(
    b.service.establish({ PeerName: 'alpha', PeeringToken: token, Meta: {} }),
    (err: unknown) =>
      err instanceof AppError && err.code === 'ENT_ERR_BAD_REQUEST' && /no CA certificates/.test(err.message),
  );
  assert.ok(!b.store.peering(undefined, 'alpha').value);
  assert.equal(state(a, 'beta'), 'PENDING', 'the establishment secret was not spent');
});

test('peering heal - an accepted stream that never sends Open is failed at the deadline', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', { openTimeoutMs: 50 });
  const [, theirs] = memoryStreamPair();
  await a.manager.accept(theirs);
  assert.equal(theirs.failedWith?.grpcCode, STREAM_CODE.deadlineExceeded);
  assert.match(theirs.failedWith.message, /no Open message within 50 ms/);
});

test('peering heal - a caller that goes away before Open ends accept quietly', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', { openTimeoutMs: 60_000 });
  const [mine, theirs] = memoryStreamPair();
  const accepted = a.manager.accept(theirs);
  mine.fail({ name: 'StreamError', grpcCode: STREAM_CODE.aborted, message: 'gone' } as never);
  await accepted;
});

test('peering heal - a new authenticated stream replaces a half-dead one instead of being refused', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  // The acceptor would notice the dead stream only after 10 minutes; the dialer after 200 ms.
  const a = await net.cluster('alpha', { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 600_000 });
  const b = await net.cluster('beta', { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 200 });
  await a.exportTo('beta', ['web']);
  await a.register('web', 'n1');
  await b.service.establish({ PeerName: 'alpha', PeeringToken: await tokenFor(a, 'beta'), Meta: {} });
  await until(() => state(a, 'beta') === 'ACTIVE' && state(b, 'alpha') === 'ACTIVE', 'ACTIVE');
  const first = a.accepted[a.accepted.length - 1];
  assert.ok(first);
  // Nothing passes either way any more, not even the dialer's end of the stream.
  first.blackhole();
  b.dialed[b.dialed.length - 1]?.blackhole();
  // The dialer times out and redials; the acceptor, whose old stream still looks alive, takes the new one.
  await until(() => a.accepted.length >= 2 && state(b, 'alpha') === 'ACTIVE', 'dialer ACTIVE again');
  await until(() => first.failedWith !== undefined, 'old stream failed');
  assert.match(first.failedWith?.message ?? '', /replaced by a newer stream/);
  assert.equal(state(a, 'beta'), 'ACTIVE');
  // Replication runs on the new stream.
  await a.register('web', 'n2', 'passing', 'web-2');
  await until(() => b.store.serviceInstances(undefined, 'alpha', 'web').value.length === 2, 'web-2 on beta');
});

test('peering heal - last contact grows while the peer is silent and resets when it speaks', async (t) => {
  const net = new TestNetwork();
  t.after(() => net.close());
  const a = await net.cluster('alpha', { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 600_000 });
  const b = await net.cluster('beta', { heartbeatIntervalMs: 20, heartbeatTimeoutMs: 600_000 });
  await b.service.establish({ PeerName: 'alpha', PeeringToken: await tokenFor(a, 'beta'), Meta: {} });
  await until(() => state(b, 'alpha') === 'ACTIVE', 'ACTIVE');
  const id = b.store.peering(undefined, 'alpha').value?.ID ?? '';
  await until(() => b.tracker.get(id)?.lastContact !== undefined, 'a message from alpha');
  a.accepted[a.accepted.length - 1]?.blackhole();
  // Heartbeats come every 20 ms; silence well past that shows as a growing last-contact age.
  await until(() => b.tracker.lastContactMs(id) > 500, 'stale last contact');
  assert.equal(state(b, 'alpha'), 'ACTIVE', 'still connected: only the age tells the data is stale');
});

test('peering heal - PeerDialError carries the classified reason', () => {
  const e = new PeerDialError('CONNECTION_LOST', 'lost', 'a:1');
  assert.equal(e.reason, 'CONNECTION_LOST');
});
