import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../lib/testing/fake-clock.js';
import { ChunkAssembler, type ChunkEviction } from './chunk-assembler.js';
import type { CheckServiceNode } from './messages.js';

function nodes(service: string, count: number): CheckServiceNode[] {
  return Array.from({ length: count }, (_, i) => ({
    Node: { ID: '', Node: `n${i}`, Address: '10.0.0.1', Datacenter: 'dc2', TaggedAddresses: {}, Meta: {} },
    Service: {
      Kind: '' as const,
      ID: `${service}-${i}`,
      Service: service,
      Tags: [],
      Address: '',
      Meta: {},
      Port: 1,
      Weights: { Passing: 1, Warning: 1 },
      EnableTagOverride: false,
    },
    Checks: [],
  }));
}

function assembler(maxServices = 4): { clock: FakeClock; chunks: ChunkAssembler; evicted: ChunkEviction[] } {
  const clock = new FakeClock();
  const evicted: ChunkEviction[] = [];
  const chunks = new ChunkAssembler({
    limits: {
      chunkAssemblyMaxBytes: 1024 * 1024,
      chunkAssemblyMaxServices: maxServices,
      chunkAssemblyTimeoutMs: 10_000,
    },
    clock,
    onEvict: (e) => evicted.push(e),
  });
  return { clock, chunks, evicted };
}

test('chunk assembler - a service partly received past chunk_assembly_timeout is dropped by a timer', async () => {
  const { clock, chunks, evicted } = assembler();
  assert.equal(chunks.add({ service: 'a', part: 1, parts: 3 }, nodes('a', 2)), undefined);
  await clock.advance(4_000);
  assert.equal(chunks.add({ service: 'b', part: 1, parts: 2 }, nodes('b', 1)), undefined);
  await clock.advance(5_999);
  assert.equal(chunks.assembling, 2, 'nothing is old enough yet');
  assert.equal(evicted.length, 0);
  // No part arrives: the timer alone frees `a` at 10 s, then `b` at 14 s.
  await clock.advance(1);
  assert.equal(chunks.assembling, 1);
  assert.deepEqual(evicted, [
    { service: 'a', ageMs: 10_000, partsReceived: 1, parts: 3, bytes: evicted[0]?.bytes ?? -1 },
  ]);
  assert.ok((evicted[0]?.bytes ?? 0) > 0);
  await clock.advance(4_000);
  assert.equal(chunks.assembling, 0);
  assert.equal(chunks.bytes, 0, 'the memory is released');
  assert.deepEqual(
    evicted.map((e) => [e.service, e.ageMs]),
    [
      ['a', 10_000],
      ['b', 10_000],
    ],
  );
  assert.equal(clock.pending, 0, 'no timer left armed once nothing is held');
});

test('chunk assembler - the age counts from the part that started the current version; completed ones never age out', async () => {
  const { clock, chunks, evicted } = assembler();
  chunks.add({ service: 'a', part: 1, parts: 2 }, nodes('a', 1));
  await clock.advance(8_000);
  // A newer version starts over (part 1 again): its age starts now.
  chunks.add({ service: 'a', part: 1, parts: 2 }, nodes('a', 1));
  await clock.advance(8_000);
  assert.equal(evicted.length, 0);
  assert.equal(chunks.add({ service: 'a', part: 2, parts: 2 }, nodes('a', 1))?.length, 2);
  await clock.advance(60_000);
  assert.equal(evicted.length, 0, 'a completed service is not evicted');
});

test('chunk assembler - a part of an evicted update starts a new assembly; eviction frees a place', async () => {
  const { clock, chunks, evicted } = assembler(1);
  chunks.add({ service: 'a', part: 1, parts: 2 }, nodes('a', 1));
  assert.throws(() => chunks.add({ service: 'b', part: 1, parts: 2 }, nodes('b', 1)), /partly received/);
  await clock.advance(10_000);
  assert.equal(evicted.length, 1);
  // The rest of the evicted update alone does not complete the service ...
  assert.equal(chunks.add({ service: 'a', part: 2, parts: 2 }, nodes('a', 1)), undefined);
  await clock.advance(10_000);
  assert.equal(evicted.length, 2, 'and it ages out the same way');
  // ... and a new service fits once the old one is gone.
  assert.equal(chunks.add({ service: 'b', part: 1, parts: 2 }, nodes('b', 1)), undefined);
  assert.equal(chunks.add({ service: 'b', part: 2, parts: 2 }, nodes('b', 1))?.length, 2);
});

test('chunk assembler - close stops the timer and drops what is held', () => {
  const { clock, chunks, evicted } = assembler();
  chunks.add({ service: 'a', part: 1, parts: 2 }, nodes('a', 1));
  assert.equal(clock.pending, 1);
  chunks.close();
  chunks.close();
  assert.equal(clock.pending, 0);
  assert.equal(chunks.assembling, 0);
  assert.equal(evicted.length, 0);
});
