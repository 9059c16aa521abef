import assert from 'node:assert/strict';
import { test } from 'node:test';

import { readBuildInfo } from './build-info.js';
import { runAgainst } from './testing/run.js';

test('cli dispatch - unknown command prints the command list on stderr, exit 127', async () => {
  const run = await runAgainst(undefined, ['nope']);
  assert.equal(run.code, 127);
  assert.equal(run.stdout, '');
  assert.match(
    run.stderr,
    /^Usage: entente \[--version\] \[--help\] <command> \[<args>\]\n\nAvailable commands are:\n/,
  );
  assert.match(run.stderr, /\n {4}agent {8}Runs an Entente agent\n/);
  assert.match(run.stderr, /\n {4}peering {6}Create and manage peering connections between clusters\n/);
  assert.match(run.stderr, /\n {4}intention {4}Interact with Connect service intentions\n/);
});

test('cli dispatch - --help prints the top-level help on stdout, exit 0', async () => {
  const run = await runAgainst(undefined, ['--help']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^Usage: entente/);
});

test('cli dispatch - -h anywhere shows that command help on stdout, exit 0', async () => {
  const run = await runAgainst(undefined, ['kv', 'put', 'a', '-h']);
  assert.equal(run.code, 0);
  assert.match(run.stdout, /^Usage: entente kv put \[options\] KEY \[DATA\]\n/);
  assert.match(run.stdout, /\nHTTP API Options\n\n {2}-datacenter=<value>\n/);
  assert.match(run.stdout, /\nCommand Options\n\n {2}-base64\n/);
});

test('cli dispatch - a group alone prints help with aligned subcommands on stderr, exit 1', async () => {
  const run = await runAgainst(undefined, ['catalog']);
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /\n\nSubcommands:\n {4}datacenters {4}Lists all known datacenters\n {4}nodes {10}Lists all nodes in the given datacenter\n {4}services {7}Lists all registered services in a datacenter\n$/,
  );
});

test('cli dispatch - flags before the subcommand are rejected, exit 1', async () => {
  const run = await runAgainst(undefined, ['-stale', 'members']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^Invalid flags before the subcommand\. If these flags are for\nthe subcommand/);
});

test('cli dispatch - undefined flag prints Go error and help on stderr, exit 1', async () => {
  const run = await runAgainst(undefined, ['members', '-bogus']);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^flag provided but not defined: -bogus\n\nUsage: entente members \[options\]/);
});

test('cli version - pretty output like Consul with Entente name', async () => {
  const info = readBuildInfo();
  const run = await runAgainst(undefined, ['version']);
  assert.equal(run.code, 0);
  const revision = info.revision === '' ? '' : `Revision ${info.revision}\n`;
  assert.equal(
    run.stdout,
    `Entente v0.1.0\n${revision}Build Date 1970-01-01T00:00:01Z\n` +
      'Protocol 2 spoken by default, understands 2 to 3 (agent will automatically use protocol >2 when speaking to compatible agents)\n',
  );
});

test('cli version - -format=json parses and carries the package version', async () => {
  const run = await runAgainst(undefined, ['version', '-format=json']);
  assert.equal(run.code, 0);
  const parsed = JSON.parse(run.stdout) as Record<string, unknown>;
  assert.deepEqual(Object.keys(parsed), [
    'Version',
    'Revision',
    'Prerelease',
    'FIPS',
    'BuildDate',
    'RPC',
    'Messages',
  ]);
  assert.equal(parsed['Version'], '0.1.0');
  assert.equal(parsed['Prerelease'], '');
  assert.deepEqual(parsed['Messages'], []);
  assert.match(run.stdout, /^\{\n {3}"Version": "0\.1\.0",\n/);
});

test('cli version - unknown format, and -v at top level', async () => {
  const bad = await runAgainst(undefined, ['version', '-format=xml']);
  assert.equal(bad.code, 1);
  assert.equal(bad.stderr, 'Unknown format: xml\n');
  const v = await runAgainst(undefined, ['-v']);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^Entente v0\.1\.0\n/);
});
