// The helper that lets tests needing a system tool skip, naming the Debian package, where it is not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasTool, missingTool } from '../helpers/system-tool.js';

test('test helpers - a missing system tool yields a skip reason naming its Debian package', () => {
  assert.equal(hasTool('dig', ''), false);
  const reason = missingTool('dig', '');
  assert.equal(typeof reason, 'string');
  assert.match(String(reason), /dig is not installed: apt-get install -y dnsutils/);
});

test('test helpers - a tool found on PATH is not reported missing', () => {
  // The running node binary's directory certainly holds an executable named `node`.
  const dir = process.execPath.slice(0, process.execPath.lastIndexOf('/'));
  assert.equal(hasTool('node', dir), true);
  assert.equal(hasTool('node', `/nonexistent:${dir}`), true);
});
