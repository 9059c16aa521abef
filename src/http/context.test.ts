import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { AppError } from '../errors/index.js';
import { RequestContext, checkEnterpriseParams, headerValue, parseQueryOptions } from './context.js';
import { RequestTarget } from './request-target.js';

function ctxWith(url: string, rawHeaders: string[]): RequestContext {
  const req = { method: 'GET', rawHeaders } as unknown as IncomingMessage;
  return new RequestContext(req, RequestTarget.parse(url), '', new AbortController().signal);
}

test('http context - header values come from the raw header lines, any case, repeated lines joined as Node joins them', () => {
  const ctx = ctxWith('/v1/health/service/web', [
    'Host',
    'x',
    'X-Consul-Namespace',
    'a',
    'x-consul-namespace',
    'b',
  ]);
  assert.equal(headerValue(ctx, 'x-consul-namespace'), 'a, b');
  assert.equal(headerValue(ctx, 'host'), 'x');
  assert.equal(headerValue(ctx, 'x-consul-partition'), undefined);
});

test('http context - a namespace or partition other than default, by query or header, is refused as Enterprise-only', () => {
  const refused = (url: string, headers: string[], what: string): void => {
    assert.throws(
      () => checkEnterpriseParams(ctxWith(url, headers)),
      (err: unknown) => err instanceof AppError && err.message.includes(what),
    );
  };
  refused('/v1/catalog/services', ['X-Consul-Namespace', 'team-a'], 'Namespaces');
  refused('/v1/catalog/services', ['X-Consul-Partition', 'p1'], 'Partitions');
  refused('/v1/catalog/services?ns=team-a', [], 'Namespaces');
  // The query parameter is read first; the header only when it is absent.
  refused('/v1/catalog/services?ns=team-a', ['X-Consul-Namespace', 'default'], 'Namespaces');
  checkEnterpriseParams(ctxWith('/v1/catalog/services?ns=default', ['X-Consul-Namespace', 'team-a']));
  checkEnterpriseParams(ctxWith('/v1/catalog/services', ['X-Consul-Namespace', 'default']));
  checkEnterpriseParams(ctxWith('/v1/catalog/services', []));
});

test('http context - an absent or empty ?wait stays undefined, so each endpoint applies its own default', () => {
  // The leaf endpoint waits 10 min by default, other blocking endpoints 5: no default may be filled in here.
  assert.equal(
    parseQueryOptions(ctxWith('/v1/agent/connect/ca/leaf/web?index=5', []), 'dc1').waitMs,
    undefined,
  );
  assert.equal(
    parseQueryOptions(ctxWith('/v1/agent/connect/ca/leaf/web?index=5&wait=', []), 'dc1').waitMs,
    undefined,
  );
  assert.equal(
    parseQueryOptions(ctxWith('/v1/agent/connect/ca/leaf/web?index=5&wait=2s', []), 'dc1').waitMs,
    2_000,
  );
});
