import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig } from '../config/index.js';
import { silentLogger } from '../logging/index.js';
import { MemoryLog, type CommandLog } from '../wal/index.js';
import { Agent } from './agent.js';

function devConfig() {
  return buildConfig(
    {
      node_name: 'n1',
      bind_addr: '127.0.0.1',
      ports: { http: -1, dns: -1, grpc_tls: -1 },
    },
    true,
  );
}

/** A MemoryLog whose close() fails or never settles. */
function brokenLog(mode: 'reject' | 'hang'): CommandLog & { closeCalls: number } {
  const inner = new MemoryLog();
  const log = {
    closeCalls: 0,
    start: inner.start.bind(inner),
    append: inner.append.bind(inner),
    readBarrier: inner.readBarrier.bind(inner),
    get lastIndex() {
      return inner.lastIndex;
    },
    get health() {
      return inner.health;
    },
    close(): Promise<void> {
      log.closeCalls += 1;
      return mode === 'reject' ? Promise.reject(new Error('fsync: EIO')) : new Promise<void>(() => undefined);
    },
  };
  return log;
}

test('agent - close() reports a command log that failed to close instead of claiming success', async () => {
  const log = brokenLog('reject');
  const agent = new Agent(devConfig(), silentLogger(), { commandLog: log });
  await agent.start();
  await assert.rejects(agent.close(), /shutdown failed: command log: fsync: EIO/);
  assert.equal(log.closeCalls, 1);
});

test('agent - close() that outlives the grace period fails loudly', async () => {
  const log = brokenLog('hang');
  const agent = new Agent(devConfig(), silentLogger(), { commandLog: log, shutdownGraceMs: 50 });
  await agent.start();
  // The agent's grace timer is unref()ed (it never holds a process open); hold this one open meanwhile.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await assert.rejects(
      agent.close(),
      /did not finish within 50 ms; the command log may not be closed cleanly/,
    );
  } finally {
    clearInterval(keepAlive);
  }
});

test('agent - a clean close() resolves', async () => {
  const agent = new Agent(devConfig(), silentLogger());
  await agent.start();
  await agent.close();
  await agent.close(); // idempotent
});

test('agent - the KV tombstone reaper and the Connect CA maintenance run as leader jobs: started with the server, stopped at close', async () => {
  const agent = new Agent(devConfig(), silentLogger());
  assert.deepEqual(agent.leaderJobs.running, []);
  await agent.start();
  assert.deepEqual(agent.leaderJobs.running.sort(), ['connect CA maintenance', 'tombstone reaper']);
  await agent.close();
  assert.equal(agent.leaderJobs.leader, false);
  assert.deepEqual(agent.leaderJobs.running, []);
});
