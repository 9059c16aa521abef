import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import { FileLog } from './index.js';
import { RecordingFsm } from './testing/recording-fsm.js';
import { tempDir, waitFor } from './testing/test-support.js';

const CHILD_SCRIPT = fileURLToPath(new URL('./testing/crash-writer.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ROUNDS = 3;

interface ChildRun {
  /** Acknowledged appends the child reported: index → seq. */
  readonly acked: Map<number, number>;
  readonly stderr: string;
}

/** Runs the writer until it has acknowledged at least `minAcks` entries, then SIGKILLs it. */
async function runAndKill(dir: string, tag: string, minAcks: number): Promise<ChildRun> {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, dir, tag], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'close');
  const acked = new Map<number, number>();
  let stderr = '';
  let partial = '';
  let exitedEarly = false;
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      const match = /^(\d+) (\d+)$/.exec(line);
      if (match) acked.set(Number(match[1]), Number(match[2]));
    }
  });
  child.once('exit', () => (exitedEarly = true));
  try {
    await waitFor(() => acked.size >= minAcks || exitedEarly, `${minAcks} acknowledged appends`);
    assert.ok(!exitedEarly, `writer exited early: ${stderr}`);
    child.kill('SIGKILL');
    const [code, signal] = await exited;
    assert.equal(signal, 'SIGKILL', `writer ended with ${String(code)}: ${stderr}`);
  } finally {
    child.kill('SIGKILL');
  }
  // Lines flushed just before the kill are still acknowledgements; a partial last line is not.
  return { acked, stderr };
}

test(
  'wal - SIGKILL at a random moment loses no acknowledged entry (3 rounds)',
  { timeout: 120_000 },
  async (t) => {
    const dir = await tempDir(t);
    const expected = new Map<number, string>();
    for (let round = 1; round <= ROUNDS; round++) {
      const tag = `r${round}`;
      const minAcks = 200 + Math.floor(Math.random() * 1500);
      const { acked } = await runAndKill(dir, tag, minAcks);
      for (const [index, seq] of acked) {
        assert.ok(!expected.has(index), `index ${index} acknowledged twice`);
        expected.set(index, `entry:${tag}:${seq}:${'x'.repeat(seq % 97)}`);
      }

      // Reopen (taking over the dead child's lock) and check every acknowledged entry, at its index.
      const log = new FileLog({ dir });
      const fsm = new RecordingFsm();
      try {
        await log.start(fsm);
        assert.deepEqual(fsm.violations, []);
        const highest = Math.max(...expected.keys());
        assert.ok(
          log.lastIndex >= highest,
          `round ${round}: lastIndex ${log.lastIndex} < acknowledged ${highest}`,
        );
        for (const [index, data] of expected)
          assert.equal(fsm.text(index), data, `round ${round}: entry ${index}`);
        for (let i = 1; i <= log.lastIndex; i++) assert.ok(fsm.entries.has(i), `round ${round}: gap at ${i}`);
        t.diagnostic(
          `round ${round}: killed after ${acked.size} acks; recovered ${log.lastIndex} entries` +
            ` (snapshot ${fsm.restoredAt ?? 'none'}, ${fsm.applied.length} replayed)`,
        );
      } finally {
        await log.close();
      }
    }
  },
);
