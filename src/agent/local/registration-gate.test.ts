import { test } from 'node:test';
import assert from 'node:assert/strict';

import { RegistrationGate } from './registration-gate.js';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

const ticks = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

test('registration gate - a pass waits for shared calls in flight; shared calls wait for the pass', async () => {
  const gate = new RegistrationGate();
  const order: string[] = [];
  const first = deferred();
  const a = gate.shared(async () => {
    order.push('a start');
    await first.promise;
    order.push('a end');
  });
  const pass = deferred();
  const p = gate.exclusive(async () => {
    order.push('pass start');
    await pass.promise;
    order.push('pass end');
  });
  const b = gate.shared(() => {
    order.push('b');
    return Promise.resolve();
  });
  await ticks();
  assert.deepEqual(order, ['a start']);
  first.resolve();
  await ticks();
  assert.deepEqual(order, ['a start', 'a end', 'pass start']);
  pass.resolve();
  await Promise.all([a, p, b]);
  assert.deepEqual(order, ['a start', 'a end', 'pass start', 'pass end', 'b']);
});

test('registration gate - a failed pass or shared call does not block the gate', async () => {
  const gate = new RegistrationGate();
  await assert.rejects(gate.exclusive(() => Promise.reject(new Error('pass failed'))));
  await assert.rejects(gate.shared(() => Promise.reject(new Error('write failed'))));
  let ran = 0;
  await gate.exclusive(() => {
    ran += 1;
    return Promise.resolve();
  });
  await gate.shared(() => {
    ran += 1;
    return Promise.resolve();
  });
  assert.equal(ran, 2);
});

test('registration gate - passes run one at a time, in order', async () => {
  const gate = new RegistrationGate();
  const order: string[] = [];
  const first = deferred();
  const one = gate.exclusive(async () => {
    order.push('1 start');
    await first.promise;
    order.push('1 end');
  });
  const two = gate.exclusive(() => {
    order.push('2');
    return Promise.resolve();
  });
  await ticks();
  first.resolve();
  await Promise.all([one, two]);
  assert.deepEqual(order, ['1 start', '1 end', '2']);
});
