import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PEERING_REASONS } from './tracker.js';

test('peering reasons - every Diagnostics reason is documented in docs/architecture.md', () => {
  const doc = readFileSync(new URL('../../docs/architecture.md', import.meta.url), 'utf8');
  const table = doc.slice(doc.indexOf('### Diagnostics reasons'));
  for (const reason of PEERING_REASONS) {
    assert.match(table, new RegExp(`\\| \`${reason}\` +\\|`), `${reason} has a row in the reasons table`);
  }
});
