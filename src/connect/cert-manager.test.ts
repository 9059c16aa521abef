/**
 * The certificate manager under a fake clock, with real certificates signed by Entente's CA (1 h TTL, the
 * shortest Consul allows): issue, cache, renewal in the 60–70 % window, retries with backoff after failures,
 * re-issue on a root change, bounds, release and close.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';

import { createLogger, silentLogger, type Logger } from '../logging/index.js';
import { FakeClock } from '../lib/testing/fake-clock.js';
import type { CARootRecord } from '../types/index.js';
import {
  CertManager,
  generateRootCA,
  serverPeeringSigner,
  type CertManagerOptions,
  type ManagedCertificate,
  type SignedCertificate,
} from './index.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

interface Ca {
  root: CARootRecord;
  signingKeyPem: string;
}

async function newCa(): Promise<Ca> {
  const { root, signingKeyPem } = await generateRootCA({ clusterId: 'c1', datacenter: 'dc1' });
  return { root, signingKeyPem };
}

interface Harness {
  clock: FakeClock;
  /** Advances the fake clock, letting each signing it triggers finish before time moves on. */
  advance(ms: number): Promise<void>;
  manager: CertManager<string>;
  /** Number of sign calls so far. */
  signs(): number;
  /** Makes the next `n` sign calls fail. */
  failNext(n: number): void;
  setCa(ca: Ca): void;
  logs: Record<string, unknown>[];
}

function captureLogger(): { logger: Logger; logs: Record<string, unknown>[] } {
  const logs: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: createLogger({ json: true, level: 'info', destination }), logs };
}

async function harness(
  opts: Partial<CertManagerOptions<string>> & { random?: () => number } = {},
): Promise<Harness> {
  const clock = new FakeClock(Date.now());
  let ca = await newCa();
  let calls = 0;
  let failures = 0;
  const inflight = new Set<Promise<unknown>>();
  const sign = serverPeeringSigner({
    activeRoot: () => ca,
    datacenter: 'dc1',
    trustDomain: 'c1.consul',
    now: () => clock.now(),
    ttlHours: 1,
  });
  const { logger, logs } = captureLogger();
  const manager = new CertManager<string>({
    logger,
    clock,
    random: () => 0.5,
    keyOf: (id) => id,
    sign: (): Promise<SignedCertificate> => {
      calls++;
      if (failures > 0) {
        failures--;
        return Promise.reject(new Error('CA unavailable'));
      }
      const p = sign();
      inflight.add(p);
      void p.finally(() => inflight.delete(p));
      return p;
    },
    ...opts,
  });
  const idle = async (): Promise<void> => {
    while (inflight.size > 0) await Promise.allSettled([...inflight]);
  };
  return {
    clock,
    advance: (ms) => clock.advance(ms, idle),
    manager,
    signs: () => calls,
    failNext: (n) => {
      failures = n;
    },
    setCa: (next) => {
      ca = next;
    },
    logs,
  };
}

test('cert manager - issues once, caches, and shares a signing between concurrent callers', async () => {
  const h = await harness();
  const [a, b] = await Promise.all([h.manager.ensure('server'), h.manager.ensure('server')]);
  assert.equal(a, b);
  assert.equal(h.signs(), 1);
  assert.equal(await h.manager.ensure('server'), a);
  assert.equal(h.manager.current('server'), a);
  assert.equal(h.signs(), 1);
  assert.equal(a.validTo - a.validFrom, HOUR);
  h.manager.close();
});

test('cert manager - renews in the 60–70 % window (jitter draw 0.5 → 65 %) and notifies subscribers', async () => {
  const h = await harness();
  const first = await h.manager.ensure('server');
  assert.equal(first.renewAt, first.validFrom + 0.65 * HOUR);
  const seen: ManagedCertificate[] = [];
  h.manager.subscribe('server', (c) => seen.push(c));

  // The leaf is back-dated one minute: 65 % of an hour after NotBefore is 38 min after issuing.
  await h.advance(first.renewAt - h.clock.now() - 1);
  assert.equal(h.signs(), 1, 'no renewal before the window');
  assert.equal(seen.length, 0);

  await h.advance(1);
  assert.equal(h.signs(), 2);
  assert.equal(seen.length, 1);
  const second = h.manager.current('server');
  assert.ok(second);
  assert.equal(seen[0], second);
  assert.notEqual(second.serial, first.serial);
  assert.ok(second.validTo > first.validTo);

  // And again for the next certificate.
  await h.advance(second.renewAt - h.clock.now());
  assert.equal(h.signs(), 3);
  assert.equal(seen.length, 2);
  h.manager.close();
});

test('cert manager - the jitter draw moves renewal across the window', async () => {
  const early = await harness({ random: () => 0 });
  const late = await harness({ random: () => 0.999 });
  const a = await early.manager.ensure('server');
  const b = await late.manager.ensure('server');
  assert.equal(a.renewAt - a.validFrom, 0.6 * HOUR);
  assert.ok(b.renewAt - b.validFrom > 0.69 * HOUR && b.renewAt - b.validFrom < 0.7 * HOUR);
  early.manager.close();
  late.manager.close();
});

test('cert manager - a failed renewal is logged, retried with backoff, and the certificate stays in use', async () => {
  const h = await harness();
  const first = await h.manager.ensure('server');
  h.failNext(3);
  await h.advance(first.renewAt - h.clock.now());
  assert.equal(h.signs(), 2);
  assert.equal(h.manager.current('server'), first, 'the valid certificate is kept');
  let status = h.manager.status('server');
  assert.equal(status?.failures, 1);
  assert.equal(status.lastError, 'CA unavailable');
  // Backoff with draw 0.5: 1 s × 0.75, then 2 s × 0.75, then 4 s × 0.75.
  assert.equal(status.nextAttemptAt, h.clock.now() + 750);
  await h.advance(750);
  assert.equal(h.signs(), 3);
  assert.equal(h.manager.status('server')?.nextAttemptAt, h.clock.now() + 1_500);
  await h.advance(1_500);
  assert.equal(h.signs(), 4);
  await h.advance(3_000);
  assert.equal(h.signs(), 5);
  status = h.manager.status('server');
  assert.equal(status?.failures, 0);
  assert.notEqual(status.certificate?.serial, first.serial);

  const warnings = h.logs.filter((l) => l['level'] === 40);
  assert.equal(warnings.length, 3);
  assert.equal(warnings[0]?.['msg'], 'certificate renewal failed; the current certificate stays in use');
  assert.equal(warnings[0]['error'], 'CA unavailable');
  assert.ok(
    h.logs.every((l) => !JSON.stringify(l).includes('PRIVATE KEY')),
    'no key material logged',
  );
  h.manager.close();
});

test('cert manager - renewal failing past expiry is an ERROR, and retries never stop', async () => {
  const h = await harness();
  const first = await h.manager.ensure('server');
  h.failNext(1_000);
  await h.advance(first.validTo - h.clock.now() + 2 * MINUTE);
  assert.equal(h.manager.current('server'), first);
  const errors = h.logs.filter((l) => l['level'] === 50);
  assert.ok(errors.length > 0);
  assert.equal(errors.at(-1)?.['msg'], 'certificate renewal failed and the current certificate has EXPIRED');
  // Backoff is capped at 60 s: the retries continue about every minute.
  const before = h.signs();
  await h.advance(10 * MINUTE);
  assert.ok(h.signs() - before >= 10, `only ${h.signs() - before} attempts in 10 minutes`);
  h.failNext(0);
  await h.advance(MINUTE);
  assert.notEqual(h.manager.current('server')?.serial, first.serial);
  h.manager.close();
});

test('cert manager - a failed first issue rejects ensure and is retried', async () => {
  const h = await harness();
  h.failNext(1);
  await assert.rejects(h.manager.ensure('server'), /CA unavailable/);
  assert.equal(h.manager.current('server'), undefined);
  assert.equal(h.logs.at(-1)?.['msg'], 'certificate issue failed');
  await h.advance(1_000);
  assert.ok(h.manager.current('server'));
  h.manager.close();
});

test('cert manager - a new active root re-issues certificates signed by the old one', async () => {
  const h = await harness();
  const first = await h.manager.ensure('server');
  h.manager.setActiveRoot(first.rootId);
  await h.advance(MINUTE);
  assert.equal(h.signs(), 1, 'the same root changes nothing');

  const next = await newCa();
  h.setCa(next);
  h.manager.setActiveRoot(next.root.ID);
  // Spread over 5 s; draw 0.5 → 2.5 s.
  assert.equal(h.manager.status('server')?.nextAttemptAt, h.clock.now() + 2_500);
  await h.advance(2_500);
  const second = h.manager.current('server');
  assert.equal(second?.rootId, next.root.ID);
  assert.notEqual(second.serial, first.serial);
  // Back on the renewal schedule of the new certificate.
  assert.equal(h.manager.status('server')?.nextAttemptAt, second.renewAt);
  h.manager.close();
});

test('cert manager - a certificate signed by a root that rotated meanwhile is re-issued', async () => {
  const h = await harness();
  const old = await newCa();
  const fresh = await newCa();
  h.setCa(old);
  h.manager.setActiveRoot(fresh.root.ID);
  const first = await h.manager.ensure('server');
  assert.equal(first.rootId, old.root.ID);
  h.setCa(fresh);
  await h.advance(5_000);
  assert.equal(h.manager.current('server')?.rootId, fresh.root.ID);
  h.manager.close();
});

test('cert manager - bounded: a new identity beyond maxCertificates is refused; release frees the slot', async () => {
  const h = await harness({ maxCertificates: 1, maxListenersPerCertificate: 1 });
  await h.manager.ensure('a');
  await assert.rejects(h.manager.ensure('b'), /full: it holds 1 certificates/);
  h.manager.subscribe('a', () => undefined);
  assert.throws(() => h.manager.subscribe('a', () => undefined), /already has 1 listeners/);
  h.manager.release('a');
  assert.equal(h.clock.pending, 0, 'the released identity no longer renews');
  await h.manager.ensure('b');
  assert.equal(h.manager.size, 1);
  h.manager.close();
});

test('cert manager - close stops every timer and drops a signing in flight', async () => {
  const h = await harness();
  await h.manager.ensure('a');
  const pending = h.manager.ensure('b');
  h.manager.close();
  await assert.rejects(pending, /closed/);
  assert.equal(h.clock.pending, 0);
  assert.equal(h.manager.size, 0);
  await assert.rejects(h.manager.ensure('a'), /closed/);
});

test('cert manager - a throwing listener is logged and the others still run', async () => {
  const h = await harness();
  const first = await h.manager.ensure('server');
  let called = 0;
  h.manager.subscribe('server', () => {
    throw new Error('boom');
  });
  h.manager.subscribe('server', () => {
    called++;
  });
  await h.advance(first.renewAt - h.clock.now());
  assert.equal(called, 1);
  assert.ok(h.logs.some((l) => l['msg'] === 'certificate listener failed'));
  h.manager.close();
});

test('cert manager - rejects a renewal window outside the lifetime', () => {
  assert.throws(
    () =>
      new CertManager<string>({
        logger: silentLogger(),
        keyOf: (k) => k,
        sign: () => Promise.reject(new Error('unused')),
        policy: { renewAtFraction: 0.95, jitterFraction: 0.1 },
      }),
    /renewal window/,
  );
});
