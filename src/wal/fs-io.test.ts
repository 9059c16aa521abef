import assert from 'node:assert/strict';
import { constants, existsSync } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import type { LogFile } from './fs-io.js';
import { MAX_IOVECS_PER_WRITE, NODE_LOG_FS, O_DSYNC_AVAILABLE, dropWritten, writeFully } from './fs-io.js';
import { tempDir } from './testing/test-support.js';

test('wal - dropWritten skips whole buffers and slices a partially written one', () => {
  const bufs = [Buffer.from('abc'), Buffer.from('de'), Buffer.from('fgh')];
  const text = (rest: Buffer[]): string => Buffer.concat(rest).toString();
  assert.equal(text(dropWritten(bufs, 0)), 'abcdefgh');
  assert.equal(text(dropWritten(bufs, 3)), 'defgh');
  assert.equal(text(dropWritten(bufs, 4)), 'efgh');
  assert.equal(text(dropWritten(bufs, 6)), 'gh');
  assert.deepEqual(dropWritten(bufs, 8), []);
});

test('wal - writeFully writes more buffers than one writev takes, at the given position', async (t) => {
  const file = join(await tempDir(t), 'out');
  const parts = Array.from({ length: MAX_IOVECS_PER_WRITE * 2 + 7 }, (_, i) => Buffer.from(`${i},`));
  const fh = await open(file, 'w+');
  try {
    await writeFully(fh, [Buffer.from('HEAD')], 0);
    let calls = 0;
    const written = await writeFully(fh, [...parts, Buffer.alloc(0)], 4, () => calls++);
    assert.equal(written, Buffer.concat(parts).length);
    assert.equal(calls, 3, 'one writev per 1024 buffers, each reported');
  } finally {
    await fh.close();
  }
  assert.equal(await readFile(file, 'utf8'), `HEAD${Buffer.concat(parts).toString()}`);
});

/** Mask of the access mode in open(2) flags (not in Node's `fs.constants`). */
const O_ACCMODE = 3;

/** The open(2) flags of `fh`, from Linux's /proc/self/fdinfo (octal `flags:` line). */
async function openFlags(fh: LogFile): Promise<number> {
  const fd = (fh as unknown as { fd: number }).fd;
  const info = await readFile(`/proc/self/fdinfo/${String(fd)}`, 'utf8');
  const octal = /^flags:\s+([0-7]+)$/m.exec(info)?.[1];
  assert.ok(octal !== undefined, info);
  return parseInt(octal, 8);
}

test(
  'wal - NODE_LOG_FS opens with O_DSYNC exactly when asked',
  { skip: !O_DSYNC_AVAILABLE || !existsSync('/proc/self/fdinfo') ? 'needs O_DSYNC and /proc' : false },
  async (t) => {
    const file = join(await tempDir(t), 'seg');
    await writeFile(file, 'x');
    const cases = [
      { flags: 'r+', dsync: true },
      { flags: 'r+', dsync: false },
      { flags: 'w', dsync: true },
    ] as const;
    for (const { flags, dsync } of cases) {
      const fh = await NODE_LOG_FS.open(file, flags, { dsync });
      try {
        const got = await openFlags(fh);
        assert.equal((got & constants.O_DSYNC) !== 0, dsync, `${flags} dsync=${String(dsync)}`);
        assert.equal(got & O_ACCMODE, flags === 'r+' ? constants.O_RDWR : constants.O_WRONLY);
        await writeFully(fh, [Buffer.from('data')], 0);
      } finally {
        await fh.close();
      }
    }
    assert.equal(await readFile(file, 'utf8'), 'data', "'w' truncated, then wrote");
  },
);
