import { test } from 'node:test';
import assert from 'node:assert/strict';

import { FakeClock, settle } from '../lib/testing/fake-clock.js';
import { CSR_LIMIT_WAIT_MS, CsrLimiter, CsrRateLimitedError, RATE_LIMITED_MESSAGE } from './csr-limiter.js';
import { DEFAULT_CSR_MAX_PER_SECOND, parseConsulCAConfig } from './ca-config.js';

/** The CSR limits of a CA `Config` map, as the agent reads them for signing. */
function parseCsrLimits(config: Record<string, unknown>): { maxPerSecond: number; maxConcurrent: number } {
  const c = parseConsulCAConfig(config);
  return { maxPerSecond: c.csrMaxPerSecond, maxConcurrent: c.csrMaxConcurrent };
}

const RATE_LIMITED = { name: 'CsrRateLimitedError', message: 'Rate limit reached, try again later' };

test('csr limits - CSRMaxPerSecond: one token at a time, a wait up to 500 ms, then Consul rate-limit error', async () => {
  const clock = new FakeClock();
  const limiter = new CsrLimiter({ clock });
  const limits = { maxPerSecond: 4, maxConcurrent: 0 };
  const done: number[] = [];
  const run = (n: number): Promise<void> =>
    limiter.run(limits, () => {
      done.push(n);
    });
  await run(1); // the bucket starts with its one token
  const second = run(2); // 250 ms away: waits
  const third = run(3); // 500 ms away: still within the wait
  await assert.rejects(run(4), RATE_LIMITED); // 750 ms away: refused at once
  await settle();
  assert.deepEqual(done, [1]);
  await clock.advance(250);
  await second;
  assert.deepEqual(done, [1, 2]);
  await clock.advance(250);
  await third;
  assert.deepEqual(done, [1, 2, 3]);
  assert.equal(RATE_LIMITED_MESSAGE, 'Rate limit reached, try again later');
});

test('csr limits - CSRMaxConcurrent applies only when CSRMaxPerSecond is 0; a waiter gives up after 500 ms', async () => {
  const clock = new FakeClock();
  const limiter = new CsrLimiter({ clock, maxWaiters: 1 });
  const limits = { maxPerSecond: 0, maxConcurrent: 1 };
  let release: () => void = () => undefined;
  const first = limiter.run(limits, () => new Promise<void>((r) => (release = r)));
  await settle();
  assert.deepEqual(limiter.stats, { inflight: 1, waiting: 0 });
  const queued = limiter.run(limits, () => 'queued ran');
  await assert.rejects(
    limiter.run(limits, () => 'overflow'),
    RATE_LIMITED,
    'the waiter bound refuses at once',
  );
  assert.equal(limiter.stats.waiting, 1);
  const gaveUp = assert.rejects(queued, (e: unknown) => e instanceof CsrRateLimitedError);
  await clock.advance(CSR_LIMIT_WAIT_MS);
  await gaveUp;

  const next = limiter.run(limits, () => 'next ran');
  await settle();
  release();
  await first;
  assert.equal(await next, 'next ran', 'a slot freed in time admits the waiter');
  assert.deepEqual(limiter.stats, { inflight: 0, waiting: 0 });

  // With a rate limit set, the concurrency limit is ignored (Consul: `else if`).
  const both = { maxPerSecond: 1000, maxConcurrent: 1 };
  let hold: () => void = () => undefined;
  const a = limiter.run(both, () => new Promise<void>((r) => (hold = r)));
  await clock.advance(1);
  assert.equal(await limiter.run(both, () => 'b ran'), 'b ran');
  hold();
  await a;
});

test('csr limits - both 0 turns the limits off', async () => {
  const limiter = new CsrLimiter({ clock: new FakeClock() });
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) => limiter.run({ maxPerSecond: 0, maxConcurrent: 0 }, () => i)),
  );
  assert.equal(results.length, 100);
});

test('csr limits - CA config decodes them as Consul does: defaults, weak typing, and mapstructure error text', () => {
  assert.deepEqual(parseCsrLimits({}), { maxPerSecond: DEFAULT_CSR_MAX_PER_SECOND, maxConcurrent: 0 });
  assert.deepEqual(parseCsrLimits({ CSRMaxPerSecond: '2.5', csrmaxconcurrent: 3.9 }), {
    maxPerSecond: 2.5,
    maxConcurrent: 3,
  });
  assert.deepEqual(parseCsrLimits({ CSRMaxPerSecond: '', CSRMaxConcurrent: true }), {
    maxPerSecond: 0,
    maxConcurrent: 1,
  });
  assert.throws(() => parseCsrLimits({ CSRMaxPerSecond: 'fast' }), {
    message:
      'error decoding config: 1 error(s) decoding:\n\n' +
      `* cannot parse 'CSRMaxPerSecond' as float: strconv.ParseFloat: parsing "fast": invalid syntax`,
  });
  assert.throws(() => parseCsrLimits({ CSRMaxPerSecond: 'x', CSRMaxConcurrent: [1, 2] }), {
    message:
      'error decoding config: 2 error(s) decoding:\n\n' +
      `* 'CSRMaxConcurrent' expected type 'int', got unconvertible type '[]interface {}', value: '[1 2]'\n` +
      `* cannot parse 'CSRMaxPerSecond' as float: strconv.ParseFloat: parsing "x": invalid syntax`,
  });
  assert.throws(() => parseCsrLimits({ CSRMaxConcurrent: '1.5' }), {
    message:
      'error decoding config: 1 error(s) decoding:\n\n' +
      `* cannot parse 'CSRMaxConcurrent' as int: strconv.ParseInt: parsing "1.5": invalid syntax`,
  });
});
