import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_STREAM_LIMITS } from '../peering/index.js';
import { buildConfig, ConfigError, loadAgentConfig, parseAgentFlags } from './load.js';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'entente-config-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test('config - -dev needs no data dir and keeps Consul defaults', () => {
  const { config } = loadAgentConfig(['-dev']);
  assert.equal(config.dev, true);
  assert.equal(config.dataDir, '');
  assert.equal(config.datacenter, 'dc1');
  assert.equal(config.clientAddr, '127.0.0.1');
  assert.deepEqual(config.ports, {
    http: 8500,
    https: -1,
    dns: 8600,
    grpc: -1,
    grpc_tls: 8503,
    server: -1,
  });
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.ports), 'config is deep-frozen');
});

test('config - flags use Go syntax and override files', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'a.json');
  writeFileSync(file, JSON.stringify({ datacenter: 'east', ports: { http: 9000, dns: 9600 } }));
  const { config } = loadAgentConfig(['-dev', '-config-file', file, '--http-port=0', '-datacenter', 'WEST']);
  assert.equal(config.datacenter, 'west');
  assert.equal(config.ports.http, 0);
  assert.equal(config.ports.dns, 9600);
});

test('config - Consul files in HCL and JSON load; unknown keys warn, do not fail', (t) => {
  const dir = tmp(t);
  const conf = join(dir, 'conf.d');
  mkdirSync(conf);
  writeFileSync(
    join(conf, '01-base.hcl'),
    `
datacenter = "dc7"
data_dir = "${dir}/data"
server = true
bootstrap_expect = 1

performance { raft_multiplier = 1 }
encrypt = "abc"
ports { http = 18500 grpc_tls = -1 serf_lan = 18301 }
acl { enabled = false tokens { master = "root" agent_master = "x" } }
connect { enabled = true ca_config { cluster_id = "11111111-2222-3333-4444-555555555555" } }
peering { enabled = true }
ui_config { enabled = true }
log_level = "DEBUG"
made_up_key = 1
`,
  );
  writeFileSync(
    join(conf, '02-more.json'),
    JSON.stringify({ node_name: 'n-7', version: '1.17.0', segments: null }),
  );
  const { config, warnings } = loadAgentConfig(['-config-dir', conf]);
  assert.equal(config.datacenter, 'dc7');
  assert.equal(config.nodeName, 'n-7');
  assert.equal(config.ports.http, 18500);
  assert.equal(config.ports.grpc_tls, -1);
  assert.equal(config.logLevel, 'debug');
  assert.ok(
    warnings.some((w) => w.includes('ui_config.enabled (-ui) is ignored')),
    warnings.join('\n'),
  );
  assert.ok(
    warnings.some((w) => w.includes('unknown config key "made_up_key"')),
    warnings.join('\n'),
  );
  assert.ok(warnings.some((w) => w.includes('"encrypt" is not used')));
  assert.ok(warnings.some((w) => w.includes('"ports.serf_lan"')));
  assert.equal(config.connectClusterId, '11111111-2222-3333-4444-555555555555');
  assert.ok(!warnings.some((w) => w.includes('connect.')), warnings.join('\n'));
});

test('config - dns_config keys Entente does not implement warn; the ones it reads do not', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'entente-dns-config-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'dns.hcl');
  writeFileSync(file, 'dns_config { use_cache = true, node_ttl = "10s", soa { min_ttl = 5 } }');
  const { warnings } = loadAgentConfig(['-dev', '-config-file', file]);
  assert.ok(
    warnings.some((w) => w.includes('"dns_config.use_cache" is not used')),
    warnings.join('\n'),
  );
  assert.ok(!warnings.some((w) => w.includes('node_ttl') || w.includes('min_ttl')), warnings.join('\n'));
});

test('config - connect.ca_config.cluster_id must be a UUID; the CA keys seed the CA; ca_provider is consul', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'c.hcl');
  writeFileSync(file, 'connect { ca_config { cluster_id = "not-a-uuid" } }');
  assert.throws(
    () => loadAgentConfig(['-dev', '-config-file', file]),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message.includes('connect.ca_config.cluster_id: cluster_id was supplied but was not a valid UUID'),
  );
  writeFileSync(
    file,
    'connect { ca_provider = "consul" ca_config { leaf_cert_ttl = "24h" private_key_bits = 384 } }',
  );
  const { config, warnings } = loadAgentConfig(['-dev', '-config-file', file]);
  assert.equal(config.connectClusterId, '');
  assert.equal(config.connectCAProvider, 'consul');
  assert.deepEqual(config.connectCAConfig, { leaf_cert_ttl: '24h', private_key_bits: 384 });
  assert.ok(!warnings.some((w) => w.includes('ca_config')), warnings.join('\n'));
  writeFileSync(file, 'connect { ca_provider = "vault" }');
  assert.throws(
    () => loadAgentConfig(['-dev', '-config-file', file]),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.message === 'connect.ca_provider: Entente has only the built-in "consul" CA provider, got "vault"',
  );
});

test('config - connect.ca_config CSR limits are read keys: kept as written, no warning', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'c.hcl');
  writeFileSync(file, 'connect { ca_config { csr_max_per_second = 0, csr_max_concurrent = "4" } }');
  const { config, warnings } = loadAgentConfig(['-dev', '-config-file', file]);
  assert.deepEqual(config.connectCAConfig, { csr_max_per_second: 0, csr_max_concurrent: '4' });
  assert.ok(!warnings.some((w) => w.includes('csr_max')), warnings.join('\n'));
});

test('config - bad values and contradictions are rejected with the key named', (t) => {
  const dir = tmp(t);
  const bad = (argv: string[], re: RegExp): void => {
    assert.throws(
      () => loadAgentConfig(argv),
      (err: unknown) => err instanceof ConfigError && re.test(err.message),
    );
  };
  bad(['-server'], /data_dir cannot be empty/);
  bad(['-dev', '-http-port', 'abc'], /invalid value "abc" for flag -http-port/);
  bad(['-dev', '-nope'], /flag provided but not defined: -nope/);
  bad(['-dev', '-http-port', '70000'], /ports.http: invalid port 70000/);
  bad(['-dev', '-log-level', 'loud'], /log_level: invalid level "loud"/);
  bad(['-dev', '-datacenter', 'd c'], /datacenter/);
  bad(['-dev', '-advertise', '0.0.0.0'], /advertise_addr cannot be 0.0.0.0/);
  const f = join(dir, 'types.json');
  writeFileSync(f, JSON.stringify({ ports: { http: 'x' } }));
  bad(['-dev', '-config-file', f], /ports.http: expected an integer/);
  const h = join(dir, 'broken.hcl');
  writeFileSync(h, 'ports { http = ');
  bad(['-dev', '-config-file', h], /Error parsing .*broken\.hcl/);
  bad(['-dev', '-config-file', join(dir, 'missing.json')], /Error reading config file/);
});

test('config - repeated flags accumulate', () => {
  const f = parseAgentFlags([
    '-dev',
    '-node-meta',
    'rack:r1',
    '-node-meta',
    'zone:z',
    '-recursor',
    '1.1.1.1',
  ]);
  assert.deepEqual(f.raw['node_meta'], { rack: 'r1', zone: 'z' });
  assert.deepEqual(f.raw['recursors'], ['1.1.1.1']);
});

test('config - limits.http_max_conns_per_client: Consul default 200, 0 = no limit, negative refused', (t) => {
  const dir = tmp(t);
  assert.equal(loadAgentConfig(['-dev']).config.httpMaxConnsPerClient, 200);
  const file = join(dir, 'limits.hcl');
  writeFileSync(file, 'limits { http_max_conns_per_client = 0 \n rpc_max_conns_per_client = 10 }\n');
  const { config, warnings } = loadAgentConfig(['-dev', '-config-file', file]);
  assert.equal(config.httpMaxConnsPerClient, 0);
  assert.ok(
    warnings.some((w) => w.includes('"limits.rpc_max_conns_per_client" is not used')),
    warnings.join('\n'),
  );
  assert.ok(!warnings.some((w) => w.includes('http_max_conns_per_client')), warnings.join('\n'));
  writeFileSync(file, 'limits { http_max_conns_per_client = -1 }\n');
  assert.throws(
    () => loadAgentConfig(['-dev', '-config-file', file]),
    (err: unknown) => err instanceof ConfigError && /limits.http_max_conns_per_client/.test(err.message),
  );
});

test('config - ACLs asked for stop start-up: nothing would enforce them', (t) => {
  const dir = tmp(t);
  const refuse = (text: string, re: RegExp): void => {
    const f = join(dir, `c${Math.random()}.hcl`);
    writeFileSync(f, text);
    assert.throws(
      () => loadAgentConfig(['-dev', '-config-file', f]),
      (err: unknown) => err instanceof ConfigError && re.test(err.message),
    );
  };
  refuse('acl { enabled = true, default_policy = "deny" }', /^acl.enabled: ACLs are not implemented/);
  refuse('acl_datacenter = "dc1"', /^acl_datacenter: ACLs are not implemented/);
  refuse('verify_incoming = true', /^verify_incoming is true, but Entente does not serve TLS/);
  refuse('tls { https { verify_incoming = true } }', /^tls.https.verify_incoming is true/);
  const off = join(dir, 'off.hcl');
  writeFileSync(off, 'acl { enabled = false, default_policy = "deny" }');
  const { warnings } = loadAgentConfig(['-dev', '-config-file', off]);
  assert.ok(
    warnings.some((w) => w.startsWith('acl.default_policy has no effect')),
    warnings.join('\n'),
  );
});

test('config - plaintext gRPC, HTTPS and server RPC ports are neither opened nor advertised, and say so', () => {
  const { config, warnings } = loadAgentConfig([
    '-dev',
    '-grpc-port',
    '8502',
    '-https-port',
    '8501',
    '-server-port',
    '8300',
  ]);
  assert.equal(config.ports.grpc, -1);
  assert.equal(config.ports.https, -1);
  assert.equal(config.ports.server, -1);
  assert.ok(warnings.some((w) => w.startsWith('ports.grpc (-grpc-port) = 8502 is ignored')));
  assert.ok(warnings.some((w) => w.startsWith('ports.https (-https-port) = 8501 is ignored')));
  assert.ok(warnings.some((w) => w.startsWith('ports.server (-server-port) = 8300 is ignored')));
  const quiet = loadAgentConfig(['-dev', '-grpc-port', '-1']);
  assert.deepEqual(quiet.warnings, []);
});

test('config - an empty config file is an empty configuration, as in Consul', (t) => {
  const dir = tmp(t);
  for (const name of ['empty.json', 'empty.hcl', 'blank.json']) {
    writeFileSync(join(dir, name), name === 'blank.json' ? ' \n' : '');
    const { config } = loadAgentConfig(['-dev', '-config-file', join(dir, name)]);
    assert.equal(config.datacenter, 'dc1');
  }
});

test('config - flags Entente does not act on warn instead of vanishing', () => {
  const { warnings } = loadAgentConfig([
    '-dev',
    '-join',
    '10.0.0.1',
    '-retry-join',
    'x',
    '-pid-file',
    '/tmp/p',
  ]);
  assert.ok(
    warnings.some((w) => w.startsWith('flag -join is ignored')),
    warnings.join('\n'),
  );
  assert.ok(warnings.some((w) => w.startsWith('flag -retry-join is ignored')));
  assert.ok(warnings.some((w) => w.includes('"pid_file" is not used')));
});

test('config - script checks and the sidecar port range are read', () => {
  const a = loadAgentConfig(['-dev']).config;
  assert.equal(a.enableScriptChecks, false);
  assert.equal(a.sidecarMinPort, 21000);
  assert.equal(a.sidecarMaxPort, 21255);
  const b = loadAgentConfig(['-dev', '-enable-script-checks']).config;
  assert.equal(b.enableScriptChecks, true);
  assert.throws(
    () => buildConfig({ ports: { sidecar_min_port: 30, sidecar_max_port: 20 } }, true),
    /sidecar_min_port/,
  );
});

test('config - telemetry prometheus_retention_time and disable_hostname as Consul; other telemetry keys warn', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'telemetry.hcl');
  writeFileSync(
    file,
    'telemetry { prometheus_retention_time = "90s" disable_hostname = true statsd_address = "127.0.0.1:8125" }\n',
  );
  const { config, warnings } = loadAgentConfig(['-dev', '-config-file', file]);
  assert.deepEqual(config.telemetry, { prometheusRetentionMs: 90_000, disableHostname: true });
  assert.ok(
    warnings.some((w) => w.includes('"telemetry.statsd_address"')),
    warnings.join('\n'),
  );
  assert.ok(!warnings.some((w) => w.includes('prometheus_retention_time') || w.includes('disable_hostname')));

  const { config: dflt } = loadAgentConfig(['-dev']);
  assert.deepEqual(dflt.telemetry, { prometheusRetentionMs: 0, disableHostname: false });

  writeFileSync(file, 'telemetry { prometheus_retention_time = "soon" }\n');
  assert.throws(() => loadAgentConfig(['-dev', '-config-file', file]), {
    name: 'ConfigError',
    message: /telemetry\.prometheus_retention_time: invalid duration "soon"/,
  });
  writeFileSync(file, 'telemetry { prometheus_retention_time = "0s" }\n');
  assert.equal(loadAgentConfig(['-dev', '-config-file', file]).config.telemetry.prometheusRetentionMs, 0);
});

test('config - peering keepalive and reconnect keys: defaults, values, and bad values named', (t) => {
  const dir = tmp(t);
  const d = loadAgentConfig(['-dev']).config;
  assert.deepEqual(
    [d.peeringKeepaliveIntervalMs, d.peeringKeepaliveTimeoutMs, d.peeringMaxBackoffMs],
    [15_000, 5_000, 2_000],
  );
  const f = join(dir, 'peering.hcl');
  writeFileSync(
    f,
    'peering { keepalive_interval = "2s"\nkeepalive_timeout = "1s"\nmax_reconnect_backoff = "1s" }',
  );
  const c = loadAgentConfig(['-dev', '-config-file', f]).config;
  assert.deepEqual(
    [c.peeringKeepaliveIntervalMs, c.peeringKeepaliveTimeoutMs, c.peeringMaxBackoffMs],
    [2000, 1000, 1000],
  );
  for (const [body, re] of [
    ['peering { keepalive_interval = "100ms" }', /peering.keepalive_interval: must be at least 1s/],
    ['peering { keepalive_timeout = "soon" }', /peering.keepalive_timeout: invalid duration/],
    ['peering { keepalive_interval = "0s" }', /peering.keepalive_interval: invalid duration/],
  ] as const) {
    writeFileSync(f, body);
    assert.throws(
      () => loadAgentConfig(['-dev', '-config-file', f]),
      (err: unknown) => err instanceof ConfigError && re.test(err.message),
      body,
    );
  }
});

test('config - peering send-path bounds: defaults match the stream defaults, values load, bad ones are refused', (t) => {
  const dir = tmp(t);
  const d = loadAgentConfig(['-dev']).config;
  assert.equal(d.peeringAckTimeoutMs, DEFAULT_STREAM_LIMITS.ackTimeoutMs);
  assert.equal(d.peeringMaxUnackedResponses, DEFAULT_STREAM_LIMITS.maxUnackedResponses);
  assert.equal(d.peeringChunkAssemblyMaxBytes, DEFAULT_STREAM_LIMITS.chunkAssemblyMaxBytes);
  assert.equal(d.peeringChunkAssemblyMaxServices, DEFAULT_STREAM_LIMITS.chunkAssemblyMaxServices);
  assert.equal(d.peeringChunkAssemblyTimeoutMs, DEFAULT_STREAM_LIMITS.chunkAssemblyTimeoutMs);
  assert.equal(d.peeringImportMaxServices, DEFAULT_STREAM_LIMITS.importMaxServices);
  assert.equal(d.peeringImportMaxInstances, DEFAULT_STREAM_LIMITS.importMaxInstances);
  const f = join(dir, 'peering.hcl');
  writeFileSync(
    f,
    'peering { ack_timeout = "45s" max_unacked_responses = 32 chunk_assembly_max_bytes = 1048576 chunk_assembly_max_services = 2 import_max_services = 50 import_max_instances = 500 }',
  );
  const { config, warnings } = loadAgentConfig(['-dev', '-config-file', f]);
  assert.equal(config.peeringAckTimeoutMs, 45_000);
  assert.equal(config.peeringMaxUnackedResponses, 32);
  assert.equal(config.peeringChunkAssemblyMaxBytes, 1_048_576);
  assert.equal(config.peeringChunkAssemblyMaxServices, 2);
  assert.equal(config.peeringChunkAssemblyTimeoutMs, 45_000, 'defaults to the ACK timeout');
  assert.equal(config.peeringImportMaxServices, 50);
  assert.equal(config.peeringImportMaxInstances, 500);
  writeFileSync(f, 'peering { ack_timeout = "45s" chunk_assembly_timeout = "30s" }');
  assert.equal(loadAgentConfig(['-dev', '-config-file', f]).config.peeringChunkAssemblyTimeoutMs, 30_000);
  assert.deepEqual(
    warnings.filter((w) => w.includes('peering')),
    [],
    'the keys are known, not warned about',
  );
  for (const [body, re] of [
    ['peering { ack_timeout = "soon" }', /peering.ack_timeout: invalid duration/],
    ['peering { max_unacked_responses = 0 }', /peering.max_unacked_responses: must be at least 1/],
    ['peering { chunk_assembly_timeout = "0s" }', /peering.chunk_assembly_timeout: invalid duration/],
    ['peering { chunk_assembly_max_bytes = 1.5 }', /peering.chunk_assembly_max_bytes: expected an integer/],
    [
      'peering { chunk_assembly_max_services = -1 }',
      /peering.chunk_assembly_max_services: must be at least 1/,
    ],
    ['peering { import_max_services = 0 }', /peering.import_max_services: must be at least 1, got 0/],
    ['peering { import_max_instances = -5 }', /peering.import_max_instances: must be at least 1, got -5/],
    ['peering { import_max_instances = 2.5 }', /peering.import_max_instances: expected an integer, got 2.5/],
    [
      'peering { import_max_services = "lots" }',
      /peering.import_max_services: expected an integer, got "lots"/,
    ],
  ] as const) {
    writeFileSync(f, body);
    assert.throws(
      () => loadAgentConfig(['-dev', '-config-file', f]),
      (err: unknown) => err instanceof ConfigError && re.test(err.message),
      body,
    );
  }
});
