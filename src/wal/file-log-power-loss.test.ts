import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { test } from 'node:test';

import type { WalSyncMethod } from './index.js';
import { FileLog } from './index.js';
import type { CrashImage } from './testing/power-loss-fs.js';
import { PowerLossFs } from './testing/power-loss-fs.js';
import { RecordingFsm } from './testing/recording-fsm.js';
import { closeAfter, tempDir } from './testing/test-support.js';

const WRITERS = 16;
const APPENDS = 600;
/** Power losses simulated per run, at acknowledgements picked at random. */
const CRASHES = 12;

interface Crash {
  /** Entries whose append had resolved when the power went: index → content. */
  readonly acked: ReadonlyMap<number, string>;
  readonly image: CrashImage;
}

const content = (seq: number): string => `entry-${seq}-${'y'.repeat(seq % 113)}`;

/** Runs {@link WRITERS} concurrent writers and takes {@link CRASHES} power-loss images at random acknowledgements. */
async function writeAndCrash(
  t: TestContext,
  syncMethod: WalSyncMethod,
  seed: number,
): Promise<{ crashes: Crash[]; fs: PowerLossFs; log: FileLog }> {
  const dir = await tempDir(t);
  const fs = new PowerLossFs(seed);
  const log = new FileLog({ dir, fs, syncMethod, segmentMaxBytes: 4096, snapshotThresholdEntries: 150 });
  closeAfter(t, log);
  await log.start(new RecordingFsm());
  const crashAt = new Set(
    Array.from({ length: CRASHES }, (_, i) => Math.floor(((i + 0.5) * APPENDS) / CRASHES)),
  );
  const acked = new Map<number, string>();
  const crashes: Crash[] = [];
  let next = 0;
  const writer = async (): Promise<void> => {
    while (next < APPENDS) {
      const seq = next++;
      const { index } = await log.append(Buffer.from(content(seq)));
      acked.set(index, content(seq));
      // The image is taken synchronously, right at the acknowledgement.
      if (crashAt.has(acked.size)) crashes.push({ acked: new Map(acked), image: fs.crash(dir) });
    }
  };
  await Promise.all(Array.from({ length: WRITERS }, writer));
  return { crashes, fs, log };
}

/** Puts `image` in a fresh directory, recovers it with a real-filesystem log and checks every acknowledged entry. */
async function recoverAndCheck(t: TestContext, crash: Crash, label: string): Promise<void> {
  const dir = join(await tempDir(t), 'log');
  await mkdir(dir);
  for (const [name, bytes] of crash.image) await writeFile(join(dir, name), bytes);
  const log = new FileLog({ dir });
  closeAfter(t, log);
  const fsm = new RecordingFsm();
  await log.start(fsm); // must not report corruption: an unacknowledged tail is torn, not damage
  assert.deepEqual(fsm.violations, [], label);
  for (const [index, data] of crash.acked) {
    assert.equal(fsm.text(index), data, `${label}: acknowledged entry ${index} lost or changed`);
  }
  for (let i = 1; i <= log.lastIndex; i++) assert.ok(fsm.entries.has(i), `${label}: gap at ${i}`);
  await log.close();
}

for (const syncMethod of ['open_datasync', 'fdatasync'] as const) {
  test(`wal - a power loss at any acknowledgement keeps every acknowledged entry (${syncMethod})`, async (t) => {
    for (const seed of [1, 2, 3]) {
      const { crashes, fs, log } = await writeAndCrash(t, syncMethod, seed);
      assert.equal(crashes.length, CRASHES);
      for (const [i, crash] of crashes.entries())
        await recoverAndCheck(t, crash, `seed ${seed}, crash ${i + 1} (${crash.acked.size} acked)`);
      // The method asked for is the one used: O_DSYNC writes and no per-batch fdatasync, or the reverse.
      const { batches, dsyncWrites } = log.stats;
      if (syncMethod === 'open_datasync') {
        assert.equal(fs.calls.dsyncWrites, dsyncWrites);
        assert.ok(dsyncWrites >= batches, `${dsyncWrites} O_DSYNC writes for ${batches} batches`);
        assert.ok(fs.calls.datasync < batches, `${fs.calls.datasync} fdatasyncs for ${batches} batches`);
      } else {
        assert.equal(fs.calls.dsyncWrites, 0);
        assert.equal(dsyncWrites, 0);
        assert.ok(fs.calls.datasync >= batches);
      }
      await log.close();
    }
  });
}
