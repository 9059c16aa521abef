import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { RecordType } from 'dns-packet';
import { silentLogger } from '../logging/index.js';
import type { StateStore } from '../state/index.js';
import { ANSWER_CACHE_MAX_BYTES, ANSWER_CACHE_MAX_ENTRIES } from './answer-cache.js';
import { parseDnsSettings } from './dns-config.js';
import { DnsResponder } from './responder.js';
import {
  ask,
  queryPacket,
  rcodeOf,
  registerCommand,
  storeWith,
  type InstanceSpec,
} from './testing/fixtures.js';
import { hostilePacket, prng } from './testing/fuzz.js';

const LONG_SERVICE = 's'.repeat(63);
const LONG_TAG = `${'x'.repeat(60)}.${'y'.repeat(60)}.${'z'.repeat(48)}`;

const catalog: InstanceSpec[] = [
  { node: 'server1', address: '10.0.0.100', service: 'consul', port: 8300 },
  { node: 'n1', address: '10.0.0.1', service: 'web', id: 'web1', tags: ['v1', 'Primary'], status: 'passing' },
  { node: 'n2', address: '10.0.0.2', service: 'web', id: 'web2', tags: ['v2'], status: 'warning' },
  { node: 'n3', address: '10.0.0.3', service: 'web', id: 'web3', tags: ['v1'], status: 'critical' },
  { node: 'n4', address: '10.0.0.4', service: 'web', id: 'web4', nodeStatus: 'critical' },
  // Two instances on one node with the same address: one answer.
  { node: 'n5', address: '10.0.0.5', service: 'web', id: 'web5a', port: 1 },
  { node: 'n5', address: '10.0.0.5', service: 'web', id: 'web5b', port: 2 },
  { node: 'n6', address: '10.0.0.6', service: 'web', id: 'web6', serviceAddress: '192.168.0.6' },
  { node: 'n7', address: 'fd00::7', service: 'web', id: 'web7' },
  { node: 'n8', address: '10.0.0.8', service: 'web', id: 'web8', nodeTagged: { lan_ipv6: 'fd00::8' } },
  // A service mixing a hostname instance with address ones, and a hostname-only service (CNAME answers).
  { node: 'h1', address: '10.0.1.1', service: 'mixed', id: 'mixed1', serviceAddress: 'db.example.com' },
  { node: 'h2', address: '10.0.1.2', service: 'mixed', id: 'mixed2' },
  { node: 'h3', address: '10.0.1.3', service: 'cname', id: 'cname1', serviceAddress: 'db.example.com' },
  { node: 'v6', address: 'fd00::99', service: 'v6only' },
  { node: 'l1', address: '10.0.2.1', service: LONG_SERVICE, id: 'long1', tags: [LONG_TAG] },
  { node: 'l2', address: '10.0.2.2', service: LONG_SERVICE, id: 'long2', tags: [LONG_TAG] },
  { node: 'p1', address: '172.16.0.1', peer: 'peer1', service: 'web', id: 'pweb1', tags: ['v1'] },
  // Many instances (with some repeated addresses): trimming and truncation.
  ...Array.from({ length: 120 }, (_, i): InstanceSpec => ({
    node: `m${i}`,
    address: i % 7 === 0 ? '10.9.0.1' : `10.9.${i >> 8}.${i & 0xff}`,
    service: 'many',
    id: `many${i}`,
    tags: [i % 2 === 0 ? 'even' : 'odd'],
    ...(i % 10 === 3 ? { status: 'critical' as const } : {}),
    ...(i % 11 === 4 ? { serviceAddress: `fd00::${i}` } : {}),
  })),
];

const NAMES = [
  'web.service.consul',
  'WEB.Service.CONSUL',
  'v1.web.service.consul',
  'primary.web.service.dc1.consul',
  'web.service.dc1.consul',
  'web.service.dc2.consul',
  'web.service.peer1.peer.consul',
  'nope.service.consul',
  'mixed.service.consul',
  'cname.service.consul',
  'v6only.service.consul',
  'many.service.consul',
  'even.many.service.alt',
  `${LONG_TAG}.${LONG_SERVICE}.service.consul`,
  `${LONG_SERVICE}.service.consul`,
  '_web._tcp.service.consul',
  'n1.node.consul',
  'web.connect.consul',
];
const TYPES = ['A', 'AAAA', 'ANY', 'SRV', 'TXT', 'MX'] as unknown as RecordType[];
const EDNS = [undefined, 0, 100, 512, 513, 600, 1232, 4096, 65535];
const CONFIGS: Record<string, unknown>[] = [
  {},
  { a_record_limit: 2 },
  { udp_answer_limit: 1 },
  { udp_answer_limit: 0 },
  { enable_truncate: true },
  { only_passing: true, service_ttl: { '*': '5s', web: '30s' } },
];

function responder(
  store: StateStore,
  dnsConfig: Record<string, unknown>,
  opts: { cache: boolean; seed?: number; hasRecursors?: boolean; maxEntries?: number; maxBytes?: number },
): DnsResponder {
  return new DnsResponder({
    catalog: store,
    datacenter: 'dc1',
    nodeName: 'server1',
    domain: 'consul.',
    altDomain: 'alt.',
    settings: parseDnsSettings(dnsConfig),
    hasRecursors: opts.hasRecursors ?? false,
    logger: silentLogger(),
    nowSeconds: () => 1_700_000_000,
    random: prng(opts.seed ?? 7),
    answerCache: opts.cache
      ? {
          maxEntries: opts.maxEntries ?? ANSWER_CACHE_MAX_ENTRIES,
          maxBytes: opts.maxBytes ?? ANSWER_CACHE_MAX_BYTES,
        }
      : false,
  });
}

/** Variants of a query's header flags and ID: RD off, CD on, and a different ID on every call. */
function variant(q: Buffer, i: number): Buffer {
  const b = Buffer.from(q);
  b.writeUInt16BE((i * 7919) & 0xffff, 0);
  if (i % 3 === 1) b[2] = (b[2] ?? 0) & ~0x01;
  if (i % 3 === 2) b[3] = (b[3] ?? 0) | 0x10;
  return b;
}

test('dns - answer cache: replies are byte for byte those of the uncached path, shuffle included', () => {
  const store = storeWith(catalog);
  let compared = 0;
  for (const [c, config] of CONFIGS.entries()) {
    for (const hasRecursors of [false, true]) {
      const cached = responder(store, config, { cache: true, seed: c, hasRecursors });
      const plain = responder(store, config, { cache: false, seed: c, hasRecursors });
      for (const name of NAMES) {
        for (const type of TYPES) {
          for (const edns of EDNS) {
            const q = queryPacket(name, type, edns === undefined ? {} : { edns });
            for (const transport of ['udp', 'tcp'] as const) {
              // The first ask fills the cache, the others hit it.
              for (let i = 0; i < 3; i++) {
                const msg = variant(q, i);
                const want = plain.answer(msg, transport);
                const got = cached.answer(msg, transport);
                assert.deepEqual(
                  got,
                  want,
                  `${name} ${type as string} edns=${String(edns)} ${transport} #${i}`,
                );
                compared++;
              }
            }
          }
        }
      }
      assert.ok(cached.answerCacheStats.hits > 0);
    }
  }
  assert.ok(compared > 10_000);
});

test('dns - answer cache: the long-name, truncated and client-subnet cases match the uncached path', () => {
  const store = storeWith(catalog);
  const cached = responder(store, { enable_truncate: true }, { cache: true });
  const plain = responder(store, { enable_truncate: true }, { cache: false });
  const ecs = dnsPacket.encode({
    type: 'query',
    id: 9,
    flags: dnsPacket.RECURSION_DESIRED,
    questions: [{ type: 'A', name: 'many.service.consul' }],
    additionals: [
      {
        type: 'OPT',
        name: '.',
        udpPayloadSize: 1400,
        extendedRcode: 0,
        ednsVersion: 0,
        flags: 0,
        flag_do: false,
        options: [{ code: 8, family: 1, sourcePrefixLength: 24, scopePrefixLength: 0, ip: '10.9.8.0' }],
      },
    ],
  });
  const long = queryPacket(`${LONG_TAG}.${LONG_SERVICE}.service.consul`, 'A');
  for (let i = 0; i < 20; i++) {
    for (const q of [ecs, long, queryPacket('many.service.consul', 'A', { edns: 1232 })]) {
      assert.deepEqual(cached.answer(variant(q, i), 'udp'), plain.answer(variant(q, i), 'udp'));
    }
  }
  // The long name: two answers never fit 512 bytes, one does not either: an empty reply with TC.
  const p = dnsPacket.decode(cached.answer(long, 'udp')!);
  assert.equal(p.flag_tc, true);
  assert.equal(p.answers?.length, 0);
  assert.ok(cached.answerCacheStats.hits >= 40);
});

test('dns - answer cache: hostile packets get the same replies as without it', () => {
  const store = storeWith(catalog);
  const cached = responder(store, { enable_truncate: true }, { cache: true });
  const plain = responder(store, { enable_truncate: true }, { cache: false });
  const rand = prng(4242);
  for (let i = 0; i < 20_000; i++) {
    const packet = hostilePacket(rand);
    const transport = rand() < 0.5 ? 'udp' : 'tcp';
    assert.deepEqual(
      cached.answer(packet, transport),
      plain.answer(packet, transport),
      packet.toString('hex'),
    );
  }
});

test('dns - answer cache: answers are still shuffled on hits', () => {
  const store = storeWith(catalog);
  const r = responder(store, {}, { cache: true, seed: 99 });
  const orders = new Set<string>();
  for (let i = 0; i < 30; i++) {
    const p = ask(r, 'many.service.consul', 'A', { edns: 4096 });
    orders.add(JSON.stringify(p.answers?.map((a) => ('data' in a ? a.data : null))));
  }
  assert.ok(r.answerCacheStats.hits >= 29);
  assert.ok(orders.size > 20, `orders seen: ${orders.size}`);
});

/** Asks twice (so the second is a hit) and returns the sorted addresses of the second answer. */
function addresses(r: DnsResponder, name: string, type: RecordType = 'A'): string[] | 'NXDOMAIN' {
  ask(r, name, type, { edns: 4096 });
  const hits = r.answerCacheStats.hits;
  const p = ask(r, name, type, { edns: 4096 });
  if (rcodeOf(p) === 'NXDOMAIN') return 'NXDOMAIN';
  assert.equal(r.answerCacheStats.hits, hits + 1, `${name} was answered from the cache`);
  return (p.answers ?? []).map((a) => (a.type === 'A' || a.type === 'AAAA' ? a.data : '')).sort();
}

test('dns - answer cache: no cached answer survives a catalog change', () => {
  const store = storeWith([
    { node: 'a', address: '10.1.0.1', service: 'api', id: 'api-a', tags: ['blue'], status: 'passing' },
    { node: 'b', address: '10.1.0.2', service: 'api', id: 'api-b', tags: ['green'], status: 'passing' },
  ]);
  const r = responder(store, {}, { cache: true });
  let index = 100;
  const apply = (cmd: Parameters<StateStore['apply']>[1]): void => {
    const res = store.apply(++index, cmd);
    assert.ok(res.ok);
  };
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.1', '10.1.0.2']);
  assert.deepEqual(addresses(r, 'blue.api.service.consul'), ['10.1.0.1']);

  // A service check goes critical, then passing again.
  apply({ Type: 'check-update', Node: 'a', CheckID: 'service:api-a', Status: 'critical', Output: '' });
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.2']);
  assert.equal(addresses(r, 'blue.api.service.consul'), 'NXDOMAIN');
  apply({ Type: 'check-update', Node: 'a', CheckID: 'service:api-a', Status: 'passing', Output: '' });
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.1', '10.1.0.2']);

  // A node-level check goes critical.
  apply(registerCommand({ node: 'b', address: '10.1.0.2', nodeStatus: 'critical' }));
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.1']);
  apply(registerCommand({ node: 'b', address: '10.1.0.2', nodeStatus: 'passing' }));
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.1', '10.1.0.2']);

  // The node's address changes (node-only re-registration).
  apply(registerCommand({ node: 'a', address: '10.1.9.1' }));
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.2', '10.1.9.1']);

  // The service gets its own address, and a different tag.
  apply(
    registerCommand({
      node: 'a',
      address: '10.1.9.1',
      service: 'api',
      id: 'api-a',
      tags: ['green'],
      serviceAddress: '192.168.1.1',
      status: 'passing',
    }),
  );
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.2', '192.168.1.1']);
  assert.equal(addresses(r, 'blue.api.service.consul'), 'NXDOMAIN');
  assert.deepEqual(addresses(r, 'green.api.service.consul'), ['10.1.0.2', '192.168.1.1']);

  // A new instance, then a deregistration.
  apply(registerCommand({ node: 'c', address: '10.1.0.3', service: 'api', id: 'api-c' }));
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.2', '10.1.0.3', '192.168.1.1']);
  apply({ Type: 'deregister', PeerName: '', Node: 'b', ServiceID: 'api-b', CheckID: '' });
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.1.0.3', '192.168.1.1']);

  // A whole node goes away with its services.
  apply({ Type: 'deregister', PeerName: '', Node: 'c', ServiceID: '', CheckID: '' });
  assert.deepEqual(addresses(r, 'api.service.consul'), ['192.168.1.1']);

  // The check is deleted (no checks: healthy), then the last instance goes: NXDOMAIN.
  apply({ Type: 'deregister', PeerName: '', Node: 'a', ServiceID: '', CheckID: 'service:api-a' });
  assert.deepEqual(addresses(r, 'api.service.consul'), ['192.168.1.1']);
  apply({ Type: 'deregister', PeerName: '', Node: 'a', ServiceID: 'api-a', CheckID: '' });
  assert.equal(addresses(r, 'api.service.consul'), 'NXDOMAIN');
  assert.ok(r.answerCacheStats.stale >= 8, `stale entries replaced: ${r.answerCacheStats.stale}`);
});

test('dns - answer cache: a snapshot restore replaces cached answers, even at an equal service index', () => {
  const before = storeWith([{ node: 'a', address: '10.2.0.1', service: 'api' }]);
  const after = storeWith([{ node: 'a', address: '10.2.0.2', service: 'api' }]);
  // Both stores hold the service at index 1; restoring one into the other must still change the answer.
  const r = responder(before, {}, { cache: true });
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.2.0.1']);
  before.restore(1, after.snapshot());
  assert.deepEqual(addresses(r, 'api.service.consul'), ['10.2.0.2']);
});

test('dns - answer cache: bounded by entries and bytes', () => {
  const store = storeWith(catalog);
  const byEntries = responder(store, {}, { cache: true, maxEntries: 4 });
  const byBytes = responder(store, {}, { cache: true, maxBytes: 8_000 });
  const off = responder(store, {}, { cache: true, maxEntries: 0 });
  // Every capitalisation of the name is its own entry (answers echo the name as asked).
  for (let i = 0; i < 64; i++) {
    const plain = 'web.service.consul';
    let name = '';
    for (let j = 0; j < plain.length; j++) {
      const ch = plain.charAt(j);
      name += (i >> (j % 6)) & 1 ? ch.toUpperCase() : ch;
    }
    for (const r of [byEntries, byBytes, off]) {
      for (const type of ['A', 'AAAA', 'ANY'] as unknown as RecordType[]) ask(r, name, type, { edns: 4096 });
      ask(r, 'many.service.consul', 'A', { edns: 4096, id: i });
    }
  }
  assert.ok(byEntries.answerCacheStats.entries <= 4);
  assert.ok(byEntries.answerCacheStats.entries > 0);
  assert.ok(byBytes.answerCacheStats.bytes <= 8_000, `bytes: ${byBytes.answerCacheStats.bytes}`);
  assert.ok(byBytes.answerCacheStats.entries > 0);
  assert.equal(off.answerCacheStats.entries, 0);
  assert.equal(off.answerCacheStats.hits, 0);
  // Still correct with the cache churning.
  assert.equal(rcodeOf(ask(byEntries, 'web.service.consul', 'A')), 'NOERROR');
});
