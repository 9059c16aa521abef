import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { ERROR_CODES, GRPC_STATUS, RETIRED_CODES } from './codes.js';
import { AppError } from './app-error.js';
import { toHttpError } from './to-http.js';
import { toGrpcError } from './to-grpc.js';
import { DNS_RCODE, toDnsRcode } from './to-dns.js';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const grpcName = (n: number): string => Object.entries(GRPC_STATUS).find(([, v]) => v === n)?.[0] ?? '?';

test('errors - every code is documented in docs/errors.md with its mappings', () => {
  const rows = new Map<string, string[]>();
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const code = /^`(ENT_ERR_[A-Z_]+)`$/.exec(cells[1] ?? '')?.[1];
    if (code) rows.set(code, [cells[2] ?? '', cells[3] ?? '', cells[4] ?? '']);
  }
  for (const [code, spec] of Object.entries(ERROR_CODES)) {
    const row = rows.get(code);
    assert.ok(row, `${code} missing from docs/errors.md`);
    assert.equal(Number(row[0]), spec.http, `${code} HTTP status`);
    assert.equal(row[1], grpcName(spec.grpc), `${code} gRPC status`);
    assert.equal(row[2], spec.summary, `${code} summary`);
  }
  assert.equal(rows.size, Object.keys(ERROR_CODES).length, 'docs/errors.md lists codes that do not exist');
  for (const retired of RETIRED_CODES)
    assert.ok(!(retired in ERROR_CODES), `${retired} is retired but reused`);
});

test('errors - unknown errors map to a 500 that leaks nothing', () => {
  const r = toHttpError(new Error('secret internals /etc/passwd'));
  assert.equal(r.status, 500);
  assert.equal(r.unexpected, true);
  assert.doesNotMatch(r.body, /secret|passwd/);
  const known = toHttpError(new AppError('ENT_ERR_NOT_FOUND', 'nope'));
  assert.deepEqual(known, { status: 404, body: 'nope', unexpected: false });
  assert.equal(toHttpError(new AppError('ENT_ERR_CONFLICT', 'x', { http: 500 })).status, 500);
  const closed = Object.assign(new Error('log closed'), { code: 'ENT_ERR_LOG_CLOSED' });
  assert.deepEqual(toHttpError(closed), { status: 503, body: 'log closed', unexpected: false });
  const foreign = Object.assign(new Error('ECONNRESET internals'), { code: 'ECONNRESET' });
  assert.equal(toHttpError(foreign).body, 'An unexpected error occurred');
});

test('errors - codes raised by modules that cannot import the registry are registered', async () => {
  const { LOG_ERROR_CODES } = await import('../wal/index.js');
  for (const code of Object.values(LOG_ERROR_CODES))
    assert.ok(code in ERROR_CODES, `${code} is not registered`);
});

test('errors - each edge maps a code once: HTTP, gRPC and DNS agree on one vocabulary', () => {
  const denied = new AppError('ENT_ERR_PEERING_SECRET_INVALID', 'invalid peering establishment secret');
  assert.equal(toHttpError(denied).status, 403);
  assert.deepEqual(toGrpcError(denied), {
    code: GRPC_STATUS.PERMISSION_DENIED,
    message: 'invalid peering establishment secret',
    unexpected: false,
  });
  assert.equal(toDnsRcode(denied), DNS_RCODE.REFUSED);
  assert.equal(toDnsRcode(new AppError('ENT_ERR_PEERING_NOT_FOUND', 'x')), DNS_RCODE.NXDOMAIN);
  assert.equal(toDnsRcode(new AppError('ENT_ERR_BAD_REQUEST', 'x')), DNS_RCODE.FORMERR);
  // Consul answers 500 for a node ID taken by another node: the code keeps its own status, not a guessed one.
  assert.equal(toHttpError(new AppError('ENT_ERR_NODE_ID_TAKEN', 'x')).status, 500);
  const unknown = toGrpcError(new Error('internals'));
  assert.deepEqual(unknown, { code: GRPC_STATUS.INTERNAL, message: 'internal error', unexpected: true });
  assert.equal(toDnsRcode(new Error('internals')), DNS_RCODE.SERVFAIL);
});

test('errors - a full disk answers 500 with the cause in the body, and is not logged per request', async () => {
  const { LogNoSpaceError } = await import('../wal/index.js');
  const cause = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
  const err = new LogNoSpaceError('ENOSPC', `${cause.message}: entries 5..7 were not written`, { cause });
  const reply = toHttpError(err);
  assert.equal(reply.status, 500);
  assert.match(reply.body, /ENOSPC: no space left on device/);
  assert.equal(reply.unexpected, false, 'the log reports the outage once itself');
  const failed = Object.assign(new Error('command log failed: EIO'), { code: 'ENT_ERR_LOG_FAILED' });
  assert.equal(toHttpError(failed).unexpected, true);
});
