import assert from 'node:assert/strict';
import { test } from 'node:test';

import { startFakeConsul } from '../../../api/testing/fake-consul.js';
import { runAgainst } from '../../testing/run.js';
import { parseUpstreamFlag, splitListen } from './proxy-upstream-flag.js';

test('connect proxy flags - -upstream as Consul parses it; prepared queries refused, not ignored', () => {
  assert.deepEqual(parseUpstreamFlag('db:8181'), {
    DestinationType: 'service',
    DestinationName: 'db',
    LocalBindPort: 8181,
  });
  assert.deepEqual(parseUpstreamFlag('db.service:127.0.0.10:0x2000'), {
    DestinationType: 'service',
    DestinationName: 'db',
    LocalBindPort: 8192,
    LocalBindAddress: '127.0.0.10',
  });
  assert.equal(parseUpstreamFlag('db'), 'Upstream value should be name:addr in "db"');
  assert.match(parseUpstreamFlag('db.query:8181') as string, /prepared query upstreams are not supported/);
  assert.equal(parseUpstreamFlag('db.x:1'), `Upstream type must be blank, 'service', or 'query'. Got: "x"`);
  assert.deepEqual(splitListen(':8443'), { host: '', port: 8443 });
  assert.deepEqual(splitListen('[::1]:1'), { host: '::1', port: 1 });
  assert.match(splitListen('8443') as string, /missing port/);
});

test('connect proxy - refusals: -pprof-addr, a -sidecar-for without a proxy, -register without -listen, bad -upstream', async (t) => {
  const fake = await startFakeConsul(t);
  fake.on('GET', '/v1/agent/services', {
    json: {
      'web-sidecar-proxy': {
        Kind: 'connect-proxy',
        ID: 'web-sidecar-proxy',
        Service: 'web-sidecar-proxy',
        Proxy: { DestinationServiceID: 'web' },
      },
      'web-2': {
        Kind: 'connect-proxy',
        ID: 'web-2',
        Service: 'web-sidecar-proxy',
        Proxy: { DestinationServiceID: 'dup' },
      },
      'web-3': {
        Kind: 'connect-proxy',
        ID: 'web-3',
        Service: 'web-sidecar-proxy',
        Proxy: { DestinationServiceID: 'dup' },
      },
    },
  });
  fake.on('GET', '/v1/agent/self', { json: { Config: { Datacenter: 'dc1' } } });

  const pprof = await runAgainst(fake, ['connect', 'proxy', '-pprof-addr', ':6060', '-service', 'web']);
  assert.equal(pprof.code, 1);
  assert.match(pprof.stderr, /-pprof-addr is not supported/);

  const none = await runAgainst(fake, ['connect', 'proxy', '-sidecar-for', 'api']);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /Error preparing configuration: No sidecar proxy registered for api/);
  const two = await runAgainst(fake, ['connect', 'proxy', '-sidecar-for', 'dup']);
  assert.match(
    two.stderr,
    /More than one sidecar proxy registered for dup\.\n {4}Start proxy with -proxy-id and one of the following IDs: web-2, web-3/,
  );

  const noService = await runAgainst(fake, ['connect', 'proxy']);
  assert.match(
    noService.stderr,
    /-service or -proxy-id must be specified so that proxy can configure itself\./,
  );
  const listenOnly = await runAgainst(fake, ['connect', 'proxy', '-service', 'web', '-listen', ':1']);
  assert.match(listenOnly.stderr, /-service-addr must be specified with -listen/);
  const register = await runAgainst(fake, ['connect', 'proxy', '-service', 'web', '-register']);
  assert.equal(register.code, 1);
  assert.match(register.stderr, /-register may only be specified with -service and -listen/);
  const query = await runAgainst(fake, ['connect', 'proxy', '-service', 'web', '-upstream', 'db.query:1']);
  assert.match(query.stderr, /prepared query upstreams are not supported/);
  const gateway = await runAgainst(fake, ['connect', 'proxy', '-nope']);
  assert.match(gateway.stderr, /flag provided but not defined: -nope/);
});
