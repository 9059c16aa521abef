// Two peered agent processes and real `entente connect proxy -gateway=mesh` processes: B exports web to A; a TLS
// client presenting web's peered SNI through B's gateway reaches web's sidecar endpoint, directly (remote mode) and
// through A's gateway (local mode: A's gateway forwards by the peer's trust domain to B's gateway). A service not
// exported to A and garbage instead of a ClientHello are closed and counted.
//
// NOTE: web's "sidecar" here is a plain TLS echo server registered as web-sidecar-proxy, standing in for Entente's
// sidecar: the gateway never terminates TLS, so what sits behind it only has to speak TLS. The full path with real
// sidecars on both ends is test/integration/mesh-data-path.test.ts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { generateRootCA } from '../../src/connect/index.js';
import { fastPeeringConfigFile, startPeeringAgent, type AgentProcess } from '../helpers/agent-process.js';
import { startGatewayProcess } from '../helpers/gateway-process.js';
import { retry } from '../helpers/retry.js';

async function ok(agent: AgentProcess, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${path}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** A TLS echo server standing in for web's sidecar public listener. */
async function tlsEcho(t: TestContext): Promise<{ port: number; ca: string }> {
  const { root, signingKeyPem } = await generateRootCA({
    clusterId: '0b4e8f1e-0000-4000-8000-00000000000b',
    datacenter: 'dcb',
  });
  const server = tls.createServer({ cert: root.RootCert, key: signingKeyPem, allowHalfOpen: true }, (s) => {
    s.on('error', () => undefined);
    s.pipe(s);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, ca: root.RootCert };
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

async function echoThrough(port: number, servername: string, ca: string, payload: Buffer): Promise<Buffer> {
  const socket = tls.connect({
    port,
    host: '127.0.0.1',
    servername,
    ca,
    checkServerIdentity: () => undefined,
  });
  await once(socket, 'secureConnect');
  const parts: Buffer[] = [];
  socket.on('data', (c: Buffer) => parts.push(c));
  const ended = once(socket, 'end');
  socket.end(payload);
  await ended;
  socket.destroy();
  return Buffer.concat(parts);
}

/** True when the gateway closes the connection before any TLS handshake completes. */
async function refusedTls(port: number, servername: string): Promise<boolean> {
  const s = tls.connect({ port, host: '127.0.0.1', servername, rejectUnauthorized: false });
  s.on('error', () => undefined);
  const ev = await Promise.race([
    new Promise((r) => s.once('secureConnect', () => r('connected'))),
    new Promise((r) => s.once('close', () => r('closed'))),
  ]);
  s.destroy();
  return ev === 'closed';
}

test('mesh gateway - peered SNI through B’s gateway (remote) and through A’s then B’s (local) reaches web’s sidecar; not-exported and garbage are closed and counted', async (t) => {
  const cfg = fastPeeringConfigFile(t);
  const [a, b] = await Promise.all([startPeeringAgent(t, 'dca', cfg), startPeeringAgent(t, 'dcb', cfg)]);
  const echo = await tlsEcho(t);

  // B: web and db each with a "sidecar" (the echo server), passing; web exported to peer "a", db to nobody.
  for (const svc of ['web', 'db']) {
    await ok(b, 'PUT', '/v1/catalog/register', {
      Node: 'app-node',
      Address: '127.0.0.1',
      Service: {
        Kind: 'connect-proxy',
        ID: `${svc}-sidecar-proxy`,
        Service: `${svc}-sidecar-proxy`,
        Address: '127.0.0.1',
        Port: echo.port,
        Proxy: { DestinationServiceName: svc, DestinationServiceID: svc },
      },
      Check: { CheckID: `${svc}-alive`, Name: 'alive', Status: 'passing', ServiceID: `${svc}-sidecar-proxy` },
    });
  }
  await ok(b, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'a' }] }],
  });
  const gwB = await startGatewayProcess(t, b);
  const gwA = await startGatewayProcess(t, a);

  const token = (await ok(b, 'POST', '/v1/peering/token', { PeerName: 'a' })).PeeringToken as string;
  await ok(a, 'POST', '/v1/peering/establish', { PeerName: 'b', PeeringToken: token });

  // A sees B's gateway as web's peer sidecar once its TCP check passes: that instance is what a sidecar dials.
  const peerRow = await retry(
    async () => {
      const rows = (await ok(a, 'GET', '/v1/health/connect/web?peer=b&passing=1')) as any[];
      assert.equal(rows.length, 1);
      return rows[0];
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  const sni: string = peerRow.Service.Connect.PeerMeta.SNI[0];
  const bTd = ((await ok(b, 'GET', '/v1/connect/ca/roots')) as any).TrustDomain as string;
  assert.equal(sni, `web.default.default.a.external.${bTd}`);
  assert.deepEqual(peerRow.Service.TaggedAddresses.wan, { Address: '127.0.0.1', Port: gwB.port });

  // Remote mode: straight to B's gateway (its WAN address), payloads from 1 byte to 8 MiB, checksummed both ways.
  for (const size of [1, 1500, 64 * 1024 + 1, 8 * 1024 * 1024]) {
    const payload = randomBytes(size);
    const echoed = await retry(() => echoThrough(gwB.port, sni, echo.ca, payload), {
      timeoutMs: 20_000,
      intervalMs: 200,
    });
    assert.equal(sha(echoed), sha(payload), `remote mode, ${size} bytes`);
  }

  // Local mode: to A's own gateway, which knows B's trust domain from B's bundle and forwards to B's gateway.
  for (const size of [1, 3 * 1024 * 1024 + 7]) {
    const payload = randomBytes(size);
    const echoed = await retry(() => echoThrough(gwA.port, sni, echo.ca, payload), {
      timeoutMs: 30_000,
      intervalMs: 200,
    });
    assert.equal(sha(echoed), sha(payload), `local mode, ${size} bytes`);
  }

  // db is not exported to A: B's gateway closes it before any handshake and counts it.
  assert.ok(await refusedTls(gwB.port, `db.default.default.a.external.${bTd}`));
  // Garbage instead of a ClientHello: closed without harm, counted.
  const g = net.connect({ port: gwB.port, host: '127.0.0.1' });
  g.on('error', () => undefined);
  g.write(randomBytes(4096));
  await once(g, 'close');
  await retry(() => {
    const reasons = gwB.refusals();
    const notExported = reasons.filter((r) => r.reason === 'not-exported');
    const bad = reasons.filter((r) => r.reason === 'bad-client-hello');
    assert.equal(notExported.length, 1, gwB.logs.join('\n'));
    assert.equal(notExported[0]!.refused_total, 1);
    assert.equal(bad.length, 1);
  });
  // B's gateway still forwards after all that.
  const after = randomBytes(10_000);
  assert.equal(sha(await echoThrough(gwB.port, sni, echo.ca, after)), sha(after));
});
