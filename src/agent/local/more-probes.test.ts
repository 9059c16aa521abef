import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test, type TestContext } from 'node:test';

import {
  Server,
  ServerCredentials,
  status as grpcStatus,
  type sendUnaryData,
  type ServiceDefinition,
} from '@grpc/grpc-js';

import { aliasStatus } from './alias-runner.js';
import { SERVING, decodeHealthCheckResponse, encodeHealthCheckRequest } from './grpc-health-codec.js';
import { probeGrpc } from './grpc-probe.js';
import { SCRIPTS_DISABLED } from './local-agent.js';
import { probeScript } from './script-probe.js';
import { TestCatalog, checkDef, newAgent, service, waitFor, NODE } from './testing/harness.js';
import { probeUdp } from './udp-probe.js';
import type { HealthCheck } from '../../types/index.js';

const live = (): AbortSignal => new AbortController().signal;

async function udpServer(t: TestContext, reply: boolean): Promise<number> {
  const sock = createSocket('udp4');
  sock.on('message', (_msg, rinfo) => {
    if (reply) sock.send(Buffer.from('pong'), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  t.after(() => {
    sock.close();
  });
  return sock.address().port;
}

async function closedUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.1', resolve));
  const { port } = sock.address();
  await new Promise<void>((resolve) => sock.close(() => resolve()));
  return port;
}

test("udp check - an ICMP port-unreachable is critical with Go's read error", async () => {
  // A closed port can be taken by another process between close and probe, and the kernel rate-limits ICMP
  // errors machine-wide (net.ipv4.icmp_msgs_per_sec): either makes one probe pass. Neither can make a probe that
  // ignores port-unreachable fail, so a few fresh ports keep the test meaningful on a busy machine.
  const outcomes: string[] = [];
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await closedUdpPort();
    const r = await probeUdp(`127.0.0.1:${port}`, 5_000, live());
    outcomes.push(`${r.status}: ${r.output}`);
    if (r.status !== 'critical') continue;
    assert.match(
      r.output,
      new RegExp(`^read udp 127\\.0\\.0\\.1:\\d+->127\\.0\\.0\\.1:${port}: read: connection refused$`),
    );
    return;
  }
  assert.fail(`no probe of a closed port was critical: ${outcomes.join('; ')}`);
});

test('udp check - a reply, or silence until the timeout, is passing', async (t) => {
  const answering = await udpServer(t, true);
  assert.deepEqual(await probeUdp(`127.0.0.1:${answering}`, 5_000, live()), {
    status: 'passing',
    output: `UDP connect 127.0.0.1:${answering}: Success`,
  });
  const silent = await udpServer(t, false);
  assert.equal((await probeUdp(`127.0.0.1:${silent}`, 100, live())).status, 'passing');
  assert.deepEqual(await probeUdp('nonsense', 100, live()), {
    status: 'critical',
    output: 'dial udp: address nonsense: missing port in address',
  });
});

test('script check - exit 0 passing, 1 warning, other critical; stdout and stderr captured', async () => {
  const run = (script: string) => probeScript({ args: ['sh', '-c', script], timeoutMs: 10_000 }, live());
  assert.deepEqual(await run('echo ok'), { status: 'passing', output: 'ok\n' });
  assert.deepEqual(await run('echo slow >&2; exit 1'), { status: 'warning', output: 'slow\n' });
  assert.deepEqual(await run('exit 2'), { status: 'critical', output: '' });
  assert.deepEqual(await probeScript({ args: ['no-such-cmd-entente'], timeoutMs: 1000 }, live()), {
    status: 'critical',
    output: 'exec: "no-such-cmd-entente": executable file not found in $PATH',
  });
});

test("script check - output is bounded to its tail, as Consul's circular buffer", async () => {
  const r = await probeScript(
    { args: ['sh', '-c', 'printf "0123456789abcdefghij"'], timeoutMs: 10_000, maxOutputBytes: 8 },
    live(),
  );
  assert.deepEqual(r, { status: 'passing', output: 'Captured 8 of 20 bytes\n...\ncdefghij' });
});

test('script check - a timeout kills the process group and is critical with the output so far', async () => {
  const r = await probeScript(
    { args: ['sh', '-c', 'echo started; sleep 30 & wait'], timeoutMs: 300 },
    live(),
  );
  assert.deepEqual(r, { status: 'critical', output: 'Timed out (300ms) running check\n\nstarted\n' });
});

/** A grpc.health.v1 server whose answer per service the test sets; port from the OS. */
async function healthServer(t: TestContext, answers: Record<string, number>): Promise<number> {
  const server = new Server();
  const def: ServiceDefinition = {
    Check: {
      path: '/grpc.health.v1.Health/Check',
      requestStream: false,
      responseStream: false,
      requestSerialize: (r: { service: string }) => encodeHealthCheckRequest(r.service),
      requestDeserialize: (b: Buffer) => ({ service: decodeRequest(b) }),
      responseSerialize: (r: { status: number }) => Buffer.from(r.status === 0 ? [] : [0x08, r.status]),
      responseDeserialize: (b: Buffer) => decodeHealthCheckResponse(b),
    },
  };
  server.addService(def, {
    Check: (call: { request: { service: string } }, cb: sendUnaryData<{ status: number }>) => {
      const st = answers[call.request.service];
      if (st === undefined) cb({ code: grpcStatus.NOT_FOUND, details: 'unknown service' });
      else cb(null, { status: st });
    },
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) => {
      if (err) reject(err);
      else resolve(p);
    });
  });
  t.after(() => {
    server.forceShutdown();
  });
  return port;
}

function decodeRequest(b: Buffer): string {
  // field 1, length-delimited: 0x0a <len> <bytes> (lengths < 128 in these tests)
  return b.length === 0 ? '' : b.subarray(2, 2 + (b[1] ?? 0)).toString('utf8');
}

test("grpc check - SERVING is passing; NOT_SERVING and call errors are critical with Consul's texts", async (t) => {
  const port = await healthServer(t, { '': SERVING, 'pkg.Up': SERVING, 'pkg.Down': 2 });
  const spec = (target: string) => ({
    target,
    timeoutMs: 5_000,
    useTls: false,
    tlsSkipVerify: false,
    tlsServerName: '',
  });
  assert.deepEqual(await probeGrpc(spec(`127.0.0.1:${port}`), live()), {
    status: 'passing',
    output: `gRPC check 127.0.0.1:${port}: success`,
  });
  assert.equal((await probeGrpc(spec(`127.0.0.1:${port}/pkg.Up`), live())).status, 'passing');
  assert.deepEqual(await probeGrpc(spec(`127.0.0.1:${port}/pkg.Down`), live()), {
    status: 'critical',
    output: `gRPC 127.0.0.1:${port}/pkg.Down serving status: NOT_SERVING`,
  });
  assert.deepEqual(await probeGrpc(spec(`127.0.0.1:${port}/pkg.Nope`), live()), {
    status: 'critical',
    output: 'rpc error: code = NotFound desc = unknown service',
  });
  const closed = await closedUdpPort(); // a TCP port is very likely free too; the call must fail either way
  const down = await probeGrpc(spec(`127.0.0.1:${closed}`), live());
  assert.equal(down.status, 'critical');
  assert.match(down.output, /^rpc error: code = (Unavailable|DeadlineExceeded) desc = /);
});

test('grpc health codec - request and response round-trip; unknown fields skipped', () => {
  assert.deepEqual(encodeHealthCheckRequest(''), Buffer.alloc(0));
  assert.deepEqual(encodeHealthCheckRequest('a.B'), Buffer.from([0x0a, 3, 0x61, 0x2e, 0x42]));
  assert.deepEqual(decodeHealthCheckResponse(Buffer.alloc(0)), { status: 0 });
  assert.deepEqual(decodeHealthCheckResponse(Buffer.from([0x12, 1, 0x41, 0x08, 2])), { status: 2 });
  assert.throws(() => decodeHealthCheckResponse(Buffer.from([0x08])), /truncated/);
});

function hc(over: Partial<HealthCheck>): HealthCheck {
  return {
    Node: NODE,
    CheckID: 'c',
    Name: 'c',
    Status: 'passing',
    Notes: '',
    Output: '',
    ServiceID: '',
    ServiceName: '',
    ServiceTags: [],
    Type: '',
    Interval: '',
    Timeout: '',
    ExposedPort: 0,
    Definition: {},
    CreateIndex: 1,
    ModifyIndex: 1,
    ...over,
  };
}

test("alias status - worst of the service and node checks, Consul's texts", () => {
  const web = (id: string, Status: HealthCheck['Status'], Output = '') =>
    hc({ CheckID: id, Name: id, ServiceID: 'web', Status, Output });
  assert.deepEqual(aliasStatus([web('a', 'passing')], '', 'web', true), {
    status: 'passing',
    output: 'All checks passing.',
  });
  assert.deepEqual(aliasStatus([web('a', 'warning', 'slow'), web('b', 'passing')], '', 'web', true), {
    status: 'warning',
    output: 'Aliased check "a" failing: slow',
  });
  assert.deepEqual(
    aliasStatus(
      [hc({ Name: 'node down', Status: 'critical', Output: 'x' }), web('a', 'passing')],
      '',
      'web',
      true,
    ),
    { status: 'critical', output: 'Aliased check "node down" failing: x' },
  );
  assert.deepEqual(aliasStatus([hc({ ServiceID: 'other', Status: 'critical' })], '', 'web', true), {
    status: 'passing',
    output: 'No checks found.',
  });
  assert.deepEqual(aliasStatus([], 'n9', 'web', false), {
    status: 'critical',
    output: 'Service web could not be found on node n9',
  });
});

test('alias check - follows the aliased service through the store, without polling', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  await agent.registerService(
    service('web'),
    [checkDef('web-ttl', 'web', { TTL: '1m' }, { ttlMs: 60_000 })],
    false,
  );
  await agent.registerService(service('proxy'), [checkDef('alias', 'proxy', { AliasService: 'web' })], false);
  const status = () => cat.check('alias')?.Status;
  await waitFor(() => status() === 'critical', 'alias mirrors the critical TTL check');
  assert.match(cat.check('alias')?.Output ?? '', /^Aliased check "check web-ttl" failing: /);
  await agent.updateTtlCheck('web-ttl', 'passing', 'fine');
  await waitFor(() => status() === 'passing', 'alias follows the TTL check to passing');
  assert.equal(cat.check('alias')?.Output, 'All checks passing.');
  await agent.deregisterService('web');
  await waitFor(() => status() === 'critical', 'alias goes critical when the service is gone');
  assert.equal(cat.check('alias')?.Output, 'Service web could not be found on node ');
});

test('script check - refused over HTTP without enable_script_checks, run with it', async (t) => {
  const cat = new TestCatalog();
  const def = checkDef(
    's',
    '',
    { ScriptArgs: ['sh', '-c', 'echo up'], Interval: '10s' },
    { intervalMs: 10_000 },
  );
  await assert.rejects(newAgent(t, cat).registerCheck(def), (err: Error) => err.message === SCRIPTS_DISABLED);
  assert.equal(cat.check('s'), undefined, 'nothing registered');
  const enabled = newAgent(t, cat, { enableScriptChecks: true });
  await enabled.registerCheck(def);
  await waitFor(() => cat.check('s')?.Status === 'passing', 'the script ran');
  assert.equal(cat.check('s')?.Output, 'up\n');
});

test('udp check - runs through the local agent, staying critical only while the port is closed', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  const port = await closedUdpPort();
  await agent.registerCheck(
    checkDef('u', '', { UDP: `127.0.0.1:${port}`, Interval: '10s' }, { intervalMs: 10_000, timeoutMs: 200 }),
  );
  await waitFor(() => /connection refused$/.test(cat.check('u')?.Output ?? ''), 'the UDP probe ran');
  assert.equal(cat.check('u')?.Status, 'critical');
});
