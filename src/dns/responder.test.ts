import { test } from 'node:test';
import assert from 'node:assert/strict';
import dnsPacket from 'dns-packet';
import type { Answer, DecodedPacket } from 'dns-packet';
import {
  ask,
  queryPacket,
  rcodeOf,
  registerCommand,
  responderFor,
  storeWith,
  type InstanceSpec,
} from './testing/fixtures.js';

const dataOf = (answers: Answer[] | undefined, type?: string): unknown[] =>
  (answers ?? [])
    .filter((a) => type === undefined || a.type === type)
    .map((a) => ('data' in a ? a.data : null));
const sorted = (xs: unknown[]): unknown[] =>
  [...xs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
const soaIn = (p: DecodedPacket): boolean => (p.authorities ?? []).some((a) => a.type === 'SOA');

const catalog: InstanceSpec[] = [
  {
    node: 'server1',
    address: '10.0.0.100',
    service: 'consul',
    port: 8300,
    meta: { 'consul-version': '1.16.0' },
  },
  { node: 'n1', address: '10.0.0.1', service: 'web', id: 'web1', tags: ['v1', 'Primary'], status: 'passing' },
  { node: 'n2', address: '10.0.0.2', service: 'web', id: 'web2', tags: ['v2'], status: 'warning' },
  { node: 'n3', address: '10.0.0.3', service: 'web', id: 'web3', tags: ['v1'], status: 'critical' },
  { node: 'n4', address: '10.0.0.4', service: 'web', id: 'web4', nodeStatus: 'critical' },
  { node: 'n5', address: '10.0.0.5', service: 'api', serviceAddress: '192.168.1.5', port: 9090 },
  { node: 'n6', address: 'fd00::6', service: 'v6svc' },
  { node: 'n7', address: '10.0.0.7', meta: { env: 'prod', 'a=b': 'c`d', 'rfc1035-raw': 'verbatim' } },
  // Mesh: a proxy for web and a Connect-native service.
  {
    node: 'n1',
    address: '10.0.0.1',
    service: 'web-sidecar-proxy',
    id: 'web1-proxy',
    kind: 'connect-proxy',
    proxyDestination: 'web',
    port: 21000,
  },
  { node: 'n8', address: '10.0.0.8', service: 'web', id: 'web-native', connectNative: true, port: 7000 },
  // Imported from peer1: the same service name, different addresses.
  { node: 'p-node1', address: '172.16.0.1', peer: 'peer1', service: 'web', id: 'pweb1', tags: ['v1'] },
  { node: 'p-node2', address: '172.16.0.2', peer: 'peer1', service: 'web', id: 'pweb2', status: 'critical' },
  { node: 'p-node3', address: '172.16.0.3', peer: 'peer1', meta: { zone: 'b' } },
];

test('dns - service A answers only healthy instances, service address before node address', () => {
  const r = responderFor(storeWith(catalog));
  const web = ask(r, 'web.service.consul', 'A', { transport: 'tcp' });
  assert.equal(rcodeOf(web), 'NOERROR');
  assert.equal(web.flag_aa, true);
  // n3 (critical service check) and n4 (critical node check) are never answered; warning n2 is.
  assert.deepEqual(sorted(dataOf(web.answers)), ['10.0.0.1', '10.0.0.2', '10.0.0.8']);
  const api = ask(r, 'api.service.consul', 'A');
  assert.deepEqual(dataOf(api.answers), ['192.168.1.5']);
  const onlyPassing = responderFor(storeWith(catalog), { only_passing: true });
  assert.deepEqual(sorted(dataOf(ask(onlyPassing, 'web.service.consul', 'A').answers)), [
    '10.0.0.1',
    '10.0.0.8',
  ]);
});

test('dns - tags filter case-insensitively; names are case-insensitive', () => {
  const r = responderFor(storeWith(catalog));
  assert.deepEqual(dataOf(ask(r, 'V1.WEB.Service.Consul', 'A').answers), ['10.0.0.1']);
  assert.deepEqual(dataOf(ask(r, 'primary.web.service.dc1.consul', 'A').answers), ['10.0.0.1']);
  const none = ask(r, 'v9.web.service.consul', 'A');
  assert.equal(rcodeOf(none), 'NXDOMAIN');
  assert.ok(soaIn(none));
});

test('dns - SRV names the node as target with its address and node meta in the additional section', () => {
  const r = responderFor(storeWith(catalog));
  const p = ask(r, '_web._v1.service.consul', 'SRV');
  assert.equal(rcodeOf(p), 'NOERROR');
  assert.deepEqual(dataOf(p.answers), [{ priority: 1, weight: 1, port: 8080, target: 'n1.node.dc1.consul' }]);
  assert.deepEqual(dataOf(p.additionals, 'A'), ['10.0.0.1']);
  assert.equal(p.additionals?.[0]?.name, 'n1.node.dc1.consul');
  // A service address becomes a <hex>.addr.<dc> target, which resolves back to the address.
  const api = ask(r, 'api.service.consul', 'SRV');
  assert.deepEqual(dataOf(api.answers), [
    { priority: 1, weight: 1, port: 9090, target: 'c0a80105.addr.dc1.consul' },
  ]);
  assert.deepEqual(dataOf(ask(r, 'c0a80105.addr.dc1.consul', 'A').answers), ['192.168.1.5']);
  // Node meta TXT goes with the node records.
  const server = ask(r, 'consul.service.consul', 'SRV');
  const txt = (server.additionals ?? []).find((a) => a.type === 'TXT');
  assert.equal(txt?.name, 'server1.node.dc1.consul');
  assert.deepEqual(dataOf([txt!]), [[Buffer.from('consul-version=1.16.0')]]);
  const noTxt = responderFor(storeWith(catalog), { enable_additional_node_meta_txt: false });
  assert.equal(
    (ask(noTxt, 'consul.service.consul', 'SRV').additionals ?? []).filter((a) => a.type === 'TXT').length,
    0,
  );
});

test('dns - SRV weight follows Weights.Warning for a warning instance', () => {
  const store = storeWith([
    { node: 'w', service: 'svc', status: 'warning', weights: { Passing: 10, Warning: 3 } },
  ]);
  const p = ask(responderFor(store), '_svc._tcp.service.consul', 'SRV');
  assert.deepEqual(dataOf(p.answers), [{ priority: 1, weight: 3, port: 8080, target: 'w.node.dc1.consul' }]);
});

test("dns - peer forms answer from that peer's imported data only", () => {
  const r = responderFor(storeWith(catalog));
  const p = ask(r, 'web.service.peer1.peer.consul', 'A');
  assert.deepEqual(dataOf(p.answers), ['172.16.0.1'], 'critical p-node2 left out, local web not mixed in');
  assert.deepEqual(dataOf(ask(r, 'v1.web.service.peer1.peer.consul', 'A').answers), ['172.16.0.1']);
  const srv = ask(r, '_web._tcp.service.peer1.peer.consul', 'SRV');
  assert.deepEqual(dataOf(srv.answers), [
    { priority: 1, weight: 1, port: 8080, target: 'p-node1.node.peer1.peer.consul' },
  ]);
  assert.deepEqual(dataOf(srv.additionals, 'A'), ['172.16.0.1']);
  const node = ask(r, 'p-node3.node.peer1.peer.consul', 'A');
  assert.deepEqual(dataOf(node.answers), ['172.16.0.3']);
  // The peer's node is not a local node, and local nodes are not the peer's.
  assert.equal(rcodeOf(ask(r, 'p-node3.node.consul', 'A')), 'NXDOMAIN');
  assert.equal(rcodeOf(ask(r, 'n1.node.peer1.peer.consul', 'A')), 'NXDOMAIN');
  assert.equal(rcodeOf(ask(r, 'web.service.peer2.peer.consul', 'A')), 'NXDOMAIN');
});

test('dns - invalid combinations and other datacenters are NXDOMAIN with the SOA', () => {
  const r = responderFor(storeWith(catalog));
  for (const name of [
    'web.service.dc1.dc.peer1.peer.consul',
    'web.service.dc2.consul',
    'n1.node.dc2.consul',
    'nothing.consul',
    'web.unknown.consul',
    'nope.virtual.consul',
    'web.virtual.dc1.dc.consul',
    'q.query.consul',
  ]) {
    const p = ask(r, name, 'A');
    assert.equal(rcodeOf(p), 'NXDOMAIN', name);
    assert.ok(soaIn(p), name);
    assert.equal(p.flag_aa, true);
  }
});

test('dns - connect lookups answer proxies and Connect-native instances', () => {
  const r = responderFor(storeWith(catalog));
  const srv = ask(r, 'web.connect.consul', 'SRV');
  assert.deepEqual(sorted(dataOf(srv.answers)), [
    { priority: 1, weight: 1, port: 21000, target: 'n1.node.dc1.consul' },
    { priority: 1, weight: 1, port: 7000, target: 'n8.node.dc1.consul' },
  ]);
  assert.equal(rcodeOf(ask(r, 'api.connect.consul', 'A')), 'NXDOMAIN');
});

test('dns - node lookups answer A, AAAA and TXT from node meta (RFC 1464)', () => {
  const r = responderFor(storeWith(catalog), { node_ttl: '30s' });
  const a = ask(r, 'n7.node.consul', 'A');
  assert.deepEqual(dataOf(a.answers), ['10.0.0.7']);
  assert.equal(a.answers?.[0]?.type === 'A' ? a.answers[0].ttl : -1, 30);
  const txt = ask(r, 'n7.node.dc1.consul', 'TXT');
  assert.deepEqual(sorted(dataOf(txt.answers).map((d) => Buffer.concat(d as Buffer[]).toString())), [
    'a`=b=c``d',
    'env=prod',
    'verbatim',
  ]);
  assert.deepEqual(dataOf(ask(r, 'n6.node.consul', 'AAAA').answers), ['fd00::6']);
  const v6asA = ask(r, 'n6.node.consul', 'A');
  assert.equal(rcodeOf(v6asA), 'NOERROR');
  assert.equal(v6asA.answers?.length, 0);
  assert.ok(soaIn(v6asA));
  assert.deepEqual(dataOf(ask(r, 'v6svc.service.consul', 'AAAA').answers), ['fd00::6']);
});

test('dns - an unknown type for a known name is NODATA: NOERROR, no answers, SOA', () => {
  const r = responderFor(storeWith(catalog));
  for (const [name, type] of [
    ['web.service.consul', 'MX'],
    ['n1.node.consul', 'MX'],
    ['web.service.consul', 'CAA'],
    ['consul', 'A'],
  ] as const) {
    const p = ask(r, name, type);
    assert.equal(rcodeOf(p), 'NOERROR', `${name} ${type}`);
    assert.equal(p.answers?.length, 0);
    assert.ok(soaIn(p));
  }
});

test('dns - SOA and NS for the apex name the server node, with its address as glue', () => {
  const r = responderFor(storeWith(catalog));
  const ns = ask(r, 'consul', 'NS');
  assert.deepEqual(dataOf(ns.answers), ['server1.node.dc1.consul']);
  assert.deepEqual(dataOf(ns.additionals), ['10.0.0.100']);
  const soa = ask(r, 'consul', 'SOA');
  assert.deepEqual(dataOf(soa.answers), [
    {
      mname: 'ns.consul',
      rname: 'hostmaster.consul',
      serial: 1_700_000_000,
      refresh: 3600,
      retry: 600,
      expire: 86400,
      minimum: 0,
    },
  ]);
  assert.deepEqual(dataOf(soa.authorities), ['server1.node.dc1.consul']);
  // The alt domain answers with its own zone.
  const alt = ask(r, 'nothing.alt', 'A');
  assert.equal(alt.authorities?.[0]?.name, 'alt');
  assert.deepEqual(dataOf(ask(r, 'web.service.peer1.peer.alt', 'A').answers), ['172.16.0.1']);
});

test('dns - class other than IN/ANY is NOTIMP; zone transfers are NOTIMP', () => {
  const r = responderFor(storeWith(catalog));
  assert.equal(rcodeOf(ask(r, 'web.service.consul', 'A', { klass: 'CH' })), 'NOTIMP');
  assert.deepEqual(dataOf(ask(r, 'v1.web.service.consul', 'A', { klass: 'ANY' }).answers), ['10.0.0.1']);
  assert.equal(rcodeOf(ask(r, 'consul', 'AXFR')), 'NOTIMP');
});

test('dns - rejected messages get header-only replies; runts get none', () => {
  const r = responderFor(storeWith(catalog));
  const raw = queryPacket('web.service.consul', 'A', { id: 777 });
  raw.writeUInt16BE((raw.readUInt16BE(2) & ~0x7800) | (5 << 11), 2); // UPDATE
  const out = r.answer(raw, 'udp');
  assert.ok(out);
  assert.equal(out.length, 12);
  assert.equal(out.readUInt16BE(0), 777);
  assert.equal(out.readUInt16BE(2) & 0xf, 4, 'NOTIMP');
  assert.equal((out.readUInt16BE(2) >> 11) & 0xf, 5, 'opcode echoed');
  const formerr = r.answer(queryPacket('web.service.consul', 'A', { id: 778 }).subarray(0, 20), 'udp');
  assert.ok(formerr);
  assert.equal(formerr.length, 12);
  assert.equal(formerr.readUInt16BE(0), 778);
  assert.equal(formerr.readUInt16BE(2), 0x8000 | 0x0100 | 1, 'QR, RD echoed, FORMERR');
  assert.equal(r.answer(Buffer.from([1, 2, 3]), 'udp'), null);
});

test('dns - names outside the domain are REFUSED without recursors and forwarded with them', () => {
  const store = storeWith(catalog);
  const refused = ask(responderFor(store), 'example.com', 'A');
  assert.equal(rcodeOf(refused), 'REFUSED');
  assert.equal(refused.flag_ra, false);
  const withRecursors = responderFor(store, {}, { hasRecursors: true });
  const outcome = withRecursors.route(queryPacket('example.com', 'A'), 'udp');
  assert.equal(outcome.kind, 'forward');
  assert.equal(ask(withRecursors, 'web.service.consul', 'A').flag_ra, true);
});

test('dns - answers are shuffled between queries', () => {
  const specs: InstanceSpec[] = [];
  for (let i = 1; i <= 8; i++) specs.push({ node: `m${i}`, address: `10.1.0.${i}`, service: 'many' });
  const r = responderFor(storeWith(specs));
  const orders = new Set<string>();
  for (let i = 0; i < 30; i++)
    orders.add(JSON.stringify(dataOf(ask(r, 'many.service.consul', 'A', { transport: 'tcp' }).answers)));
  assert.ok(orders.size > 1, 'more than one order seen');
  for (const o of orders) assert.equal((JSON.parse(o) as unknown[]).length, 8);
});

test('dns - UDP answers: udp_answer_limit without EDNS, TC only with enable_truncate, all with EDNS or TCP', () => {
  const specs: InstanceSpec[] = [];
  for (let i = 1; i <= 10; i++) specs.push({ node: `m${i}`, address: `10.1.0.${i}`, service: 'many' });
  const store = storeWith(specs);
  const plain = ask(responderFor(store), 'many.service.consul', 'A');
  assert.equal(plain.answers?.length, 3);
  assert.equal(plain.flag_tc, false);
  const trunc = ask(responderFor(store, { enable_truncate: true }), 'many.service.consul', 'A');
  assert.equal(trunc.answers?.length, 3);
  assert.equal(trunc.flag_tc, true);
  assert.equal(
    ask(responderFor(store, { udp_answer_limit: 5 }), 'many.service.consul', 'A').answers?.length,
    5,
  );
  assert.equal(
    ask(responderFor(store, { udp_answer_limit: 50 }), 'many.service.consul', 'A').answers?.length,
    8,
    'capped at 8',
  );
  assert.equal(ask(responderFor(store), 'many.service.consul', 'A', { edns: 1232 }).answers?.length, 10);
  assert.equal(
    ask(responderFor(store), 'many.service.consul', 'A', { transport: 'tcp' }).answers?.length,
    10,
  );
  const limited = responderFor(store, { a_record_limit: 2 });
  assert.equal(ask(limited, 'many.service.consul', 'A', { transport: 'tcp' }).answers?.length, 2);
});

test('dns - UDP answers past 512 bytes are cut with their SRV extras kept in step', () => {
  const specs: InstanceSpec[] = [];
  for (let i = 1; i <= 40; i++) {
    specs.push({
      node: `a-rather-long-node-name-for-size-${i}`,
      address: `10.2.0.${i}`,
      service: 'big',
      meta: { k: 'v'.repeat(40) },
    });
  }
  const store = storeWith(specs);
  const r = responderFor(store, { enable_truncate: true, udp_answer_limit: 8 });
  const out = r.answer(queryPacket('big.service.consul', 'SRV'), 'udp');
  assert.ok(out);
  assert.ok(out.length <= 512, `size ${out.length}`);
  const p = dnsPacket.decode(out);
  assert.equal(p.flag_tc, true);
  const n = p.answers?.length ?? 0;
  assert.ok(n >= 1 && n < 8);
  const targets = new Set(dataOf(p.answers).map((d) => (d as { target: string }).target));
  for (const extra of p.additionals ?? [])
    assert.ok(targets.has(extra.name), `extra ${extra.name} backs an answer`);
  // EDNS 4096 lets far more through; TCP all 40.
  const edns = r.answer(queryPacket('big.service.consul', 'SRV', { edns: 4096 }), 'udp');
  assert.ok(edns && edns.length <= 4096 && (dnsPacket.decode(edns).answers?.length ?? 0) > n);
  assert.equal(ask(r, 'big.service.consul', 'SRV', { transport: 'tcp' }).answers?.length, 40);
});

test('dns - TTLs come from node_ttl and service_ttl patterns', () => {
  const r = responderFor(storeWith(catalog), {
    node_ttl: '10s',
    service_ttl: { '*': '5s', 'we*': '7s', api: '1m' },
  });
  const ttl = (p: DecodedPacket): number | undefined => (p.answers?.[0] as { ttl?: number } | undefined)?.ttl;
  assert.equal(ttl(ask(r, 'web.service.consul', 'A')), 7);
  assert.equal(ttl(ask(r, 'api.service.consul', 'A')), 60);
  assert.equal(ttl(ask(r, 'consul.service.consul', 'A')), 5);
  assert.equal(ttl(ask(r, 'n1.node.consul', 'A')), 10);
});

test('dns - answers change as soon as health or registrations change', () => {
  const store = storeWith([{ node: 'h1', address: '10.3.0.1', service: 'live', status: 'passing' }]);
  const r = responderFor(store);
  assert.deepEqual(dataOf(ask(r, 'live.service.consul', 'A').answers), ['10.3.0.1']);
  store.apply(100, {
    Type: 'check-update',
    Node: 'h1',
    CheckID: 'service:live',
    Status: 'critical',
    Output: '',
  });
  assert.equal(rcodeOf(ask(r, 'live.service.consul', 'A')), 'NXDOMAIN');
  store.apply(101, registerCommand({ node: 'h2', address: '10.3.0.2', service: 'live' }));
  assert.deepEqual(dataOf(ask(r, 'live.service.consul', 'A').answers), ['10.3.0.2']);
  store.apply(102, { Type: 'deregister', PeerName: '', Node: 'h2', ServiceID: 'live', CheckID: '' });
  assert.equal(rcodeOf(ask(r, 'live.service.consul', 'A')), 'NXDOMAIN');
});

test('dns - EDNS is echoed with the client subnet scope set to 0', () => {
  const r = responderFor(storeWith(catalog));
  const q = dnsPacket.encode({
    type: 'query',
    id: 9,
    questions: [{ type: 'A', name: 'web.service.consul' }],
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
  const p = dnsPacket.decode(r.answer(q, 'udp')!);
  const opt = (p.additionals ?? []).find((a) => a.type === 'OPT') as
    | {
        udpPayloadSize: number;
        options: { code: number; sourcePrefixLength?: number; scopePrefixLength?: number }[];
      }
    | undefined;
  assert.equal(opt?.udpPayloadSize, 1400);
  assert.equal(opt?.options[0]?.code, 8);
  assert.equal(opt?.options[0]?.sourcePrefixLength, 24);
  assert.equal(opt?.options[0]?.scopePrefixLength, 0);
});

test('dns - virtual lookups answer the service virtual IP per peer from 240.0.0.0/4', () => {
  const store = storeWith(catalog);
  const r = responderFor(store);
  const local = dataOf(ask(r, 'web.virtual.consul', 'A').answers);
  const peered = dataOf(ask(r, 'web.virtual.peer1.consul', 'A').answers);
  const peeredLong = dataOf(ask(r, 'web.virtual.peer1.peer.consul', 'A').answers);
  assert.equal(local.length, 1);
  assert.match(String(local[0]), /^24\d\.\d+\.\d+\.\d+$/);
  assert.equal(local[0], store.virtualIp('', 'web'));
  assert.equal(peered[0], store.virtualIp('peer1', 'web'));
  assert.deepEqual(peeredLong, peered);
  assert.notEqual(local[0], peered[0], 'one address per (peer, service)');
  const again = dataOf(ask(r, 'web.virtual.consul', 'A').answers);
  assert.deepEqual(again, local, 'stable between queries');
  assert.equal(rcodeOf(ask(r, 'web.virtual.consul', 'TXT')), 'NOERROR');
});
