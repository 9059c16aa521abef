import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';

import { generateRootCA, parseSpiffeId, type CsrLimits, type SigningRoot } from '../connect/index.js';
import { AppError } from '../errors/index.js';
import { FakeClock } from '../lib/testing/fake-clock.js';
import { silentLogger } from '../logging/index.js';
import {
  LEAF_DEFAULT_WAIT_MS,
  LEAF_IDLE_TTL_MS,
  LEAF_SWEEP_INTERVAL_MS,
  LeafCertificates,
  type LeafCertJson,
} from './leaf-certs.js';

const CLUSTER = '11111111-2222-3333-4444-555555555555';
const TD = `${CLUSTER}.consul`;
const HOUR = 3_600_000;

async function newCa(): Promise<SigningRoot> {
  const { root, signingKeyPem } = await generateRootCA({ clusterId: CLUSTER, datacenter: 'dc1' });
  return { root, signingKeyPem };
}

interface Harness {
  leaves: LeafCertificates;
  clock: FakeClock;
  setActive(ca: SigningRoot): void;
  commits(): number;
  get(service: string, minIndex?: number, waitMs?: number): Promise<LeafCertJson>;
  /** Makes every later signing fail (as a 429 or a lost CA would) until called with `false`. */
  failSigning(fail: boolean): void;
}

function harness(
  ca: SigningRoot,
  limits: CsrLimits = { maxPerSecond: 0, maxConcurrent: 0 },
  ttlMs = HOUR,
): Harness {
  const clock = new FakeClock(Date.now());
  let active = ca;
  let failing = false;
  let index = 10;
  let commits = 0;
  const leaves = new LeafCertificates({
    logger: silentLogger(),
    datacenter: 'dc1',
    trustDomain: TD,
    activeRoot: () => active,
    leafTtlMs: () => ttlMs,
    csrLimits: () => limits,
    commitLeafIndex: () => {
      if (failing) return Promise.reject(new Error('signing refused'));
      commits++;
      return Promise.resolve(++index);
    },
    clock,
    random: () => 0.5,
    rootChangeSpreadMs: 1_000,
  });
  return {
    leaves,
    clock,
    setActive: (next) => {
      active = next;
      leaves.setActiveRoot(next.root.ID);
    },
    commits: () => commits,
    get: (service, minIndex = 0, waitMs) =>
      leaves.leaf(service, { minIndex, waitMs, signal: new AbortController().signal }),
    failSigning: (fail) => {
      failing = fail;
    },
  };
}

test('leaf certs - any service name gets a leaf in Consul JSON, cached until it changes', async () => {
  const ca = await newCa();
  const h = harness(ca);
  h.leaves.setActiveRoot(ca.root.ID);
  const leaf = await h.get('not-registered');
  assert.deepEqual(Object.keys(leaf), [
    'SerialNumber',
    'CertPEM',
    'PrivateKeyPEM',
    'Service',
    'ServiceURI',
    'ValidAfter',
    'ValidBefore',
    'CreateIndex',
    'ModifyIndex',
  ]);
  assert.equal(leaf.Service, 'not-registered');
  assert.equal(leaf.ServiceURI, `spiffe://${TD}/ns/default/dc/dc1/svc/not-registered`);
  assert.equal(leaf.ModifyIndex, 11, 'the index of the committed ca-leaf-index');
  assert.equal(leaf.CreateIndex, 11);
  assert.match(leaf.PrivateKeyPEM, /^-----BEGIN EC PRIVATE KEY-----\n/);
  const x = new X509Certificate(leaf.CertPEM);
  assert.equal(x.subjectAltName, `URI:${leaf.ServiceURI}`);
  assert.equal(leaf.SerialNumber.replaceAll(':', '').toUpperCase(), x.serialNumber.replace(/^(00)+/, ''));
  assert.equal(leaf.ValidBefore, new Date(Date.parse(x.validTo)).toISOString().replace('.000Z', 'Z'));

  const again = await h.get('not-registered');
  assert.equal(again.SerialNumber, leaf.SerialNumber, 'served from the cache');
  assert.equal(h.commits(), 1);
  h.leaves.close();
});

test('leaf certs - a blocking query returns on renewal with a higher index, and at its deadline without one', async () => {
  const ca = await newCa();
  const h = harness(ca);
  h.leaves.setActiveRoot(ca.root.ID);
  const first = await h.get('web');

  const timedOut = h.get('web', first.ModifyIndex, 5_000);
  await h.clock.advance(5_000);
  assert.equal((await timedOut).SerialNumber, first.SerialNumber, 'nothing changed before the deadline');

  const blocked = h.get('web', first.ModifyIndex, 2 * HOUR);
  let answered = false;
  void blocked.then(() => (answered = true));
  await h.clock.advance(10 * 60_000);
  assert.equal(answered, false, 'still blocking well before the renewal window');
  // 1 h leaf, back-dated 1 min: renewal at 65 % of 61 min (random 0.5) is about 39.6 min after NotBefore.
  await h.clock.advance(HOUR);
  const renewed = await blocked;
  assert.ok(renewed.ModifyIndex > first.ModifyIndex);
  assert.notEqual(renewed.SerialNumber, first.SerialNumber);
  assert.notEqual(renewed.PrivateKeyPEM, first.PrivateKeyPEM, 'a renewal is a new key');
  h.leaves.close();
});

test('leaf certs - a root rotation wakes blocking queries; new leaves chain to the new root', async () => {
  const oldCa = await newCa();
  const newRoot = await newCa();
  const h = harness(oldCa);
  h.leaves.setActiveRoot(oldCa.root.ID);
  const web = await h.get('web');
  const api = await h.get('api');
  const blocked = h.get('web', web.ModifyIndex, HOUR);

  h.setActive(newRoot);
  // A non-blocking read after the rotation does not serve a leaf of the old root: it is re-issued at once.
  const apiNow = await h.get('api');
  assert.notEqual(apiNow.SerialNumber, api.SerialNumber);
  assert.ok(new X509Certificate(apiNow.CertPEM).checkIssued(new X509Certificate(newRoot.root.RootCert)));

  await h.clock.advance(1_000); // the re-issue spread
  const rotated = await blocked;
  assert.ok(rotated.ModifyIndex > web.ModifyIndex);
  const x = new X509Certificate(rotated.CertPEM);
  assert.ok(x.checkIssued(new X509Certificate(newRoot.root.RootCert)), 'chains to the new root');
  assert.ok(!x.checkIssued(new X509Certificate(oldCa.root.RootCert)));
  assert.ok(
    new X509Certificate(web.CertPEM).checkIssued(new X509Certificate(oldCa.root.RootCert)),
    'the old leaf still chains to the old root, which stays trusted until it expires',
  );
  h.leaves.close();
});

test('leaf certs - the CSR rate limit refuses a first fetch with Consul 429 text, and keeps nothing', async () => {
  const ca = await newCa();
  const h = harness(ca, { maxPerSecond: 1, maxConcurrent: 0 });
  h.leaves.setActiveRoot(ca.root.ID);
  await h.get('web');
  await assert.rejects(h.get('api'), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.code, 'ENT_ERR_RATE_LIMITED');
    assert.equal(e.httpStatus, 429);
    assert.equal(e.message, 'Rate limit reached, try again later');
    return true;
  });
  assert.equal(h.leaves.size, 1, 'the refused service is not cached or retried in the background');
  await h.clock.advance(1_000);
  assert.equal((await h.get('api')).Service, 'api', 'admitted once a token is available');
  h.leaves.close();
});

test('leaf certs - an expired leaf is never served when its re-issue fails: the error goes to the caller', async () => {
  const ca = await newCa();
  const h = harness(ca);
  h.leaves.setActiveRoot(ca.root.ID);
  const first = await h.get('web');
  h.failSigning(true);
  // Past NotAfter (1 h leaf back-dated 1 min): every background renewal has failed too.
  await h.clock.advance(2 * HOUR);
  await assert.rejects(h.get('web'), /signing refused/);
  h.failSigning(false);
  const fresh = await h.get('web');
  assert.notEqual(fresh.SerialNumber, first.SerialNumber, 'a working signer issues a new leaf');
  assert.ok(Date.parse(fresh.ValidBefore) > h.clock.now());
  h.leaves.close();
});

test('leaf certs - a still-valid leaf of a replaced root is served while its re-issue fails', async () => {
  const oldCa = await newCa();
  const newRoot = await newCa();
  const h = harness(oldCa);
  h.leaves.setActiveRoot(oldCa.root.ID);
  const first = await h.get('web');
  h.failSigning(true);
  h.setActive(newRoot);
  assert.equal((await h.get('web')).SerialNumber, first.SerialNumber, 'valid until NotAfter, so kept');
  h.leaves.close();
});

test('leaf certs - a leaf nobody asks for is dropped after the 72 h idle TTL and stops renewing', async () => {
  const ca = await newCa();
  // A 24 h leaf: renewed about every 16 h while held.
  const h = harness(ca, undefined, 24 * HOUR);
  h.leaves.setActiveRoot(ca.root.ID);
  await h.get('web');
  await h.clock.advance(LEAF_IDLE_TTL_MS + LEAF_SWEEP_INTERVAL_MS);
  assert.equal(h.leaves.size, 0, 'the hourly sweep dropped it without any request');
  const commits = h.commits();
  assert.ok(commits > 1, 'it was renewed while held');
  await h.clock.advance(3 * 24 * HOUR);
  assert.equal(h.commits(), commits, 'no renewal after it was dropped');
  assert.equal(h.clock.pending, 0, 'no timer left behind (the sweep stops with the last leaf)');
  h.leaves.close();
});

test('leaf certs - a blocking query without ?wait (or with 0) waits 10 minutes, not the 5 of other endpoints', async () => {
  const ca = await newCa();
  const h = harness(ca, undefined, 24 * HOUR);
  h.leaves.setActiveRoot(ca.root.ID);
  const first = await h.get('web');
  for (const waitMs of [undefined, 0]) {
    let answered = false;
    const blocked = h.get('web', first.ModifyIndex, waitMs).then((r) => {
      answered = true;
      return r;
    });
    await h.clock.advance(LEAF_DEFAULT_WAIT_MS - 1_000);
    assert.equal(answered, false, `wait=${String(waitMs)}: still blocking after 9:59`);
    await h.clock.advance(1_000);
    assert.equal(
      (await blocked).SerialNumber,
      first.SerialNumber,
      `wait=${String(waitMs)}: answered at 10 min`,
    );
    assert.equal(answered, true);
  }
  assert.equal(LEAF_DEFAULT_WAIT_MS, 600_000);
  h.leaves.close();
});

test('leaf certs - a service name is escaped in its SPIFFE ID and parses back to itself; a name with / is refused', async () => {
  const ca = await newCa();
  const h = harness(ca);
  h.leaves.setActiveRoot(ca.root.ID);
  const cases: [string, string][] = [
    ['api?x=1', 'api%3Fx=1'],
    ['api#x', 'api%23x'],
    ['100%', '100%25'],
  ];
  for (const [name, escaped] of cases) {
    const leaf = await h.get(name);
    assert.equal(leaf.Service, name);
    assert.equal(leaf.ServiceURI, `spiffe://${TD}/ns/default/dc/dc1/svc/${escaped}`);
    assert.equal(new X509Certificate(leaf.CertPEM).subjectAltName, `URI:${leaf.ServiceURI}`);
    const parsed = parseSpiffeId(leaf.ServiceURI);
    assert.equal(
      parsed.kind === 'service' ? parsed.service : '',
      name,
      'the SAN names this service, not a prefix',
    );
  }
  await assert.rejects(h.get('a/b'), (e: unknown) => {
    assert.ok(e instanceof AppError);
    assert.equal(e.httpStatus, 400);
    assert.match(e.message, /^invalid service name for a leaf certificate: /);
    return true;
  });
  assert.equal(h.leaves.size, 3, 'nothing kept for the refused name');
  h.leaves.close();
});
