import assert from 'node:assert/strict';
import { test } from 'node:test';

import { FlagSet } from './flag-set.js';

test('cli flags - Go syntax: -name value, --name=value, bool presence, stop at first argument', () => {
  const fs = new FlagSet();
  const name = fs.string('name', '', 'n');
  const detailed = fs.bool('detailed', false, 'd');
  const port = fs.int('port', 0, 'p');
  const meta = fs.map('meta', 'm');
  const tags = fs.list('tag', 't');
  const res = fs.parse([
    '-name',
    'web',
    '--detailed',
    '-port=80',
    '-meta',
    'a=b',
    '-meta=c=d=e',
    '-tag',
    'x',
    '-tag=y',
    'file',
    '-z',
  ]);
  assert.deepEqual(res, { kind: 'ok', args: ['file', '-z'] });
  assert.equal(name.value, 'web');
  assert.equal(name.isSet, true);
  assert.equal(detailed.value, true);
  assert.equal(port.value, 80);
  assert.deepEqual(meta.value, { a: 'b', c: 'd=e' });
  assert.deepEqual(tags.value, ['x', 'y']);
});

test('cli flags - "--" ends flags, "-" is an argument, bool takes no separate value', () => {
  const fs = new FlagSet();
  const b = fs.bool('b', false, '');
  assert.deepEqual(fs.parse(['-b', 'false']), { kind: 'ok', args: ['false'] });
  assert.equal(b.value, true);
  assert.deepEqual(new FlagSet().parse(['--', '-x']), { kind: 'ok', args: ['-x'] });
  assert.deepEqual(new FlagSet().parse(['-', 'y']), { kind: 'ok', args: ['-', 'y'] });
  const fs2 = new FlagSet();
  const b2 = fs2.bool('b', true, '');
  fs2.parse(['-b=false']);
  assert.equal(b2.value, false);
});

test('cli flags - Go error messages', () => {
  const mk = (): FlagSet => {
    const fs = new FlagSet();
    fs.string('name', '', '');
    fs.bool('b', false, '');
    fs.uint('modify-index', 0, '');
    fs.map('meta', '');
    return fs;
  };
  assert.deepEqual(mk().parse(['-x']), { kind: 'error', message: 'flag provided but not defined: -x' });
  assert.deepEqual(mk().parse(['-name']), { kind: 'error', message: 'flag needs an argument: -name' });
  assert.deepEqual(mk().parse(['-b=maybe']), {
    kind: 'error',
    message: 'invalid boolean value "maybe" for -b: parse error',
  });
  assert.deepEqual(mk().parse(['-modify-index', '-1']), {
    kind: 'error',
    message: 'invalid value "-1" for flag -modify-index: parse error',
  });
  assert.deepEqual(mk().parse(['-meta', 'novalue']), {
    kind: 'error',
    message: 'invalid value "novalue" for flag -meta: Missing "=" value in argument: novalue',
  });
  assert.deepEqual(mk().parse(['---x']), { kind: 'error', message: 'bad flag syntax: ---x' });
  assert.deepEqual(mk().parse(['-h']), { kind: 'help' });
});

test('cli flags - usage groups HTTP and command options, sorted, wrapped', () => {
  const fs = new FlagSet();
  fs.string('zeta', '', 'Z flag.');
  fs.bool('alpha', false, 'A flag.');
  fs.string('http-addr', '', 'The `address` of the agent.', 'http');
  assert.equal(
    fs.usage('\nUsage: entente x [options]\n'),
    'Usage: entente x [options]\n\nHTTP API Options\n\n  -http-addr=<address>\n     The `address` of the agent.\n\n' +
      'Command Options\n\n  -alpha\n     A flag.\n\n  -zeta=<string>\n     Z flag.',
  );
});
