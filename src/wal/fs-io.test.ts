import assert from 'node:assert/strict';
import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';

import { MAX_IOVECS_PER_WRITE, dropWritten, writeFully } from './fs-io.js';
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
    const written = await writeFully(fh, [...parts, Buffer.alloc(0)], 4);
    assert.equal(written, Buffer.concat(parts).length);
  } finally {
    await fh.close();
  }
  assert.equal(await readFile(file, 'utf8'), `HEAD${Buffer.concat(parts).toString()}`);
});
