import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommandCodec, VERSION_FIELD } from './command-codec.js';
import { applyOk } from './result.js';
import type { Table } from './table.js';

type Cmd = { Type: 'greet'; Name: string; Loud: boolean } | { Type: 'noop' };

/** A table whose `greet` is at version 2: version 1 had `Who` instead of `Name`, and no `Loud`. */
function table(): Table<Cmd> {
  return {
    name: 'test',
    commands: ['greet', 'noop'],
    upgrades: { greet: [({ Who, ...rest }) => ({ ...rest, Name: Who, Loud: false })] },
    apply: () => applyOk(),
    snapshot: () => undefined,
    restore: () => undefined,
  };
}

test('state codec - entries encode with their current version and decode to the same command', () => {
  const codec = new CommandCodec<Cmd>([table()]);
  assert.equal(codec.currentVersion('greet'), 2);
  assert.equal(codec.currentVersion('noop'), 1);
  const buf = codec.encode({ Type: 'greet', Name: 'a', Loud: true });
  assert.equal((JSON.parse(buf.toString()) as Record<string, unknown>)[VERSION_FIELD], 2);
  assert.deepEqual(codec.decode(buf), { ok: true, cmd: { Type: 'greet', Name: 'a', Loud: true } });
});

test('state codec - older encodings (and entries written before versions) are upgraded on decode', () => {
  const codec = new CommandCodec<Cmd>([table()]);
  const legacy = Buffer.from(JSON.stringify({ Type: 'greet', Who: 'b' }));
  assert.deepEqual(codec.decode(legacy), { ok: true, cmd: { Type: 'greet', Name: 'b', Loud: false } });
  const v1 = Buffer.from(JSON.stringify({ Type: 'greet', Who: 'c', V: 1 }));
  assert.deepEqual(codec.decode(v1), { ok: true, cmd: { Type: 'greet', Name: 'c', Loud: false } });
});

test('state codec - a newer version or an unknown type is refused with a code, not guessed at', () => {
  const codec = new CommandCodec<Cmd>([table()]);
  const newer = codec.decode(Buffer.from(JSON.stringify({ Type: 'greet', Name: 'x', V: 3 })));
  assert.equal(newer.ok ? '' : newer.result.ok ? '' : newer.result.code, 'ENT_ERR_COMMAND_UNSUPPORTED');
  const unknown = codec.decode(Buffer.from(JSON.stringify({ Type: 'acl-set' })));
  assert.equal(
    unknown.ok ? '' : unknown.result.ok ? '' : unknown.result.error,
    'command type "acl-set" is not known to this server',
  );
  const garbage = codec.decode(Buffer.from('{nope'));
  assert.equal(garbage.ok, false);
  const badVersion = codec.decode(Buffer.from(JSON.stringify({ Type: 'noop', V: 'two' })));
  assert.equal(badVersion.ok, false);
});

test('state codec - a writer never emits a version newer than every server reads', () => {
  const codec = new CommandCodec<Cmd>([table()]);
  assert.throws(
    () => codec.encode({ Type: 'greet', Name: 'a', Loud: true }, { greet: 1 }),
    /newer than every server reads/,
  );
  assert.ok(codec.encode({ Type: 'noop' }, { greet: 1 }).length > 0);
});
