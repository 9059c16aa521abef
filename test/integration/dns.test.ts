import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import dnsPacket from 'dns-packet';
import { DnsServer } from '../../src/dns/index.js';
import { storeWith, queryPacket, type InstanceSpec } from '../../src/dns/testing/fixtures.js';
import { hostilePacket, prng } from '../../src/dns/testing/fuzz.js';
import { silentLogger } from '../../src/logging/index.js';
import { missingTool } from '../helpers/system-tool.js';
import type { StateStore } from '../../src/state/index.js';

// TODO(dns): the lead switches this to a real agent process (and a second, peered one) once the agent wires DNS.

const catalog: InstanceSpec[] = [
  { node: 'server1', address: '127.0.0.1', service: 'consul', port: 8300 },
  { node: 'n1', address: '10.0.0.1', service: 'web', id: 'web1', tags: ['v1'], meta: { env: 'prod' } },
  { node: 'n2', address: '10.0.0.2', service: 'web', id: 'web2', tags: ['v2'], status: 'warning' },
  { node: 'n3', address: '10.0.0.3', service: 'web', id: 'web3', status: 'critical' },
  { node: 'n6', address: 'fd00::6', service: 'v6svc' },
  {
    node: 'n1',
    address: '10.0.0.1',
    meta: { env: 'prod' },
    service: 'web-sidecar-proxy',
    id: 'web1-proxy',
    kind: 'connect-proxy',
    proxyDestination: 'web',
    port: 21000,
  },
  {
    node: 'p-node1',
    address: '172.16.0.1',
    peer: 'peer1',
    service: 'web',
    id: 'pweb1',
    tags: ['v1'],
    port: 9000,
  },
];

let store: StateStore;
let server: DnsServer;
let port: number;
let resolver: Resolver;
const noDig = missingTool('dig');

function newServer(opts: { recursors?: string[]; dnsConfig?: Record<string, unknown> } = {}): DnsServer {
  return new DnsServer({
    store,
    datacenter: 'dc1',
    nodeName: 'server1',
    domain: 'consul.',
    altDomain: '',
    dnsConfig: opts.dnsConfig ?? {},
    recursors: opts.recursors ?? [],
    logger: silentLogger(),
  });
}

before(async () => {
  store = storeWith(catalog);
  server = newServer();
  const ports = await server.listen('127.0.0.1', 0);
  assert.equal(ports.udpPort, ports.tcpPort);
  port = ports.udpPort;
  resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
});

after(async () => {
  await server.close();
  await server.close(); // idempotent
});

interface DigResult {
  status: string;
  flags: string[];
  answers: string[][];
  additional: string[][];
  authority: string[][];
}

function dig(args: string[]): Promise<DigResult> {
  return new Promise((resolve, reject) => {
    execFile(
      'dig',
      [
        `@127.0.0.1`,
        '-p',
        String(port),
        '+time=2',
        '+tries=1',
        '+noall',
        '+comments',
        '+answer',
        '+authority',
        '+additional',
        ...args,
      ],
      (err, stdout) => {
        if (err) {
          reject(new Error(`dig failed: ${err.message}`));
          return;
        }
        const status = /status: (\w+)/.exec(stdout)?.[1] ?? '';
        const flags = (/flags: ([^;]*);/.exec(stdout)?.[1] ?? '').trim().split(/\s+/);
        const sections: Record<string, string[][]> = { ANSWER: [], AUTHORITY: [], ADDITIONAL: [] };
        let current = '';
        for (const line of stdout.split('\n')) {
          const m = /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/.exec(line);
          if (m) current = m[1]!;
          else if (line.startsWith(';') || line.trim() === '') {
            if (line.trim() === '') current = '';
          } else if (current !== '') sections[current]!.push(line.split(/\s+/));
        }
        resolve({
          status,
          flags,
          answers: sections['ANSWER']!,
          authority: sections['AUTHORITY']!,
          additional: sections['ADDITIONAL']!,
        });
      },
    );
  });
}

const lastField = (rows: string[][]): string[] => rows.map((r) => r[r.length - 1]!).sort();

test('dns - Node resolver: A, AAAA, SRV and TXT against the running server', async () => {
  assert.deepEqual((await resolver.resolve4('web.service.consul')).sort(), ['10.0.0.1', '10.0.0.2']);
  assert.deepEqual(await resolver.resolve4('V1.Web.Service.Consul'), ['10.0.0.1']);
  assert.deepEqual(await resolver.resolve6('v6svc.service.consul'), ['fd00::6']);
  const srv = await resolver.resolveSrv('_web._v1.service.consul');
  assert.deepEqual(srv, [{ name: 'n1.node.dc1.consul', port: 8080, priority: 1, weight: 1 }]);
  assert.deepEqual(await resolver.resolveTxt('n1.node.consul'), [['env=prod']]);
  assert.deepEqual(await resolver.resolve4('n1.node.dc1.consul'), ['10.0.0.1']);
  await assert.rejects(resolver.resolve4('missing.service.consul'), { code: 'ENOTFOUND' });
  await assert.rejects(resolver.resolve4('example.com'), { code: 'EREFUSED' });
});

test('dns - Node resolver: peer forms answer the imported data', async () => {
  assert.deepEqual(await resolver.resolve4('web.service.peer1.peer.consul'), ['172.16.0.1']);
  assert.deepEqual(await resolver.resolve4('v1.web.service.peer1.peer.consul'), ['172.16.0.1']);
  assert.deepEqual(await resolver.resolveSrv('_web._tcp.service.peer1.peer.consul'), [
    { name: 'p-node1.node.peer1.peer.consul', port: 9000, priority: 1, weight: 1 },
  ]);
  assert.deepEqual(await resolver.resolve4('p-node1.node.peer1.peer.consul'), ['172.16.0.1']);
  await assert.rejects(resolver.resolve4('web.service.dc1.dc.peer1.peer.consul'), { code: 'ENOTFOUND' });
});

test('dns - dig over UDP and TCP', { skip: noDig }, async () => {
  for (const transport of [[], ['+tcp']]) {
    const a = await dig([...transport, 'web.service.consul', 'A']);
    assert.equal(a.status, 'NOERROR');
    assert.ok(a.flags.includes('aa'));
    assert.deepEqual(lastField(a.answers), ['10.0.0.1', '10.0.0.2']);

    const srv = await dig([...transport, '_web._tcp.service.consul', 'SRV']);
    assert.equal(srv.status, 'NOERROR');
    assert.deepEqual(lastField(srv.answers), ['n1.node.dc1.consul.', 'n2.node.dc1.consul.']);
    assert.deepEqual(
      srv.additional
        .filter((r) => r[3] === 'A')
        .map((r) => `${r[0]} ${r[4]}`)
        .sort(),
      ['n1.node.dc1.consul. 10.0.0.1', 'n2.node.dc1.consul. 10.0.0.2'],
    );

    const peer = await dig([...transport, 'web.service.peer1.peer.consul', 'A']);
    assert.deepEqual(lastField(peer.answers), ['172.16.0.1']);

    const connect = await dig([...transport, 'web.connect.consul', 'SRV']);
    assert.deepEqual(
      connect.answers.map((r) => r.slice(4)),
      [['1', '1', '21000', 'n1.node.dc1.consul.']],
    );

    const txt = await dig([...transport, 'n1.node.consul', 'TXT']);
    assert.deepEqual(lastField(txt.answers), ['"env=prod"']);

    const nx = await dig([...transport, 'nope.service.consul', 'A']);
    assert.equal(nx.status, 'NXDOMAIN');
    assert.equal(nx.authority[0]?.[3], 'SOA');

    const soa = await dig([...transport, 'consul', 'SOA']);
    assert.equal(soa.status, 'NOERROR');
    assert.equal(soa.answers[0]?.[3], 'SOA');
    assert.equal(soa.answers[0]?.[4], 'ns.consul.');

    const ns = await dig([...transport, 'consul', 'NS']);
    assert.deepEqual(lastField(ns.answers), ['server1.node.dc1.consul.']);
    assert.deepEqual(lastField(ns.additional.filter((r) => r[3] === 'A')), ['127.0.0.1']);

    const nodata = await dig([...transport, 'web.service.consul', 'MX']);
    assert.equal(nodata.status, 'NOERROR');
    assert.equal(nodata.answers.length, 0);
    assert.equal(nodata.authority[0]?.[3], 'SOA');

    const chaos = await dig([...transport, '-c', 'CH', 'web.service.consul', 'TXT']);
    assert.equal(chaos.status, 'NOTIMP');

    const refused = await dig([...transport, 'example.com', 'A']);
    assert.equal(refused.status, 'REFUSED');
  }
});

test('dns - dig: UDP answers are limited without EDNS and complete over TCP', { skip: noDig }, async () => {
  for (let i = 1; i <= 10; i++) {
    const res = store.apply(1000 + i, {
      Type: 'register',
      SkipNodeUpdate: false,
      Node: {
        ID: '',
        Node: `m${i}`,
        Address: `10.5.0.${i}`,
        Datacenter: 'dc1',
        TaggedAddresses: {},
        Meta: {},
      },
      Service: {
        Kind: '',
        ID: 'many',
        Service: 'many',
        Tags: [],
        Address: '',
        Meta: {},
        Port: 80,
        Weights: { Passing: 1, Warning: 1 },
        EnableTagOverride: false,
      },
      Checks: [],
    });
    assert.ok(res.ok);
  }
  assert.equal((await dig(['+noedns', 'many.service.consul', 'A'])).answers.length, 3);
  assert.equal((await dig(['many.service.consul', 'A'])).answers.length, 10, 'dig sends EDNS 1232');
  assert.equal((await dig(['+tcp', '+noedns', 'many.service.consul', 'A'])).answers.length, 10);

  const truncating = newServer({ dnsConfig: { enable_truncate: true } });
  const { udpPort } = await truncating.listen('127.0.0.1', 0);
  try {
    const reply = await udpExchange(udpPort, queryPacket('many.service.consul', 'A'));
    const p = dnsPacket.decode(reply);
    assert.equal(p.flag_tc, true);
    assert.equal(p.answers?.length, 3);
  } finally {
    await truncating.close();
  }
});

function udpExchange(toPort: number, packet: Buffer, timeoutMs = 2000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    const timer = setTimeout(() => {
      sock.close();
      reject(new Error('timeout'));
    }, timeoutMs);
    sock.on('message', (msg) => {
      clearTimeout(timer);
      sock.close();
      resolve(msg);
    });
    sock.send(packet, toPort, '127.0.0.1');
  });
}

test('dns - names outside the domain are forwarded to the recursors in order, past a dead one', async () => {
  // A dead recursor (bound, never answers) and a fake upstream answering example.com.
  const dead = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => dead.bind(0, '127.0.0.1', resolve));
  const upstream = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => upstream.bind(0, '127.0.0.1', resolve));
  let upstreamQueries = 0;
  upstream.on('message', (msg, rinfo) => {
    upstreamQueries++;
    const q = dnsPacket.decode(msg);
    const reply = dnsPacket.encode({
      type: 'response',
      id: q.id ?? 0,
      flags: dnsPacket.RECURSION_AVAILABLE,
      questions: q.questions ?? [],
      answers: [{ type: 'A', name: q.questions?.[0]?.name ?? '', ttl: 60, data: '93.184.216.34' }],
    });
    upstream.send(reply, rinfo.port, rinfo.address);
  });
  const forwarding = newServer({
    recursors: [`127.0.0.1:${dead.address().port}`, `127.0.0.1:${upstream.address().port}`],
    dnsConfig: { recursor_timeout: '200ms' },
  });
  const { udpPort } = await forwarding.listen('127.0.0.1', 0);
  try {
    const r = new Resolver({ timeout: 3000, tries: 1 });
    r.setServers([`127.0.0.1:${udpPort}`]);
    assert.deepEqual(await r.resolve4('example.com'), ['93.184.216.34']);
    assert.equal(upstreamQueries, 1);
    // In-domain names are still answered locally, with RA set.
    const local = dnsPacket.decode(await udpExchange(udpPort, queryPacket('web.service.consul', 'A')));
    assert.equal(local.flag_ra, true);
    // All recursors failing is SERVFAIL.
    upstream.removeAllListeners('message');
    const failed = dnsPacket.decode(await udpExchange(udpPort, queryPacket('example.org', 'A'), 3000));
    assert.equal((failed as { rcode?: string }).rcode, 'SERVFAIL');
  } finally {
    await forwarding.close();
    dead.close();
    upstream.close();
  }
});

test('dns - fuzz over UDP: 100,000 hostile datagrams, then correct answers and no handler errors', async () => {
  const TOTAL = 100_000;
  /** Datagrams in flight at once: small enough that the kernel's receive buffer never overflows. */
  const WINDOW = 32;
  /** With no progress for this long, what is in flight is counted as lost (the kernel dropped it). */
  const STALL_MS = 500;
  const rand = prng(4242);
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  sock.on('message', () => undefined); // replies are ignored; the server's counters tell what it did
  const start = server.stats.received;
  const processed = (): number => server.stats.received - start;
  let sent = 0;
  let lost = 0;
  let lastProgress = Date.now();
  let lastSeen = 0;
  try {
    while (sent < TOTAL) {
      if (sent - lost - processed() < WINDOW) {
        let packet = hostilePacket(rand);
        // Empty datagrams and ones larger than a UDP payload cannot be sent; send a runt instead.
        if (packet.length === 0 || packet.length > 65_000) packet = Buffer.from([1]);
        sock.send(packet, port, '127.0.0.1');
        sent++;
        continue;
      }
      await new Promise<void>((resolve) => setImmediate(resolve));
      const now = Date.now();
      if (processed() !== lastSeen) {
        lastSeen = processed();
        lastProgress = now;
      } else if (now - lastProgress > STALL_MS) {
        lost = sent - processed();
        lastProgress = now;
      }
    }
    const deadline = Date.now() + 5000;
    while (processed() + lost < sent && Date.now() < deadline) {
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    sock.close();
  }
  const stats = server.stats;
  assert.equal(stats.errors, 0, 'no handler threw');
  assert.ok(processed() >= TOTAL * 0.99, `server processed ${processed()} of ${TOTAL}`);
  assert.deepEqual((await resolver.resolve4('web.service.consul')).sort(), ['10.0.0.1', '10.0.0.2']);
  if (noDig === false) {
    const tcpCheck = await dig(['+tcp', 'web.service.consul', 'A']);
    assert.deepEqual(lastField(tcpCheck.answers), ['10.0.0.1', '10.0.0.2']);
  }
});

test('dns - port 0 picks one port for both UDP and TCP; a taken port fails listen', async () => {
  const other = newServer();
  await assert.rejects(other.listen('127.0.0.1', port), { code: 'EADDRINUSE' });
  await other.close();
});
