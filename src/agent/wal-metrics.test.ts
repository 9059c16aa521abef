import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../config/index.js';
import { silentLogger } from '../logging/index.js';
import { Agent } from './agent.js';

function config(dataDir: string) {
  return buildConfig(
    {
      node_name: 'n1',
      bind_addr: '127.0.0.1',
      ports: { http: -1, dns: -1, grpc_tls: -1 },
      ...(dataDir === '' ? {} : { data_dir: dataDir, server: true, bootstrap: true }),
      telemetry: { disable_hostname: true },
    },
    dataDir === '',
  );
}

function walGauges(agent: Agent): Map<string, number> {
  return new Map(
    agent.metrics
      .summary()
      .Gauges.filter((g) => g.Name.startsWith('entente.wal.'))
      .map((g) => [g.Name, g.Value]),
  );
}

test('metrics - a durable agent reports its command log counters: appends, group-commit batches, fsyncs, bytes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-wal-metrics-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const agent = new Agent(config(dir), silentLogger());
  await agent.start();
  try {
    const before = walGauges(agent);
    assert.deepEqual([...before.keys()].sort(), [
      'entente.wal.appends',
      'entente.wal.batches',
      'entente.wal.bytes_written',
      'entente.wal.fsyncs',
    ]);
    const writes = 20;
    await Promise.all(
      Array.from({ length: writes }, (_, i) =>
        agent.write({ Type: 'kv', Verb: 'set', Key: `k${String(i)}`, Value: 'dg==', Flags: 0, Index: 0 }),
      ),
    );
    const after = walGauges(agent);
    const delta = (name: string): number => (after.get(name) ?? 0) - (before.get(name) ?? 0);
    assert.equal(delta('entente.wal.appends'), writes);
    // Concurrent appends share batches (group commit): at least one, never more than one per append.
    assert.ok(delta('entente.wal.batches') >= 1 && delta('entente.wal.batches') <= writes);
    assert.ok(delta('entente.wal.fsyncs') >= delta('entente.wal.batches'), 'every batch is fsynced');
    assert.ok(delta('entente.wal.bytes_written') > 0);
  } finally {
    await agent.close();
  }
});

test('metrics - a -dev agent (in-memory log) reports no command log counters rather than zeros', async () => {
  const agent = new Agent(config(''), silentLogger());
  await agent.start();
  try {
    assert.equal(walGauges(agent).size, 0);
  } finally {
    await agent.close();
  }
});
