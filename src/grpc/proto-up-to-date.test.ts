import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { test } from 'node:test';

import { GENERATED_DIR, REPO_ROOT, generateProto } from '../../scripts/gen-proto.js';

/** Every file below `dir`, as sorted paths relative to it. */
async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .sort();
}

test('proto - committed src/grpc/generated equals a fresh buf generate (run `npm run proto:gen`)', async (t) => {
  const base = await mkdtemp(join(tmpdir(), 'entente-proto-'));
  t.after(() => rm(base, { recursive: true, force: true }));

  const freshDir = await generateProto({ outputBase: base });
  const committedDir = join(REPO_ROOT, GENERATED_DIR);

  const fresh = await listFiles(freshDir);
  const committed = await listFiles(committedDir);
  assert.ok(fresh.length > 0, 'buf generate produced no files');
  assert.deepEqual(committed, fresh, 'generated file set differs: run `npm run proto:gen`');

  for (const file of fresh) {
    const [want, got] = await Promise.all([
      readFile(join(freshDir, file), 'utf8'),
      readFile(join(committedDir, file), 'utf8'),
    ]);
    assert.equal(got, want, `${file} is stale or hand-edited: run \`npm run proto:gen\``);
  }
});
