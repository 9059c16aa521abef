import assert from 'node:assert/strict';
import { test } from 'node:test';

import { decideRequest, type IntentionRule } from './l7-permissions.js';

const web = { name: 'web', peer: '' };
const get = (url: string, headers: Record<string, string> = {}) => ({ method: 'GET', url, headers });

test('l7 permissions - first matching permission decides; none matching falls to the default behavior', () => {
  const ixns: IntentionRule[] = [
    {
      SourceName: 'web',
      Precedence: 9,
      Permissions: [
        { Action: 'deny', HTTP: { PathPrefix: '/admin' } },
        { Action: 'allow', HTTP: { PathExact: '/health', Methods: ['GET', 'HEAD'] } },
        { Action: 'allow', HTTP: { PathRegex: '/v[0-9]+/items/[a-z]+' } },
      ],
    },
    { SourceName: '*', Action: 'allow', Precedence: 8 },
  ];
  assert.equal(decideRequest(ixns, web, get('/admin/x'), true).allowed, false);
  assert.equal(decideRequest(ixns, web, get('/health?verbose=1'), false).allowed, true, 'query ignored');
  assert.equal(decideRequest(ixns, web, { ...get('/health'), method: 'POST' }, false).allowed, false);
  assert.equal(decideRequest(ixns, web, get('/v2/items/abc'), false).allowed, true);
  assert.equal(
    decideRequest(ixns, web, get('/v2/items/abc/more'), false).allowed,
    false,
    'regex is a full match',
  );
  // The `*` allow is shadowed for web: no permission matched → default, not the less specific intention.
  const none = decideRequest(ixns, web, get('/other'), false);
  assert.equal(none.allowed, false);
  assert.match(none.reason, /no permission .* matched: default intention behavior/);
  assert.equal(decideRequest(ixns, web, get('/other'), true).allowed, true);
  assert.equal(
    decideRequest(ixns, { name: 'billing', peer: '' }, get('/admin'), false).allowed,
    true,
    '* allow',
  );
});

test('l7 permissions - peers match only their own Peer sources; headers; JWT requirements fail closed', () => {
  const ixns: IntentionRule[] = [
    { SourceName: 'web', SourcePeer: 'east', Action: 'deny' },
    {
      SourceName: 'web',
      Permissions: [
        {
          Action: 'allow',
          HTTP: {
            Header: [
              { Name: 'X-Team', Exact: 'blue' },
              { Name: 'X-Debug', Present: true, Invert: true },
            ],
          },
        },
      ],
    },
    { SourceName: 'api', Permissions: [{ Action: 'allow', JWT: { Providers: [{ Name: 'okta' }] } }] },
  ];
  assert.equal(decideRequest(ixns, { name: 'web', peer: 'east' }, get('/'), true).allowed, false);
  assert.equal(
    decideRequest(ixns, { name: 'web', peer: 'west' }, get('/'), false).allowed,
    false,
    'no intention',
  );
  assert.equal(decideRequest(ixns, web, get('/', { 'x-team': 'blue' }), false).allowed, true);
  assert.equal(
    decideRequest(ixns, web, get('/', { 'x-team': 'blue', 'x-debug': '1' }), false).allowed,
    false,
  );
  assert.equal(decideRequest(ixns, web, get('/', { 'x-team': 'red' }), false).allowed, false);
  const jwt = decideRequest(ixns, { name: 'api', peer: '' }, get('/'), true);
  assert.equal(jwt.allowed, false);
  assert.match(jwt.reason, /JWT/);
});
