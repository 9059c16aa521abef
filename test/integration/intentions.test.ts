// The intention API (`/v1/connect/intentions*`) against a real agent process: Consul's shapes, status codes and
// texts, writes through the service-intentions config entry, peer sources refused, and Entente's ?explain.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDevAgent } from '../helpers/dev-agent.js';
import { runAgainst } from '../../src/cli/testing/run.js';

const dev = useDevAgent();
const call = dev.call.bind(dev);

const exact = (src: string, dst: string) =>
  `/v1/connect/intentions/exact?source=${encodeURIComponent(src)}&destination=${encodeURIComponent(dst)}`;
const check = (src: string, dst: string, extra = '') =>
  `/v1/connect/intentions/check?source=${encodeURIComponent(src)}&destination=${encodeURIComponent(dst)}${extra}`;

test('intentions http - PUT exact writes the service-intentions entry, GET exact and list read it back', async () => {
  const put = await call('PUT', exact('web', 'api'), {
    Action: 'deny',
    Description: 'no web',
    SourceType: 'consul',
  });
  assert.equal(put.status, 200, put.text);
  assert.equal(put.text.trim(), 'true');

  const cfg = (await call('GET', '/v1/config/service-intentions/api')).json();
  assert.deepEqual(
    cfg.Sources.map((s: any) => [s.Name, s.Action, s.Precedence, s.Type, s.Description]),
    [['web', 'deny', 9, 'consul', 'no web']],
  );

  const got = await call('GET', exact('web', 'api'));
  assert.equal(got.status, 200);
  assert.ok(Number(got.headers.get('x-consul-index')) > 0);
  const ixn = got.json();
  assert.deepEqual(Object.keys(ixn), [
    'Description',
    'SourceNS',
    'SourceName',
    'DestinationNS',
    'DestinationName',
    'SourceType',
    'Action',
    'Precedence',
    'CreateIndex',
    'ModifyIndex',
  ]);
  assert.equal(ixn.SourceNS, 'default');
  assert.equal(ixn.Action, 'deny');

  // Upsert replaces the same source and keeps the others.
  await call('PUT', exact('*', 'api'), { Action: 'allow' });
  await call('PUT', exact('web', 'api'), { Action: 'allow' });
  const list = (await call('GET', '/v1/connect/intentions')).json();
  assert.deepEqual(
    list.map((i: any) => `${i.SourceName}>${i.DestinationName}:${i.Action}:${i.Precedence}`),
    ['web>api:allow:9', '*>api:allow:8'],
  );
  const filtered = (
    await call('GET', `/v1/connect/intentions?filter=${encodeURIComponent('SourceName == "*"')}`)
  ).json();
  assert.equal(filtered.length, 1);
  const bad = await call('GET', `/v1/connect/intentions?filter=${encodeURIComponent('Nope == "x"')}`);
  assert.equal(bad.status, 400);
});

test('intentions http - match and check follow precedence; the default allows while ACLs are off', async () => {
  await call('PUT', exact('web', 'db'), { Action: 'deny' });
  await call('PUT', exact('*', '*'), { Action: 'deny' });
  const m = (await call('GET', '/v1/connect/intentions/match?by=destination&name=db&name=api')).json();
  assert.deepEqual(
    m.db.map((i: any) => `${i.SourceName}>${i.DestinationName}`),
    ['web>db', '*>*'],
  );
  assert.deepEqual(
    m.api.map((i: any) => `${i.SourceName}>${i.DestinationName}`),
    ['web>api', '*>api', '*>*'],
  );
  const bySource = (await call('GET', '/v1/connect/intentions/match?by=source&name=web')).json();
  assert.deepEqual(
    bySource.web.map((i: any) => `${i.SourceName}>${i.DestinationName}`),
    ['web>api', 'web>db', '*>api', '*>*'],
  );
  assert.deepEqual((await call('GET', check('web', 'api'))).json(), { Allowed: true });
  assert.deepEqual((await call('GET', check('web', 'db'))).json(), { Allowed: false });
  assert.deepEqual((await call('GET', check('other', 'elsewhere'))).json(), { Allowed: false }); // */* deny

  const del = await call('DELETE', exact('*', '*'));
  assert.equal(del.text.trim(), 'true');
  assert.equal(
    (await call('GET', '/v1/config/service-intentions/*')).status,
    404,
    'last source removed the entry',
  );
  assert.deepEqual((await call('GET', check('other', 'elsewhere'))).json(), { Allowed: true });
  // Deleting what is not there is not an error.
  assert.equal((await call('DELETE', exact('nobody', 'nothing'))).text.trim(), 'true');
});

test('intentions http - ?explain names what decided and the peer near miss', async () => {
  await call('PUT', '/v1/config', {
    Kind: 'service-intentions',
    Name: 'billing',
    Sources: [
      { Name: 'web', Peer: 'east', Action: 'allow' },
      { Name: '*', Action: 'deny' },
    ],
  });
  const r = (await call('GET', check('web', 'billing', '&explain'))).json();
  assert.equal(r.Allowed, false);
  assert.equal(r.Explanation.DecidedBy, 'intention');
  assert.equal(r.Explanation.Intention.SourceName, '*');
  assert.equal(r.Explanation.Steps[0].Outcome, 'no-intention');
  assert.match(r.Explanation.Steps[0].Detail, /peer\(east\)\/web/);
  // explain accepts peer sources; plain check does not.
  const p = (await call('GET', check('peer:east/web', 'billing', '&explain'))).json();
  assert.equal(p.Allowed, true);
  assert.equal(p.Explanation.Intention.SourcePeer, 'east');
  // GET exact reads peer intentions with Consul's peer: syntax.
  const e = await call('GET', exact('peer:east/web', 'billing'));
  assert.equal(e.status, 200);
  assert.equal(e.json().SourcePeer, 'east');
});

test('intentions http - bad input is refused with Consul texts and state is unchanged', async () => {
  const before = (await call('GET', '/v1/connect/intentions')).json();
  const cases: [string, string, unknown, number, string][] = [
    [
      'PUT',
      exact('peer:east/web', 'api'),
      { Action: 'allow' },
      500,
      'source "peer:east/web" is invalid: cannot specify a peer here',
    ],
    [
      'PUT',
      exact('web', 'api'),
      { Action: 'allow', SourcePeer: 'east' },
      500,
      'SourcePeer field is not supported on this endpoint. Use config entries instead',
    ],
    [
      'DELETE',
      exact('peer:east/web', 'api'),
      undefined,
      500,
      'source "peer:east/web" is invalid: cannot specify a peer here',
    ],
    [
      'GET',
      check('peer:east/web', 'api'),
      undefined,
      500,
      'source "peer:east/web" is invalid: cannot specify a peer here',
    ],
    [
      'GET',
      '/v1/connect/intentions/match?by=source&name=peer:east/web',
      undefined,
      500,
      'name "peer:east/web" is invalid: cannot specify a peer here',
    ],
    [
      'GET',
      exact('peer:east', 'api'),
      undefined,
      500,
      'source "peer:east" is invalid: need to specify the service name as well',
    ],
    [
      'GET',
      exact('a/b/c/d', 'api'),
      undefined,
      500,
      `source "a/b/c/d" is invalid: input can contain at most two '/'`,
    ],
    [
      'GET',
      '/v1/connect/intentions/check?source=web',
      undefined,
      500,
      "required query parameter 'destination' not set",
    ],
    ['GET', '/v1/connect/intentions/match?name=web', undefined, 500, "required query parameter 'by' not set"],
    [
      'GET',
      '/v1/connect/intentions/match?by=x&name=web',
      undefined,
      500,
      "'by' parameter must be one of 'source' or 'destination'",
    ],
    ['GET', exact('nobody', 'api'), undefined, 404, 'Intention not found'],
    [
      'PUT',
      exact('web', 'api'),
      { Action: 'maybe' },
      500,
      "Sources[0].Action must be set to 'allow' or 'deny'",
    ],
    ['PUT', exact('web', 'api'), { Action: 'allow', ID: 'x' }, 500, 'ID must not be specified'],
    [
      'PUT',
      exact('web', 'new-dest'),
      { Action: 'allow', Meta: { a: 'b' } },
      500,
      'Meta must not be specified',
    ],
    [
      'PUT',
      exact('web', 'api'),
      { Action: 7 },
      400,
      'Request decode failed: json: cannot unmarshal number into Go struct field structs.Intention.Action of type string',
    ],
  ];
  for (const [method, path, body, status, text] of cases) {
    const r = await call(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    assert.equal(r.text.trim(), text, `${method} ${path}`);
  }
  assert.deepEqual((await call('GET', '/v1/connect/intentions')).json(), before);
});

test('intentions http - legacy IDs: POST create, GET/PUT/DELETE by ID; config-entry edits lock them out', async () => {
  const created = await call('POST', '/v1/connect/intentions', {
    SourceName: 'legacy-web',
    DestinationName: 'legacy-api',
    Action: 'allow',
    Description: 'by id',
    Meta: { team: 'a' },
  });
  assert.equal(created.status, 200, created.text);
  const { ID: id } = created.json();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

  const got = await call('GET', `/v1/connect/intentions/${id}`);
  assert.equal(got.status, 200, got.text);
  const ixn = got.json();
  assert.equal(ixn.ID, id);
  assert.deepEqual(ixn.Meta, { team: 'a' });
  assert.equal(ixn.Action, 'allow');
  assert.ok(Date.parse(ixn.CreatedAt) > 0 && ixn.CreatedAt === ixn.UpdatedAt);
  const cfg = (await call('GET', '/v1/config/service-intentions/legacy-api')).json();
  assert.equal(cfg.Sources[0].LegacyID, id);
  assert.deepEqual(cfg.Sources[0].LegacyMeta, { team: 'a' });

  // Update by ID keeps the ID and creation time; the destination cannot move.
  const upd = await call('PUT', `/v1/connect/intentions/${id}`, {
    SourceName: 'legacy-web',
    DestinationName: 'legacy-api',
    Action: 'deny',
  });
  assert.equal(upd.status, 200, upd.text);
  assert.equal(upd.text, '');
  const after = (await call('GET', `/v1/connect/intentions/${id}`)).json();
  assert.equal(after.Action, 'deny');
  assert.equal(after.CreatedAt, ixn.CreatedAt);
  const moved = await call('PUT', `/v1/connect/intentions/${id}`, {
    SourceName: 'legacy-web',
    DestinationName: 'elsewhere',
    Action: 'deny',
  });
  assert.equal(moved.status, 500);
  assert.equal(
    moved.text,
    'Cannot modify Destination partition/namespace/name for an intention once it exists.',
  );

  // Refusals, state unchanged.
  const refusals: [string, string, unknown, number, string][] = [
    [
      'POST',
      '/v1/connect/intentions',
      { SourceName: 'w', DestinationName: 'legacy-api', Action: 'allow', SourcePeer: 'east' },
      500,
      'SourcePeer field is not supported on this endpoint. Use config entries instead',
    ],
    [
      'POST',
      '/v1/connect/intentions',
      { ID: id, SourceName: 'w', DestinationName: 'legacy-api', Action: 'allow' },
      500,
      'ID must be empty when creating a new intention',
    ],
    [
      'POST',
      '/v1/connect/intentions',
      { SourceName: 'w*', DestinationName: 'legacy-api' },
      500,
      "2 errors occurred:\n\t* SourceName: wildcard character '*' cannot be used with partial values\n\t* Action must be set to 'allow' or 'deny'\n\n",
    ],
    [
      'POST',
      '/v1/connect/intentions',
      { SourceName: 'w', DestinationName: 'legacy-api', Action: 'allow', SourceNS: 'team' },
      500,
      'Invalid source namespace "team": Namespaces is a Consul Enterprise feature',
    ],
    ['GET', '/v1/connect/intentions/nope', undefined, 400, 'UUID must be 36 characters'],
    [
      'DELETE',
      '/v1/connect/intentions/00000000-0000-0000-0000-000000000000',
      undefined,
      500,
      "Cannot delete non-existent intention: '00000000-0000-0000-0000-000000000000'",
    ],
    [
      'PUT',
      '/v1/connect/intentions/00000000-0000-0000-0000-000000000000',
      { SourceName: 'w', DestinationName: 'legacy-api', Action: 'allow' },
      500,
      "Cannot modify non-existent intention: '00000000-0000-0000-0000-000000000000'",
    ],
  ];
  const before = (await call('GET', '/v1/config/service-intentions/legacy-api')).json();
  for (const [method, path, body, status, text] of refusals) {
    const r = await call(method, path, body);
    assert.equal(r.status, status, `${method} ${path}: ${r.text}`);
    assert.equal(r.text, text, `${method} ${path}`);
  }
  const missing = await call('GET', '/v1/connect/intentions/00000000-0000-0000-0000-000000000000');
  assert.equal(missing.status, 404);
  assert.equal(missing.text, 'Intention not found');
  assert.deepEqual((await call('GET', '/v1/config/service-intentions/legacy-api')).json(), before);

  // Once the destination is edited as a config entry (which clears LegacyID), the ID API refuses it.
  assert.equal((await call('PUT', exact('other', 'legacy-api'), { Action: 'allow' })).status, 200);
  const gone = await call('GET', `/v1/connect/intentions/${id}`);
  assert.equal(gone.status, 404);
  const second = await call('POST', '/v1/connect/intentions', {
    SourceName: 'third',
    DestinationName: 'legacy-api',
    Action: 'allow',
  });
  assert.equal(second.status, 500);
  assert.equal(
    second.text,
    'cannot use legacy intention API to edit intentions with a destination of "legacy-api" after editing them via a service-intentions config entry',
  );

  // Delete by ID removes the source, and the entry with its last source.
  const lone = (
    await call('POST', '/v1/connect/intentions', {
      SourceName: 'a',
      DestinationName: 'legacy-lone',
      Action: 'deny',
    })
  ).json().ID;
  const del = await call('DELETE', `/v1/connect/intentions/${lone}`);
  assert.equal(del.status, 200, del.text);
  assert.equal((await call('GET', '/v1/config/service-intentions/legacy-lone')).status, 404);
});

test('intentions cli - create, get, list, match, check (-explain) and delete against the agent', async () => {
  const env = { CONSUL_HTTP_ADDR: dev.agent.httpAddr.replace('http://', '') };
  const run = (...argv: string[]) => runAgainst(undefined, argv, { env });

  let r = await run('intention', 'create', '-deny', 'cli-web', 'cli-db');
  assert.deepEqual(r, { code: 0, stdout: 'Created: cli-web => cli-db (deny)\n', stderr: '' });
  r = await run('intention', 'create', 'cli-web', 'cli-db');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already exists \(use -replace to replace it\)/);
  r = await run('intention', 'create', '-replace', 'cli-web', 'cli-db');
  assert.equal(r.stdout, 'Created: cli-web => cli-db (allow)\n');

  r = await run('intention', 'get', 'cli-web', 'cli-db');
  assert.equal(r.code, 0);
  assert.equal(
    r.stdout,
    'Source:       cli-web\nDestination:  cli-db\nAction:       allow\nCreated At:   Monday, 01-Jan-01 00:00:00 UTC\n',
  );
  r = await run('intention', 'get', 'cli-none', 'cli-db');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, 'Intention not found with source "cli-none" and destination "cli-db"\n');

  r = await run('intention', 'list');
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^ID\s+Source\s+Action\s+Destination\s+Precedence\n/);
  assert.match(r.stdout, /\n\s+cli-web\s+allow\s+cli-db\s+9\n/);

  r = await run('intention', 'match', 'cli-db');
  assert.deepEqual(r, { code: 0, stdout: 'cli-web => cli-db (allow)\n', stderr: '' });
  r = await run('intention', 'match', '-source', 'cli-web');
  // The exact source first, then the `*` sources left by the tests above.
  assert.match(r.stdout, /^cli-web => cli-db \(allow\)\n\* => /);

  r = await run('intention', 'check', 'cli-web', 'cli-db');
  assert.deepEqual(r, { code: 0, stdout: 'Allowed\n', stderr: '' });
  await run('intention', 'create', '-deny', '*', 'cli-db');
  r = await run('intention', 'check', '-explain', 'cli-other', 'cli-db');
  assert.equal(r.code, 1);
  assert.match(
    r.stdout,
    /^Denied\nReason: intention "\*" => "cli-db" \(precedence 8\) decides cli-other => cli-db\n/,
  );
  assert.match(
    r.stdout,
    /\[9\] cli-other => cli-db: no-intention \(the "cli-db" entry has no source "cli-other"\)/,
  );
  assert.match(r.stdout, /\[8\] \* => cli-db: matched: \* => cli-db \(deny\)/);
  r = await run('intention', 'check', 'peer:east/x', 'cli-db');
  assert.equal(r.code, 2);
  assert.match(r.stderr, /cannot specify a peer here/);

  r = await run('intention', 'delete', 'cli-web', 'cli-db');
  assert.deepEqual(r, { code: 0, stdout: 'Intention deleted.\n', stderr: '' });
  assert.equal((await call('GET', exact('cli-web', 'cli-db'))).status, 404);
});

test('intentions cli - get/delete by legacy ID; -namespace/-partition reach the server, which refuses them as CE', async () => {
  const env = { CONSUL_HTTP_ADDR: dev.agent.httpAddr.replace('http://', '') };
  const run = (...argv: string[]) => runAgainst(undefined, argv, { env });
  const { ID: id } = (
    await call('POST', '/v1/connect/intentions', {
      SourceName: 'cli-id-web',
      DestinationName: 'cli-id-db',
      Action: 'deny',
    })
  ).json();

  let r = await run('intention', 'get', id);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /^Source:\s+cli-id-web\nDestination:\s+cli-id-db\nAction:\s+deny\nID:\s+[0-9a-f-]{36}\n/,
  );
  assert.doesNotMatch(r.stdout, /01-Jan-01/);
  r = await run('intention', 'get', '00000000-0000-0000-0000-000000000000');
  assert.deepEqual(r, {
    code: 1,
    stdout: '',
    stderr: 'Intention not found with ID "00000000-0000-0000-0000-000000000000"\n',
  });
  r = await run('intention', 'get', 'a', 'b', 'c');
  assert.deepEqual(r, { code: 1, stdout: '', stderr: 'command requires exactly 1 or 2 arguments\n' });

  // The flags are Consul's; a CE server answers any value but `default` with its Enterprise error.
  r = await run('intention', 'list', '-namespace', 'team');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'Failed to retrieve the intentions list: Unexpected response code: 400 (Invalid query parameter: "ns" - Namespaces are a Consul Enterprise feature)\n',
  );
  r = await run('intention', 'get', '-partition', 'eu', 'cli-id-web', 'cli-id-db');
  assert.equal(r.code, 1);
  assert.equal(
    r.stderr,
    'Error reading the intention: Unexpected response code: 400 (Invalid query parameter: "partition" - Partitions are a Consul Enterprise feature)\n',
  );
  r = await run('intention', 'match', '-namespace', 'default', 'cli-id-db');
  assert.deepEqual(r, { code: 0, stdout: 'cli-id-web => cli-id-db (deny)\n', stderr: '' });

  r = await run('intention', 'delete', id);
  assert.deepEqual(r, { code: 0, stdout: 'Intention deleted.\n', stderr: '' });
  assert.equal((await call('GET', `/v1/connect/intentions/${id}`)).status, 404);
});

test('authorize http - local SPIFFE IDs decided by intentions; unknown trust domains and bad input refused', async () => {
  const td = (await call('GET', '/v1/connect/ca/roots')).json().TrustDomain as string;
  await call('PUT', exact('authz-web', 'authz-api'), { Action: 'deny' });
  const authz = (uri: string, target = 'authz-api') =>
    call('POST', '/v1/agent/connect/authorize', {
      Target: target,
      ClientCertURI: uri,
      ClientCertSerial: '01',
    });

  let r = await authz(`spiffe://${td}/ns/default/dc/dc1/svc/authz-web`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json(), {
    Authorized: false,
    Reason: 'Matched L4 intention: default/authz-web => default/authz-api (Precedence: 9, Action: DENY)',
  });
  r = await authz(`spiffe://${td}/ns/default/dc/dc1/svc/authz-other`);
  assert.deepEqual(r.json(), { Authorized: true, Reason: 'Default behavior configured by ACLs' });
  r = await authz('spiffe://someone-else.consul/ns/default/dc/dc1/svc/authz-other');
  assert.equal(r.json().Authorized, false);
  assert.match(r.json().Reason, /^Unknown trust domain "someone-else.consul"/);

  const bad: [unknown, string][] = [
    [{ ClientCertURI: `spiffe://${td}/ns/default/dc/dc1/svc/x` }, 'Target service must be specified'],
    [{ Target: 'a', ClientCertURI: 'nope' }, 'ClientCertURI not a valid Connect identifier'],
    [
      { Target: 'a', ClientCertURI: `spiffe://${td}/agent/server/dc/dc1` },
      'ClientCertURI not a valid Service identifier',
    ],
  ];
  for (const [body, text] of bad) {
    const b = await call('POST', '/v1/agent/connect/authorize', body);
    assert.equal(b.status, 400, b.text);
    assert.equal(b.text.trim(), text);
  }

  // The body is capped at 4 KiB (not the 16 MiB of other endpoints): the HTTP layer's 413 and message.
  const huge = {
    Target: 'authz-api',
    ClientCertURI: `spiffe://${td}/ns/default/dc/dc1/svc/${'w'.repeat(5_000)}`,
  };
  const size = Buffer.byteLength(JSON.stringify(huge));
  r = await call('POST', '/v1/agent/connect/authorize', huge);
  assert.equal(r.status, 413, r.text);
  assert.equal(r.text.trim(), `Request body(${size} bytes) too large, max size: 4096 bytes.`);
});
