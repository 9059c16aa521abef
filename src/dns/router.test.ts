import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeName, type RouterOptions } from './router.js';
import { QTYPE } from './parser.js';

const opts: RouterOptions = { domain: ['consul'], altDomain: ['alt'], datacenter: 'dc1' };
const route = (name: string, qtype: number = QTYPE.A) =>
  routeName(
    name
      .split('.')
      .filter((l) => l !== '')
      .map((l) => Buffer.from(l)),
    qtype,
    opts,
  );

test('dns - router parses service forms with tags, datacenters and peers', () => {
  assert.deepEqual(route('web.service.consul'), {
    kind: 'service',
    domain: 'consul.',
    service: 'web',
    tag: null,
    locality: { datacenter: 'dc1', peer: '' },
  });
  assert.deepEqual(route('V1.Web.SERVICE.dc1.Consul'), {
    kind: 'service',
    domain: 'consul.',
    service: 'web',
    tag: 'v1',
    locality: { datacenter: 'dc1', peer: '' },
  });
  assert.deepEqual(route('web.service.dc2.dc.consul'), {
    kind: 'service',
    domain: 'consul.',
    service: 'web',
    tag: null,
    locality: { datacenter: 'dc2', peer: '' },
  });
  assert.deepEqual(route('v1.web.service.peer1.peer.alt'), {
    kind: 'service',
    domain: 'alt.',
    service: 'web',
    tag: 'v1',
    locality: { datacenter: '', peer: 'peer1' },
  });
});

test('dns - router parses RFC 2782 names, _tcp meaning no tag', () => {
  const plain = route('_web._tcp.service.consul', QTYPE.SRV);
  assert.equal(plain.kind, 'service');
  if (plain.kind === 'service') {
    assert.equal(plain.service, 'web');
    assert.equal(plain.tag, null);
  }
  const tagged = route('_web._v1.service.peer1.peer.consul', QTYPE.SRV);
  assert.equal(tagged.kind, 'service');
  if (tagged.kind === 'service') {
    assert.equal(tagged.tag, 'v1');
    assert.equal(tagged.locality.peer, 'peer1');
  }
  // Without the "service" label, for SRV only.
  const short = route('_web._tcp.consul', QTYPE.SRV);
  assert.equal(short.kind, 'service');
  assert.equal(route('_web._tcp.consul', QTYPE.A).kind, 'invalid');
});

test('dns - router rejects a datacenter and a peer together and unknown locality keys', () => {
  assert.equal(route('web.service.dc1.dc.peer1.peer.consul').kind, 'invalid');
  assert.equal(route('web.service.peer1.peer.dc1.dc.consul').kind, 'invalid');
  assert.equal(route('web.service.x.ns.consul').kind, 'invalid');
  assert.equal(route('web.service.a.b.c.consul').kind, 'invalid');
  assert.equal(route('node1.node.peer1.peer.dc1.dc.consul').kind, 'invalid');
});

test('dns - router parses node, connect, addr and virtual forms', () => {
  assert.deepEqual(route('Node1.node.consul'), {
    kind: 'node',
    domain: 'consul.',
    node: 'node1',
    locality: { datacenter: 'dc1', peer: '' },
  });
  assert.deepEqual(route('a.b.node.peer1.peer.consul'), {
    kind: 'node',
    domain: 'consul.',
    node: 'a.b',
    locality: { datacenter: '', peer: 'peer1' },
  });
  assert.deepEqual(route('web.connect.consul'), {
    kind: 'connect',
    domain: 'consul.',
    service: 'web',
    locality: { datacenter: 'dc1', peer: '' },
  });
  assert.equal(route('web.connect.peer1.peer.consul').kind, 'invalid');
  assert.deepEqual(route('7f000001.addr.dc1.consul'), {
    kind: 'addr',
    domain: 'consul.',
    ip: '127.0.0.1',
    family: 4,
  });
  assert.deepEqual(route('20010db8000000000000000000000001.addr.consul'), {
    kind: 'addr',
    domain: 'consul.',
    ip: '2001:db8:0:0:0:0:0:1',
    family: 6,
  });
  assert.equal(route('zz000001.addr.consul').kind, 'invalid');
  assert.deepEqual(route('web.virtual.peer1.consul'), {
    kind: 'virtual',
    domain: 'consul.',
    service: 'web',
    peer: 'peer1',
  });
  assert.equal(route('q.query.consul').kind, 'unsupported');
});

test('dns - router tells apex, outside and junk apart', () => {
  assert.deepEqual(route('consul'), { kind: 'apex', domain: 'consul.' });
  assert.deepEqual(route('CONSUL'), { kind: 'apex', domain: 'consul.' });
  assert.deepEqual(route('example.com'), { kind: 'outside' });
  assert.deepEqual(route('consul.example.com'), { kind: 'outside' });
  assert.equal(route('foo.consul').kind, 'invalid');
  assert.equal(route('service.consul').kind, 'invalid');
  const weird = routeName(
    [Buffer.from([0x77, 0x00]), Buffer.from('service'), Buffer.from('consul')],
    QTYPE.A,
    opts,
  );
  assert.equal(weird.kind, 'invalid');
});
