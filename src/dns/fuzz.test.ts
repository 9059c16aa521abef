import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import { ask, responderFor, storeWith } from './testing/fixtures.js';
import { hostilePacket, prng } from './testing/fuzz.js';

const PACKETS = 100_000;

test('dns - fuzz: 100,000 hostile packets never throw and every reply is well-formed', () => {
  const store = storeWith([
    { node: 'n1', address: '10.0.0.1', service: 'web', tags: ['v1'], meta: { a: 'b' } },
    { node: 'p1', address: '172.16.0.1', peer: 'peer1', service: 'web', tags: ['v1'] },
    { node: 'server1', address: '10.0.0.100', service: 'consul' },
  ]);
  const r = responderFor(store, { enable_truncate: true });
  const seed = Number(process.env['DNS_FUZZ_SEED'] ?? 20_241_127);
  const rand = prng(seed);
  let replies = 0;
  let drops = 0;
  for (let i = 0; i < PACKETS; i++) {
    const packet = hostilePacket(rand);
    let out: Buffer | null;
    try {
      out = r.answer(packet, rand() < 0.5 ? 'udp' : 'tcp');
    } catch (err) {
      assert.fail(`seed ${seed} packet ${i} (${packet.toString('hex')}) threw: ${String(err)}`);
    }
    if (out === null) {
      drops++;
      assert.ok(
        packet.length < 12 || (packet.readUInt16BE(2) & 0x8000) !== 0,
        `dropped a readable query: ${packet.toString('hex')}`,
      );
      continue;
    }
    replies++;
    assert.equal(out.readUInt16BE(0), packet.readUInt16BE(0), 'reply carries the query ID');
    assert.ok((out.readUInt16BE(2) & 0x8000) !== 0, 'QR set');
    assert.ok(out.length <= 65_535);
    try {
      dnsPacket.decode(out);
    } catch (err) {
      assert.fail(
        `seed ${seed} packet ${i} (${packet.toString('hex')}) produced an undecodable reply: ${String(err)}`,
      );
    }
  }
  assert.equal(replies + drops, PACKETS);
  assert.ok(replies > PACKETS / 2, `most packets get a reply (${replies})`);
  // Still answers correctly afterwards.
  const p = ask(r, 'web.service.consul', 'A');
  assert.deepEqual(
    p.answers?.map((a) => ('data' in a ? a.data : null)),
    ['10.0.0.1'],
  );
});
