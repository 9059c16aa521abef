import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { abortSubscribers, onAbort } from './shared-abort.js';

test('shared abort - fifty subscribers put one listener on the signal; each is called once and can leave', () => {
  const ac = new AbortController();
  const calls: number[] = [];
  const leave = Array.from({ length: 50 }, (_, i) =>
    onAbort(ac.signal, () => {
      calls.push(i);
    }),
  );
  assert.equal(getEventListeners(ac.signal, 'abort').length, 1, 'no MaxListenersExceededWarning at 11+');
  assert.equal(abortSubscribers(ac.signal), 50);
  leave[7]?.();
  assert.equal(abortSubscribers(ac.signal), 49, 'a subscriber that ends is removed (no leak)');
  ac.abort();
  assert.equal(calls.length, 49);
  assert.ok(!calls.includes(7));
  assert.equal(abortSubscribers(ac.signal), 0);
});

test('shared abort - an already aborted signal calls the subscriber at once', () => {
  const ac = new AbortController();
  ac.abort();
  let called = 0;
  onAbort(ac.signal, () => {
    called += 1;
  })();
  assert.equal(called, 1);
});
