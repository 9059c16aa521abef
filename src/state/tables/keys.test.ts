import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sameIgnoringIndexes } from './keys.js';

/** The definition the fast comparison must agree with: JSON text without the index keys. */
function reference(a: object, b: object): boolean {
  const text = (v: object): string =>
    JSON.stringify(v, (k, val: unknown) => (k === 'CreateIndex' || k === 'ModifyIndex' ? undefined : val));
  return text(a) === text(b);
}

const service = {
  ID: 'web-1',
  Service: 'web',
  Tags: ['a', 'b'],
  Meta: { version: '1' },
  Weights: { Passing: 1, Warning: 1 },
  TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 80 } },
  CreateIndex: 3,
  ModifyIndex: 9,
};

const cases: [string, object, object][] = [
  ['identical', service, { ...service }],
  ['indexes differ only', service, { ...service, CreateIndex: 1, ModifyIndex: 2 }],
  ['indexes missing on one side', service, { ...service, CreateIndex: undefined, ModifyIndex: undefined }],
  ['nested index keys ignored', { x: { ModifyIndex: 1, v: 2 } }, { x: { ModifyIndex: 5, v: 2 } }],
  ['scalar differs', service, { ...service, Service: 'api' }],
  ['number vs string', { p: 1 }, { p: '1' }],
  ['nested value differs', service, { ...service, Meta: { version: '2' } }],
  [
    'deeper value differs',
    service,
    { ...service, TaggedAddresses: { lan: { Address: '10.0.0.1', Port: 81 } } },
  ],
  ['array item differs', service, { ...service, Tags: ['a', 'c'] }],
  ['array length differs', service, { ...service, Tags: ['a'] }],
  ['array order differs', service, { ...service, Tags: ['b', 'a'] }],
  ['extra key', service, { ...service, Address: '' }],
  ['undefined property is absent', { a: 1 }, { a: 1, b: undefined }],
  ['undefined vs null', { a: 1, b: undefined }, { a: 1, b: null }],
  ['undefined array item is null', { a: [undefined] }, { a: [null] }],
  ['key order differs (as JSON text does)', { a: 1, b: 2 }, { b: 2, a: 1 }],
  ['array vs object', { a: [] }, { a: {} }],
  ['object vs null', { a: {} }, { a: null }],
  ['empty objects', {}, {}],
  ['empty vs index-only', {}, { CreateIndex: 1 }],
];

test('state keys - sameIgnoringIndexes agrees with comparing JSON text without the indexes', () => {
  for (const [name, a, b] of cases) {
    assert.equal(sameIgnoringIndexes(a, b), reference(a, b), name);
    assert.equal(sameIgnoringIndexes(b, a), reference(b, a), `${name} (swapped)`);
  }
  // Both outcomes are covered, so the cases above can tell a wrong answer either way.
  assert.ok(cases.some(([, a, b]) => reference(a, b)));
  assert.ok(cases.some(([, a, b]) => !reference(a, b)));
});
