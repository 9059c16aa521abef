import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { fakeConsul, runAgainst } from '../../testing/run.js';

const PEER = {
  ID: 'a1b2',
  Name: 'west',
  State: 'ACTIVE',
  Meta: { z: '1', env: 'prod' },
  PeerID: 'p-1',
  PeerCAPems: ['pem'],
  PeerServerName: 'server.dc2.peering.x.consul',
  PeerServerAddresses: ['10.0.0.1:8503', '10.0.0.2:8503'],
  StreamStatus: {
    ImportedServices: ['api'],
    ExportedServices: ['web', 'db'],
    LastHeartbeat: '2024-05-01T10:00:00.5Z',
    LastReceive: null,
    LastSend: '2024-05-01T10:00:01Z',
  },
  CreateIndex: 10,
  ModifyIndex: 12,
};

test('cli peering generate-token - prints the token; json format; request body', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('POST', '/v1/peering/token', { json: { PeeringToken: 'dG9rZW4=' } });
  const run = await runAgainst(fake, [
    'peering',
    'generate-token',
    '-name=west',
    '-meta',
    'env=prod',
    '-server-external-addresses=1.2.3.4:8503,5.6.7.8:8503',
  ]);
  assert.deepEqual(run, { code: 0, stdout: 'dG9rZW4=\n', stderr: '' });
  assert.equal(
    fake.requests[0]?.body,
    '{"PeerName":"west","Meta":{"env":"prod"},"ServerExternalAddresses":["1.2.3.4:8503","5.6.7.8:8503"]}\n',
  );
  const json = await runAgainst(fake, ['peering', 'generate-token', '-name=west', '-format=json']);
  assert.equal(json.stdout, '{"PeeringToken":"dG9rZW4="}\n');
});

test('cli peering - required flags and format validation', async () => {
  assert.deepEqual(await runAgainst(undefined, ['peering', 'generate-token']), {
    code: 1,
    stdout: '',
    stderr: 'Missing the required -name flag\n',
  });
  assert.equal(
    (await runAgainst(undefined, ['peering', 'read', '-name=x', '-format=yaml'])).stderr,
    'Invalid format, valid formats are {json|pretty}\n',
  );
  assert.equal(
    (await runAgainst(undefined, ['peering', 'establish', '-name=x'])).stderr,
    'Missing the required -peering-token flag\n',
  );
});

test('cli peering establish - success message and server error', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('POST', '/v1/peering/establish', (req) =>
    req.body.includes('"bad"') ? { status: 400, text: 'invalid peering token' } : { json: {} },
  );
  const ok = await runAgainst(fake, ['peering', 'establish', '-name=east', '-peering-token=tok']);
  assert.deepEqual(ok, {
    code: 0,
    stdout: 'Successfully established peering connection with east\n',
    stderr: '',
  });
  assert.equal(fake.requests[0]?.body, '{"PeerName":"east","PeeringToken":"tok"}\n');
  const bad = await runAgainst(fake, ['peering', 'establish', '-name=east', '-peering-token=bad']);
  assert.deepEqual(bad, {
    code: 1,
    stdout: '',
    stderr: 'Error establishing peering for east: Unexpected response code: 400 (invalid peering token)\n',
  });
});

test('cli peering list - table sorted by name, empty message, json', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/peerings', {
    json: [PEER, { ...PEER, Name: 'east', State: 'PENDING', Meta: {}, StreamStatus: undefined }],
  });
  const run = await runAgainst(fake, ['peering', 'list']);
  assert.equal(
    run.stdout,
    'Name  State    Imported Svcs  Exported Svcs  Meta\n' +
      'east  PENDING  0              0              \n' +
      'west  ACTIVE   1              2              env=prod,z=1\n',
  );
  const json = await runAgainst(fake, ['peering', 'list', '-format=json']);
  assert.deepEqual(
    (JSON.parse(json.stdout) as { Name: string }[]).map((p) => p.Name),
    ['east', 'west'],
  );
  const empty = await startEmpty(t);
  assert.deepEqual(await runAgainst(empty, ['peering', 'list']), {
    code: 0,
    stdout: 'There are no peering connections.\n',
    stderr: '',
  });
});

async function startEmpty(t: Parameters<typeof fakeConsul>[0]): ReturnType<typeof fakeConsul> {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/peerings', { json: [] });
  return fake;
}

test('cli peering read - Consul layout with Go time formatting; not found exit 1', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/peering/west', { json: PEER });
  fake.on('GET', '/v1/peering/nope', { status: 404, text: 'Peering not found for "nope"' });
  const run = await runAgainst(fake, ['peering', 'read', '-name=west']);
  assert.equal(run.code, 0);
  assert.equal(
    run.stdout,
    [
      'Name:         west',
      'ID:           a1b2',
      'State:        ACTIVE',
      'Meta:',
      '    env=prod',
      '    z=1',
      '',
      'Peer ID:               p-1',
      'Peer Server Name:      server.dc2.peering.x.consul',
      'Peer CA Pems:          1',
      'Peer Server Addresses:',
      '    10.0.0.1:8503',
      '    10.0.0.2:8503',
      '',
      'Imported Services: 1',
      'Exported Services: 2',
      '',
      'Last Heartbeat:    2024-05-01 10:00:00.5 +0000 UTC',
      'Last Send:         2024-05-01 10:00:01 +0000 UTC',
      'Last Receive:      <nil>',
      '',
      'Create Index: 10',
      'Modify Index: 12',
      '',
    ].join('\n'),
  );
  assert.deepEqual(await runAgainst(fake, ['peering', 'read', '-name=nope']), {
    code: 1,
    stdout: '',
    stderr: 'No peering with name nope found.\n',
  });
});

test('cli peering delete and exported-services', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('DELETE', '/v1/peering/west', {});
  fake.on('GET', '/v1/peering/west', { json: PEER });
  assert.deepEqual(await runAgainst(fake, ['peering', 'delete', '-name=west']), {
    code: 0,
    stdout: 'Successfully submitted peering connection, west, for deletion\n',
    stderr: '',
  });
  assert.equal((await runAgainst(fake, ['peering', 'exported-services', '-name=west'])).stdout, 'web\ndb\n');
  assert.equal(
    (await runAgainst(fake, ['peering', 'exported-services', '-name=west', '-format=json'])).stdout,
    '[{"ID":"web"},{"ID":"db"}]\n',
  );
});

test('cli peering describe-token - prints the token fields and fingerprints, never the secret', async () => {
  const der = Buffer.from('fake certificate bytes');
  const pem = `-----BEGIN CERTIFICATE-----\n${der.toString('base64')}\n-----END CERTIFICATE-----\n`;
  const token = Buffer.from(
    JSON.stringify({
      CA: [pem],
      ManualServerAddresses: [],
      ServerAddresses: ['10.0.0.1:8503'],
      ServerName: 'server.dc1.peering.11111111-2222-3333-4444-555555555555.consul',
      PeerID: '9e6c0f1c-0000-4000-8000-000000000001',
      EstablishmentSecret: 'super-secret-value',
      Remote: { Partition: 'default', Datacenter: 'dc1' },
    }),
  ).toString('base64');
  const fingerprint = createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)?.join(':');
  const run = await runAgainst(undefined, ['peering', 'describe-token', token]);
  assert.equal(run.code, 0);
  assert.equal(
    run.stdout,
    'Server Name:       server.dc1.peering.11111111-2222-3333-4444-555555555555.consul\n' +
      'Peer ID:           9e6c0f1c-0000-4000-8000-000000000001\n' +
      'Remote Datacenter: dc1\n' +
      'Remote Partition:  default\n' +
      'Server Addresses:\n    10.0.0.1:8503\n' +
      `CA Fingerprints (SHA-256):\n    ${fingerprint}\n`,
  );
  const json = await runAgainst(undefined, ['peering', 'describe-token', '-format=json', '-'], {
    stdin: token,
  });
  assert.equal(json.code, 0);
  assert.equal(
    (JSON.parse(json.stdout) as { PeerID: string }).PeerID,
    '9e6c0f1c-0000-4000-8000-000000000001',
  );
  for (const out of [run.stdout, json.stdout]) {
    assert.doesNotMatch(out, /super-secret-value|EstablishmentSecret/);
  }
  const bad = await runAgainst(undefined, ['peering', 'describe-token', 'not-a-token!']);
  assert.deepEqual(bad, {
    code: 1,
    stdout: '',
    stderr: 'Error decoding peering token: peering token is not valid base64\n',
  });
});

test('cli peering read - shows Entente diagnostics: reason, message, last attempt, lag', async (t) => {
  const fake = await fakeConsul(t);
  fake.on('GET', '/v1/peering/west', {
    json: {
      ...PEER,
      State: 'FAILING',
      Diagnostics: {
        Reason: 'ADDRESS_UNREACHABLE',
        Message: 'dial tcp 10.0.0.1:8503: connect: connection refused',
        LastAttemptAddress: '10.0.0.1:8503',
        LastAttemptAt: '2024-05-01T10:00:02Z',
        ReplicationLagMs: { Last: 4, P99: 9 },
      },
    },
  });
  const run = await runAgainst(fake, ['peering', 'read', '-name=west']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Reason: +ADDRESS_UNREACHABLE\n/);
  assert.match(run.stdout, /Message: +dial tcp 10\.0\.0\.1:8503: connect: connection refused\n/);
  assert.match(run.stdout, /Last Attempt: +10\.0\.0\.1:8503 at 2024-05-01T10:00:02Z\n/);
  assert.match(run.stdout, /Replication Lag: +last 4 ms, p99 9 ms\n/);
});

test('cli peering read - shows the import caps and the updates they refused', async (t) => {
  const fake = await fakeConsul(t);
  const message =
    'upsert error, ResourceURL: "type.googleapis.com/hashicorp.consul.internal.peerstream.ExportedService", ResourceID: "db": import cap reached: service "db" not imported: 10000 services are imported from this peer, the limit is peering.import_max_services = 10000';
  fake.on('GET', '/v1/peering/west', {
    json: {
      ...PEER,
      State: 'ACTIVE',
      Diagnostics: {
        ReplicationLagMs: { Last: null, P99: null },
        Imports: {
          Services: 10000,
          MaxServices: 10000,
          Instances: 20000,
          MaxInstances: 100000,
          Refused: { Services: 3, Instances: 0 },
          LastRefused: '2024-05-01T10:00:02Z',
          LastRefusedMessage: message,
        },
      },
    },
  });
  const run = await runAgainst(fake, ['peering', 'read', '-name=west']);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Imports: +10000\/10000 services, 20000\/100000 instances\n/);
  assert.match(run.stdout, /Imports Refused: +3 over import_max_services, 0 over import_max_instances\n/);
  assert.ok(run.stdout.includes(`Last Refused:      ${message}\n`), run.stdout);
});
