import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeQuestion, parseQuery, readName, RCODE } from './parser.js';
import { queryPacket } from './testing/fixtures.js';

function header(fields: {
  id?: number;
  flags?: number;
  qd?: number;
  an?: number;
  ns?: number;
  ar?: number;
}): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16BE(fields.id ?? 1, 0);
  b.writeUInt16BE(fields.flags ?? 0, 2);
  b.writeUInt16BE(fields.qd ?? 1, 4);
  b.writeUInt16BE(fields.an ?? 0, 6);
  b.writeUInt16BE(fields.ns ?? 0, 8);
  b.writeUInt16BE(fields.ar ?? 0, 10);
  return b;
}

const typeClass = Buffer.from([0, 1, 0, 1]);

test('dns - parser accepts a plain query and keeps the question bytes as sent', () => {
  const raw = queryPacket('Web.Service.CONSUL', 'A');
  const out = parseQuery(raw);
  assert.equal(out.kind, 'query');
  if (out.kind !== 'query') return;
  assert.deepEqual(
    out.query.labels.map((l) => l.toString()),
    ['Web', 'Service', 'CONSUL'],
  );
  assert.equal(out.query.qtype, 1);
  assert.equal(out.query.qclass, 1);
  assert.equal(out.query.recursionDesired, true);
  assert.deepEqual(out.query.questionWire, raw.subarray(12));
  assert.equal(out.query.edns, null);
});

test('dns - parser reads the EDNS0 payload size', () => {
  const out = parseQuery(queryPacket('web.service.consul', 'A', { edns: 4096 }));
  assert.equal(out.kind, 'query');
  if (out.kind === 'query') assert.equal(out.query.edns?.udpSize, 4096);
});

test('dns - parser drops runts and responses', () => {
  assert.equal(parseQuery(Buffer.alloc(0)).kind, 'drop');
  assert.equal(parseQuery(Buffer.alloc(11)).kind, 'drop');
  const response = queryPacket('web.service.consul', 'A');
  response.writeUInt16BE(response.readUInt16BE(2) | 0x8000, 2);
  assert.equal(parseQuery(response).kind, 'drop');
});

test('dns - parser answers NOTIMP for opcodes other than QUERY', () => {
  const raw = queryPacket('web.service.consul', 'A');
  raw.writeUInt16BE((raw.readUInt16BE(2) & ~0x7800) | (2 << 11), 2); // STATUS
  const out = parseQuery(raw);
  assert.equal(out.kind, 'reject');
  if (out.kind === 'reject') assert.equal(out.rcode, RCODE.NOTIMP);
});

test('dns - parser answers FORMERR for bad section counts', () => {
  for (const h of [{ qd: 0 }, { qd: 2 }, { an: 2 }, { ns: 2 }, { ar: 3 }]) {
    const raw = Buffer.concat([header(h), Buffer.from([0]), typeClass]);
    const out = parseQuery(raw);
    assert.equal(out.kind, 'reject', JSON.stringify(h));
    if (out.kind === 'reject') assert.equal(out.rcode, RCODE.FORMERR);
  }
});

test('dns - parser answers FORMERR for truncated questions and names', () => {
  const full = queryPacket('web.service.consul', 'A');
  for (let len = 12; len < full.length; len++) {
    const out = parseQuery(full.subarray(0, len));
    assert.equal(out.kind, 'reject', `length ${len}`);
    if (out.kind === 'reject') assert.equal(out.rcode, RCODE.FORMERR);
  }
});

test('dns - parser rejects compression loops, forward pointers and reserved label types', () => {
  // Pointer to itself (offset 12).
  const self = Buffer.concat([header({}), Buffer.from([0xc0, 12]), typeClass]);
  // Pointer forward.
  const forward = Buffer.concat([header({}), Buffer.from([0xc0, 20]), typeClass, Buffer.alloc(8)]);
  // Two labels pointing at each other: 12 → label "a" then pointer to 12.
  const loop = Buffer.concat([header({}), Buffer.from([1, 0x61, 0xc0, 12]), typeClass]);
  // 0x40 / 0x80 label types.
  const reserved = Buffer.concat([header({}), Buffer.from([0x40, 0]), typeClass]);
  for (const raw of [self, forward, loop, reserved]) {
    const out = parseQuery(raw);
    assert.equal(out.kind, 'reject');
    if (out.kind === 'reject') assert.equal(out.rcode, RCODE.FORMERR);
  }
});

test('dns - parser rejects names longer than 255 octets and bounds label counts', () => {
  const many = Buffer.alloc(130 * 2);
  for (let i = 0; i < 130; i++) many.set([1, 0x61], i * 2);
  const raw = Buffer.concat([header({}), many, Buffer.from([0]), typeClass]);
  const out = parseQuery(raw);
  assert.equal(out.kind, 'reject');
  // A long chain of backward pointers is bounded too (each hop is legal on its own): offset 12 holds the root
  // label, every later pair points at the pair before it.
  const chain: number[] = [0];
  for (let i = 0; i < 200; i++) {
    const prev = i === 0 ? 12 : 13 + (i - 1) * 2;
    chain.push(0xc0 | (prev >> 8), prev & 0xff);
  }
  const buf = Buffer.concat([header({}), Buffer.from(chain)]);
  assert.equal(readName(buf, 13 + 2 * 100).labels.length, 0, '101 hops are fine');
  assert.throws(() => readName(buf, 13 + 2 * 150), /too many compression pointers/);
});

test('dns - parser rejects two OPT records and an OPT not owned by the root', () => {
  const q = queryPacket('web.service.consul', 'A');
  const opt = Buffer.from([0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]);
  const two = Buffer.concat([q, opt, opt]);
  two.writeUInt16BE(2, 10);
  const outTwo = parseQuery(two);
  assert.equal(outTwo.kind, 'reject');
  const named = Buffer.concat([q, Buffer.from([1, 0x61]), opt]);
  named.writeUInt16BE(1, 10);
  assert.equal(parseQuery(named).kind, 'reject');
});

test('dns - encodeQuestion round-trips odd bytes exactly', () => {
  const labels = [Buffer.from([0x41, 0x2e, 0xff]), Buffer.from('consul')];
  const wire = encodeQuestion(labels, 1, 1);
  const back = readName(wire, 0);
  assert.deepEqual(back.labels, labels);
});
