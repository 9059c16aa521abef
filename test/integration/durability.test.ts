// Crash safety of the embedded store, end to end: a real agent process, kill -9 at a random moment, restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ENTENTE_BIN, startAgentProcess } from '../helpers/agent-process.js';

interface Acked {
  key: string;
  value: string;
  modifyIndex?: number;
}

async function writeUntilKilled(
  httpAddr: string,
  acked: Acked[],
  stop: { killed: boolean },
  worker: number,
): Promise<void> {
  for (let i = 0; !stop.killed; i++) {
    const key = `crash/w${worker}/k${i}`;
    const value = `v${i}-${worker}`;
    try {
      const put = await fetch(`${httpAddr}/v1/kv/${key}`, { method: 'PUT', body: value });
      if (put.status !== 200 || (await put.text()) !== 'true') continue;
      const rec: Acked = { key, value };
      acked.push(rec);
      const get = await fetch(`${httpAddr}/v1/kv/${key}`);
      if (get.status === 200) {
        const idx = ((await get.json()) as { ModifyIndex: number }[])[0]?.ModifyIndex;
        if (idx !== undefined) rec.modifyIndex = idx;
      }
    } catch {
      return; // the server is gone
    }
  }
}

function walDir(dataDir: string): string {
  return join(dataDir, 'raft');
}

function segments(dataDir: string): string[] {
  return readdirSync(walDir(dataDir))
    .filter((f) => f.endsWith('.wal'))
    .sort()
    .map((f) => join(walDir(dataDir), f));
}

test('durability - every acknowledged write survives kill -9 with its ModifyIndex (repeated)', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'entente-crash-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const allAcked: Acked[] = [];
  for (let round = 0; round < 4; round++) {
    const agent = await startAgentProcess(t, { dataDir });
    const stop = { killed: false };
    const acked: Acked[] = [];
    const writers = Array.from({ length: 8 }, (_, w) =>
      writeUntilKilled(agent.httpAddr, acked, stop, round * 100 + w),
    );
    // Kill at a random moment once some writes went through.
    const target = 50 + Math.floor(Math.random() * 150);
    const deadline = Date.now() + 20_000;
    while (acked.length < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    await agent.kill();
    stop.killed = true;
    await Promise.all(writers);
    assert.ok(acked.length >= target, `only ${acked.length} writes acknowledged`);
    allAcked.push(...acked);

    const restarted = await startAgentProcess(t, { dataDir });
    const res = await fetch(`${restarted.httpAddr}/v1/kv/crash/?recurse`);
    const entries = (await res.json()) as { Key: string; Value: string; ModifyIndex: number }[];
    const byKey = new Map(entries.map((e) => [e.Key, e]));
    for (const a of allAcked) {
      const e = byKey.get(a.key);
      assert.ok(e, `acknowledged write ${a.key} lost after kill -9 (round ${round})`);
      assert.equal(Buffer.from(e.Value, 'base64').toString(), a.value);
      if (a.modifyIndex !== undefined)
        assert.equal(e.ModifyIndex, a.modifyIndex, `${a.key} changed its ModifyIndex`);
    }
    await restarted.stop();
  }
});

test('durability - a torn tail is dropped and the agent starts; a damaged middle stops start-up naming file and offset', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'entente-torn-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const agent = await startAgentProcess(t, { dataDir });
  for (let i = 0; i < 20; i++) {
    const r = await fetch(`${agent.httpAddr}/v1/kv/torn/k${i}`, { method: 'PUT', body: `value-${i}` });
    assert.equal(r.status, 200);
  }
  await agent.kill();

  // Tear the tail: chop a few bytes off the last record.
  const segs = segments(dataDir);
  const last = segs[segs.length - 1]!;
  truncateSync(last, statSync(last).size - 3);
  const again = await startAgentProcess(t, { dataDir });
  const keys = (await (await fetch(`${again.httpAddr}/v1/kv/torn/?keys`)).json()) as string[];
  assert.ok(keys.length >= 18, `lost more than the torn record: ${keys.length} keys left`);
  assert.ok(
    again.logs.some((l) => /torn|truncat/i.test(l)),
    'the dropped tail is logged',
  );
  await again.stop();

  // Damage a record in the middle of the first segment.
  const first = segments(dataDir)[0]!;
  const buf = readFileSync(first);
  const at = Math.floor(buf.length / 3);
  buf[at] = buf[at]! ^ 0xff;
  writeFileSync(first, buf);
  const child = spawn(
    process.execPath,
    [
      ENTENTE_BIN,
      'agent',
      '-server',
      '-data-dir',
      dataDir,
      '-node',
      'node1',
      '-bind',
      '127.0.0.1',
      '-http-port',
      '0',
      '-dns-port',
      '-1',
      '-grpc-port',
      '-1',
      '-grpc-tls-port',
      '-1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1, out);
  assert.match(out, new RegExp(first.split('/').pop()!.replace('.', '\\.')), out);
  assert.match(out, /offset/i);
});
