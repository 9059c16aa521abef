// The mesh data path across two peered clusters with real processes only: agents A and B, Entente's sidecar for
// A's `client` and B's `web`, B's mesh gateway (and A's, in local mode), an echo server as `web`. Bytes go
// client → A's sidecar upstream (DestinationPeer b) → [A's gateway, local mode] → B's gateway → B's web sidecar →
// echo and back; TLS runs end to end between the two sidecars, the gateways route by SNI only.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';

import { fastPeeringConfigFile, startPeeringAgent, type AgentProcess } from '../helpers/agent-process.js';
import { startGatewayProcess, type GatewayProcess } from '../helpers/gateway-process.js';
import { freePort, startEchoServer, startProxyProcess, type ProxyProcess } from '../helpers/proxy-process.js';
import { retry } from '../helpers/retry.js';

type Mode = 'remote' | 'local';

async function ok(agent: AgentProcess, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  assert.equal(res.status, 200, `${method} ${path}: ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/**
 * Sends `payload` on a new connection, half-closes, and hashes everything received until the other side closes
 * (64 MiB are hashed as they arrive, not collected).
 */
function exchange(port: number, payload: Buffer): Promise<{ length: number; sha: string }> {
  return new Promise((resolve) => {
    const hash = createHash('sha256');
    let length = 0;
    const s = connect({ host: '127.0.0.1', port, allowHalfOpen: true }, () => {
      s.end(payload);
    });
    s.on('data', (c: Buffer) => {
      hash.update(c);
      length += c.length;
    });
    s.on('error', () => undefined);
    s.on('close', () => {
      resolve({ length, sha: hash.digest('hex') });
    });
  });
}

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

interface MeshPath {
  readonly a: AgentProcess;
  readonly b: AgentProcess;
  readonly gwA: GatewayProcess | undefined;
  readonly gwB: GatewayProcess;
  readonly web: ProxyProcess;
  readonly client: ProxyProcess;
  /** A's sidecar's upstream listener for web (DestinationPeer b). */
  readonly upstreamPort: number;
}

/** Writes B's intention for web: A's `client` (B knows A as peer "a") is allowed or denied. */
async function setIntention(b: AgentProcess, action: 'allow' | 'deny'): Promise<void> {
  await ok(b, 'PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'web',
    Sources: [{ Name: 'client', Peer: 'a', Action: action }],
  });
}

/** Two peered agents, every process of the path started, and web reachable through the client's upstream. */
async function startMeshPath(t: TestContext, mode: Mode): Promise<MeshPath> {
  const cfg = fastPeeringConfigFile(t);
  const [a, b] = await Promise.all([startPeeringAgent(t, 'dca', cfg), startPeeringAgent(t, 'dcb', cfg)]);

  // B: web (the echo server) with its sidecar, exported to A, allowed for A's client; B's gateway.
  const echo = await startEchoServer(t);
  const webSidecarPort = await freePort();
  await ok(b, 'PUT', '/v1/agent/service/register', {
    ID: 'web',
    Name: 'web',
    Port: echo.port,
    Connect: { SidecarService: { Port: webSidecarPort } },
  });
  await ok(b, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'a' }] }],
  });
  await setIntention(b, 'allow');
  const gwB = await startGatewayProcess(t, b, ['-log-level', 'debug']);
  const web = await startProxyProcess(t, b.httpAddr, ['-sidecar-for', 'web']);

  const token = (await ok(b, 'POST', '/v1/peering/token', { PeerName: 'a' })).PeeringToken as string;
  await ok(a, 'POST', '/v1/peering/establish', { PeerName: 'b', PeeringToken: token });

  // A: in local mode its own gateway; client with a sidecar whose upstream is web at peer b.
  const gwA = mode === 'local' ? await startGatewayProcess(t, a, ['-log-level', 'debug']) : undefined;
  const [clientSidecarPort, upstreamPort] = [await freePort(), await freePort()];
  await ok(a, 'PUT', '/v1/agent/service/register', {
    ID: 'client',
    Name: 'client',
    Port: 1,
    Connect: {
      SidecarService: {
        Port: clientSidecarPort,
        Proxy: {
          Upstreams: [
            {
              DestinationName: 'web',
              DestinationPeer: 'b',
              LocalBindPort: upstreamPort,
              MeshGateway: { Mode: mode },
            },
          ],
        },
      },
    },
  });
  const client = await startProxyProcess(t, a.httpAddr, ['-sidecar-for', 'client']);

  // The first byte waits for the peering, B's gateway passing its check (A then lists it as web's peer
  // instance), web's sidecar passing its checks (B's gateway then routes to it), A's bundle on B and B's on A.
  await retry(
    async () => {
      const r = await exchange(upstreamPort, Buffer.from('x'));
      assert.deepEqual(r, { length: 1, sha: sha(Buffer.from('x')) });
    },
    { timeoutMs: 90_000, intervalMs: 250 },
  );
  return { a, b, gwA, gwB, web, client, upstreamPort };
}

/** The payload sizes of the proof: 1 B, about 64 KiB, several MiB and 64 MiB. */
const SIZES = [1, 64 * 1024 + 3, 5 * 1024 * 1024 + 11, 64 * 1024 * 1024];

async function proveDataPath(t: TestContext, mode: Mode): Promise<MeshPath> {
  const p = await startMeshPath(t, mode);
  for (const size of SIZES) {
    const payload = randomBytes(size);
    const back = await exchange(p.upstreamPort, payload);
    assert.equal(back.length, size, `${mode} mode, ${size} bytes: length`);
    assert.equal(back.sha, sha(payload), `${mode} mode, ${size} bytes: SHA-256`);
  }
  // Several connections at once.
  const payloads = [3, 300_000, 1_048_576].map((n) => randomBytes(n));
  const backs = await Promise.all(payloads.map((pl) => exchange(p.upstreamPort, pl)));
  assert.deepEqual(
    backs.map((r) => r.sha),
    payloads.map(sha),
  );
  // The bytes went through the sidecars' counters: web's public listener carried at least the 64 MiB in.
  await retry(() =>
    assert.ok((p.web.counters()['bytes_in'] ?? 0) >= 64 * 1024 * 1024, JSON.stringify(p.web.counters())),
  );
  return p;
}

/** B's intention turns to deny: new connections are refused and web's sidecar counts the denial. */
async function proveDeny(p: MeshPath): Promise<void> {
  assert.equal(p.web.counters()['intention_denials'] ?? 0, 0, JSON.stringify(p.web.counters()));
  await setIntention(p.b, 'deny');
  await retry(async () => assert.equal((await exchange(p.upstreamPort, Buffer.from('denied?'))).length, 0), {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  await retry(
    () => assert.ok((p.web.counters()['intention_denials'] ?? 0) >= 1, JSON.stringify(p.web.counters())),
    { timeoutMs: 10_000 },
  );
  // Still refused on a fresh connection (not a one-off).
  assert.equal((await exchange(p.upstreamPort, Buffer.from('again?'))).length, 0);
}

/** The routes a gateway logged for forwarded connections (`gateway forwarding`, debug). */
function forwardedRoutes(gw: GatewayProcess): string[] {
  return gw.records('gateway forwarding').map((r) => String(r['route']));
}

test('mesh data path - remote mode: client → A’s sidecar → B’s gateway → B’s web sidecar → echo, 1 B to 64 MiB intact both ways; B’s deny intention refuses and is counted', async (t) => {
  const p = await proveDataPath(t, 'remote');
  // B's gateway routed web's peered SNI to the local sidecar (an `exported` route).
  assert.ok(forwardedRoutes(p.gwB).includes('exported'), p.gwB.logs.join('\n'));
  await proveDeny(p);
  assert.equal(await p.client.stop(), 0);
  assert.equal(await p.web.stop(), 0);
});

test('mesh data path - local mode: client → A’s sidecar → A’s gateway → B’s gateway → B’s web sidecar → echo, 1 B to 64 MiB intact both ways; B’s deny intention refuses and is counted', async (t) => {
  const p = await proveDataPath(t, 'local');
  // A's gateway forwarded by B's trust domain to B's gateway (`to-peer`), which routed to web's sidecar.
  assert.ok(p.gwA !== undefined);
  assert.ok(forwardedRoutes(p.gwA).includes('to-peer'), p.gwA.logs.join('\n'));
  assert.ok(forwardedRoutes(p.gwB).includes('exported'), p.gwB.logs.join('\n'));
  await proveDeny(p);
  assert.equal(await p.client.stop(), 0);
  assert.equal(await p.web.stop(), 0);
});
