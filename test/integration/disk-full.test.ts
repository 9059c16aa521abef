// A full data disk, for real: the agent's data dir on a 2 MiB tmpfs, filled up while it runs, then freed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentProcess, type AgentProcess } from '../helpers/agent-process.js';
import { retry } from '../helpers/retry.js';

/** Mounts a 2 MiB tmpfs; undefined (with the reason) when this machine does not allow it. */
function mountSmallTmpfs(): { dir: string } | { skip: string } {
  const dir = mkdtempSync(join(tmpdir(), 'entente-full-disk-'));
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status === 0) return { dir };
  rmdirSync(dir);
  const why = r.error ? r.error.message : (r.stderr || `exit ${String(r.status)}`).trim();
  return { skip: `needs to mount a small tmpfs (root or CAP_SYS_ADMIN): "mount -t tmpfs" failed: ${why}` };
}

function unmount(dir: string): void {
  if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** Writes to `file` until the filesystem refuses with ENOSPC; returns the bytes written. */
function fillDisk(file: string): number {
  const fd = openSync(file, 'w');
  let total = 0;
  try {
    for (const size of [64 * 1024, 4096, 512, 1]) {
      const chunk = Buffer.alloc(size, 1);
      for (;;) {
        try {
          total += writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return total;
}

interface Self {
  Entente?: { CommandLog?: { Status?: string; ErrorCode?: string; Error?: string } };
}

test('disk full - writes fail naming ENOSPC, the agent shows it is degraded, and recovers by itself when space returns', async (t) => {
  const mounted = mountSmallTmpfs();
  if ('skip' in mounted) {
    t.skip(mounted.skip);
    return;
  }
  const dataDir = mounted.dir;
  const agents: AgentProcess[] = [];
  t.after(async () => {
    // The agents first (by PID), so the filesystem is no longer busy.
    for (const a of agents) await a.kill();
    unmount(dataDir);
  });
  const agent = await startAgentProcess(t, { dataDir });
  agents.push(agent);
  const http = agent.httpAddr;
  const put = (key: string, body: string): Promise<Response> =>
    fetch(`${http}/v1/kv/${key}`, { method: 'PUT', body });
  // Larger than a page, so it cannot land in the free tail of the segment's last page.
  const big = 'v'.repeat(16 * 1024);

  assert.equal((await put('before', big)).status, 200);

  const filler = join(dataDir, 'filler');
  assert.ok(fillDisk(filler) > 0);
  const failed = await put('during', big);
  assert.equal(failed.status, 500);
  const body = await failed.text();
  assert.match(body, /ENOSPC/);
  assert.match(body, /no space left on device/);

  // Reads still work; the degraded state is visible in agent/self, in the agent's checks and in an ERROR line.
  assert.equal((await fetch(`${http}/v1/status/leader`)).status, 200);
  const self = (await (await fetch(`${http}/v1/agent/self`)).json()) as Self;
  assert.equal(self.Entente?.CommandLog?.Status, 'degraded');
  assert.equal(self.Entente?.CommandLog?.ErrorCode, 'ENOSPC');
  const checks = (await (await fetch(`${http}/v1/agent/checks`)).json()) as Record<
    string,
    { Status: string; Output: string }
  >;
  assert.equal(checks['entente-command-log']?.Status, 'critical');
  assert.match(checks['entente-command-log']?.Output ?? '', /no space left on device/);
  const errorLines = agent.logs.filter((l) => l.includes('"level":50') && l.includes('disk space'));
  assert.equal(errorLines.length, 1, agent.logs.join('\n'));

  // Space returns: no restart needed.
  unlinkSync(filler);
  await retry(
    async () => {
      const s = (await (await fetch(`${http}/v1/agent/self`)).json()) as Self;
      assert.equal(s.Entente?.CommandLog?.Status, 'ok');
    },
    { timeoutMs: 20_000 },
  );
  const checksAfter = (await (await fetch(`${http}/v1/agent/checks`)).json()) as Record<
    string,
    { Status: string }
  >;
  assert.equal(checksAfter['entente-command-log']?.Status, 'passing');
  assert.equal((await put('after', big)).status, 200);

  // Acknowledged writes intact after a restart; the refused one is not there.
  assert.equal(await agent.stop(), 0);
  const restarted = await startAgentProcess(t, { dataDir });
  agents.push(restarted);
  const get = (key: string): Promise<Response> => fetch(`${restarted.httpAddr}/v1/kv/${key}?raw`);
  assert.equal(await (await get('before')).text(), big);
  assert.equal(await (await get('after')).text(), big);
  assert.equal((await get('during')).status, 404);
  await restarted.stop();
});
