import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAgentConfig } from './load.js';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'entente-svcdef-'));
  t.after(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

const HCL = `
service {
  name = "web"
  id = "web-1"
  port = 8080
  tags = ["v1"]
  meta = { some_key = "x" }
  enable_tag_override = true
  tagged_addresses { lan_ipv4 { address = "10.0.0.1" port = 80 } }
  check { http = "http://127.0.0.1:8080/health" interval = "10s" deregister_critical_service_after = "1m" }
  checks { tcp = "127.0.0.1:8080" interval = "5s" }
  connect {
    sidecar_service {
      port = 21000
      proxy {
        upstreams { destination_name = "db" local_bind_port = 9191 }
        config { envoy_prometheus_bind_addr = "0.0.0.0:9102" }
      }
    }
  }
}
check { id = "mem" name = "Memory" ttl = "30s" }
`;

test('config services - HCL service/check blocks become normalised definitions, without warnings', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'svc.hcl');
  writeFileSync(file, HCL);
  const { config, warnings } = loadAgentConfig(['-dev', '-config-file', file]);
  assert.deepEqual(warnings, []);
  assert.equal(config.services.length, 1);
  assert.deepEqual(config.services[0], {
    name: 'web',
    id: 'web-1',
    port: 8080,
    tags: ['v1'],
    // Free-form maps keep their keys as written.
    meta: { some_key: 'x' },
    enabletagoverride: true,
    taggedaddresses: { lan_ipv4: { address: '10.0.0.1', port: 80 } },
    check: { http: 'http://127.0.0.1:8080/health', interval: '10s', deregistercriticalserviceafter: '1m' },
    // A single `checks {}` block is a one-element list.
    checks: [{ tcp: '127.0.0.1:8080', interval: '5s' }],
    connect: {
      sidecarservice: {
        port: 21000,
        proxy: {
          upstreams: [{ destinationname: 'db', localbindport: 9191 }],
          config: { envoy_prometheus_bind_addr: '0.0.0.0:9102' },
        },
      },
    },
  });
  assert.deepEqual(config.checks, [{ id: 'mem', name: 'Memory', ttl: '30s' }]);
});

test('config services - JSON Go-cased and snake_case keys, definitions add up across files', (t) => {
  const dir = tmp(t);
  const a = join(dir, 'a.json');
  const b = join(dir, 'b.json');
  writeFileSync(
    a,
    JSON.stringify({
      services: [
        { Name: 'api', Port: 9000, EnableTagOverride: true, Connect: { SidecarService: {} } },
        { name: 'db', port: 5432, checks: [{ TCP: '127.0.0.1:5432', Interval: '10s' }] },
      ],
    }),
  );
  writeFileSync(
    b,
    JSON.stringify({ service: { name: 'cache', port: 6379 }, checks: [{ name: 'disk', ttl: '1m' }] }),
  );
  const { config, warnings } = loadAgentConfig(['-dev', '-config-file', a, '-config-file', b]);
  assert.deepEqual(warnings, []);
  assert.deepEqual(
    config.services.map((s) => (s as Record<string, unknown>)['name']),
    ['api', 'db', 'cache'],
  );
  assert.deepEqual(config.services[0], {
    name: 'api',
    port: 9000,
    enabletagoverride: true,
    connect: { sidecarservice: {} },
  });
  assert.deepEqual(config.checks, [{ name: 'disk', ttl: '1m' }]);
});

test('config services - keys the agent does not read are warned about by path; others are not', (t) => {
  const dir = tmp(t);
  const file = join(dir, 'svc.json');
  writeFileSync(
    file,
    JSON.stringify({
      services: [
        {
          name: 'web',
          token: 'secret-token',
          check: { http: 'http://x', interval: '1s', success_before_passing: 3 },
          connect: {
            sidecar_service: {
              bogus: 1,
              proxy: { upstreams: [{ destination_name: 'db', local_bind_port: 1, sidecar_thing: true }] },
            },
          },
        },
      ],
    }),
  );
  const { warnings } = loadAgentConfig(['-dev', '-config-file', file]);
  assert.deepEqual(warnings, [
    `${file}: config key "services[0].token" is not used by Entente and is ignored`,
    `${file}: config key "services[0].check.success_before_passing" is not used by Entente and is ignored`,
    `${file}: config key "services[0].connect.sidecar_service.bogus" is not used by Entente and is ignored`,
    `${file}: config key "services[0].connect.sidecar_service.proxy.upstreams[0].sidecar_thing" is not used by Entente and is ignored`,
  ]);
  assert.ok(!warnings.some((w) => w.includes('secret-token')), 'values are never echoed');
});
