// Connection limits of a real agent's HTTP listener: Consul's per-client cap, and the total cap below the fd limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

interface Outcome {
  answered: boolean;
  tooMany: boolean;
  socket: net.Socket;
}

/** Opens `n` connections at once, each sending one GET; resolves when each got an answer or was closed. */
async function openMany(port: number, n: number): Promise<Outcome[]> {
  return Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Outcome>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          let text = '';
          const done = (): void => {
            resolve({ answered: text.includes(' 200 OK'), tooMany: text.includes(' 429 '), socket });
          };
          socket.on('error', () => undefined);
          socket.on('connect', () => socket.write('GET /v1/status/leader HTTP/1.1\r\nHost: x\r\n\r\n'));
          socket.on('data', (c: Buffer) => {
            text += c.toString('latin1');
            if (text.includes('\r\n\r\n')) done();
          });
          socket.on('close', done);
        }),
    ),
  );
}

test('http limits - a real agent answers Consul 429 past 200 connections from one IP, and logs it once', async (t) => {
  const agent = await startAgentProcess(t, { dev: true });
  const outcomes = await openMany(agent.httpPort, 260);
  t.after(() => {
    for (const o of outcomes) o.socket.destroy();
  });
  assert.equal(outcomes.filter((o) => o.answered).length, 200);
  assert.equal(outcomes.filter((o) => o.tooMany).length, 60);
  await retry(() => {
    const lines = agent.logs.filter((l) => l.includes('http_max_conns_per_client'));
    assert.equal(lines.length, 1, agent.logs.join('\n'));
  });
});

test('http limits - near the open-file limit connections are dropped with a log line, and the agent keeps serving', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-limits-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const config = join(dir, 'limits.hcl');
  writeFileSync(config, 'limits { http_max_conns_per_client = 0 }\n');
  // 600 fds: the HTTP listener stops at max(600 - 256, 300) = 344 connections.
  const agent = await startAgentProcess(t, {
    dev: true,
    openFileLimit: 600,
    args: ['-config-file', config],
  });
  const outcomes = await openMany(agent.httpPort, 420);
  const answered = outcomes.filter((o) => o.answered).length;
  assert.equal(answered, 344, 'answered up to the cap');
  await retry(() => {
    const lines = agent.logs.filter((l) => l.includes('total connection cap'));
    assert.equal(lines.length, 1, agent.logs.slice(-20).join('\n'));
  });
  for (const o of outcomes) o.socket.destroy();
  await retry(async () => {
    const res = await fetch(`${agent.httpAddr}/v1/status/leader`);
    assert.equal(res.status, 200);
  });
  // No other error: the agent did not run out of descriptors itself.
  assert.ok(!agent.logs.some((l) => l.includes('EMFILE')), agent.logs.join('\n'));
});
