// ACK_TIMEOUT over real gRPC: an agent process (the exporter, `peering { ack_timeout = "1s" }`) accepts a stream
// from a peer that opens it properly (token, secret exchange, Open, subscriptions) and reads every response but
// never acknowledges one. The exporter must reset that stream with reason ACK_TIMEOUT, visible in its peering
// read. (The in-memory version with a fake clock is src/peering/send-path.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPeerTransport } from '../../src/grpc/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { TYPE_URL, type BidiStream, type ReplicationMessage } from '../../src/peering/index.js';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

interface TokenJson {
  CA: string[];
  ServerAddresses: string[];
  ServerName: string;
  PeerID: string;
  EstablishmentSecret: string;
}

interface PeeringJson {
  State: string;
  Diagnostics?: { Reason?: string; Message?: string };
}

async function call(agent: AgentProcess, method: string, path: string, body?: unknown) {
  const res = await fetch(`${agent.httpAddr}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, text: await res.text() };
}

/** Reads everything the exporter sends and never answers; returns the responses seen and how reading ended. */
async function readWithoutAcks(stream: BidiStream, seen: ReplicationMessage[]): Promise<string> {
  try {
    for (;;) {
      const msg = await stream.recv();
      if (msg === null) return 'ended';
      if (msg.kind === 'response') seen.push(msg);
    }
  } catch (err) {
    return `failed: ${err instanceof Error ? err.message : String(err)}`;
  }
}

test('peering ack-timeout - a real gRPC peer that never ACKs is reset with ACK_TIMEOUT, shown by the peering read', async (t) => {
  const cfgDir = mkdtempSync(join(tmpdir(), 'entente-ack-timeout-'));
  t.after(() => rmSync(cfgDir, { recursive: true, force: true }));
  const cfg = join(cfgDir, 'peering.json');
  writeFileSync(cfg, JSON.stringify({ peering: { ack_timeout: '1s' } }));
  const exporter = await startAgentProcess(t, {
    grpcTls: true,
    datacenter: 'dc-exp',
    node: 'exp-server',
    args: ['-config-file', cfg],
  });

  const reg = await call(exporter, 'PUT', '/v1/catalog/register', {
    Node: 'exp-node-1',
    Address: '10.0.0.1',
    Service: { Service: 'web', ID: 'web-1', Port: 8080 },
    Check: { CheckID: 'chk-web-1', Name: 'chk', Status: 'passing', ServiceID: 'web-1' },
  });
  assert.equal(reg.status, 200, reg.text);
  const exp = await call(exporter, 'PUT', '/v1/config', {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'silent' }] }],
  });
  assert.equal(exp.text, 'true', exp.text);
  const tok = await call(exporter, 'POST', '/v1/peering/token', { PeerName: 'silent' });
  assert.equal(tok.status, 200, tok.text);
  const encoded = (JSON.parse(tok.text) as { PeeringToken: string }).PeeringToken;
  const token = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as TokenJson;

  // The silent peer: Entente's own gRPC transport, driven by hand.
  const transport = createPeerTransport({ logger: silentLogger() });
  t.after(() => {
    transport.close();
  });
  const target = { addresses: token.ServerAddresses, serverName: token.ServerName, caPems: token.CA };
  const secret = await transport.exchangeSecret(target, {
    PeerID: token.PeerID,
    EstablishmentSecret: token.EstablishmentSecret,
  });
  const stream = await transport.openStream(
    token.ServerAddresses[0] ?? '',
    target,
    AbortSignal.timeout(10_000),
  );
  t.after(() => {
    stream.end();
  });
  await stream.send({
    kind: 'open',
    peerId: token.PeerID,
    streamSecretId: secret,
    remote: { Partition: '', Datacenter: 'dc-silent' },
  });
  for (const url of [TYPE_URL.exportedService, TYPE_URL.exportedServiceList, TYPE_URL.trustBundle]) {
    await stream.send({ kind: 'request', peerId: '', responseNonce: '', resourceUrl: url, error: undefined });
  }
  const seen: ReplicationMessage[] = [];
  const reading = readWithoutAcks(stream, seen);

  const peering = await retry(
    async () => {
      const r = await call(exporter, 'GET', '/v1/peering/silent');
      assert.equal(r.status, 200, r.text);
      const p = JSON.parse(r.text) as PeeringJson;
      assert.equal(p.Diagnostics?.Reason, 'ACK_TIMEOUT', r.text);
      return p;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  );
  assert.match(peering.Diagnostics?.Message ?? '', /did not acknowledge replicated resources within 1s/);
  // The exporter did send (there was something to acknowledge), and it ended our stream.
  assert.ok(
    seen.some((m) => m.kind === 'response' && m.resourceId === 'web'),
    'the exported service was sent',
  );
  // The reset ended our side of the stream too (reading stops; were it left open, this would hang).
  assert.match(await reading, /^(ended|failed: )/);
});
