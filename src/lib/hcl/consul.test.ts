import assert from 'node:assert/strict';
import { test } from 'node:test';

import { CONSUL_LIST_KEYS, parseHcl, parseHclRaw, parseJsonOrHcl } from './index.js';

const AGENT_CONFIG = `
# Consul server agent, as in the Consul docs.
datacenter = "dc1"
data_dir   = "/opt/consul"
node_name  = "server-1"
server     = true
bootstrap_expect = 3
log_level  = "INFO"
bind_addr  = "0.0.0.0"
client_addr = "127.0.0.1"
retry_join = ["10.0.0.2", "10.0.0.3",]
encrypt    = "pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s="

ports {
  http     = 8500
  https    = -1
  grpc     = 8502
  grpc_tls = 8503
}

acl {
  enabled        = true
  default_policy = "deny"
  enable_token_persistence = true
  tokens {
    initial_management = "b1gs33cr3t"
    agent              = "e95b599e-166e-7d80-08ad-aee76e7ddf19"
  }
}

connect {
  enabled = true
  ca_config {
    leaf_cert_ttl = "72h"
  }
}

peering { enabled = true }

ui_config {
  enabled = true
  metrics_proxy {
    base_url = "http://prometheus:9090"
    add_headers {
      name  = "Authorization"
      value = "Bearer secret"
    }
  }
}

node_meta {
  rack = "r1"
}

telemetry {
  prometheus_retention_time = "60s"
  disable_hostname = true
}

limits {
  http_max_conns_per_client = 200
}
`;

test('hcl - realistic Consul agent config', () => {
  assert.deepEqual(parseHcl(AGENT_CONFIG, { filename: 'server.hcl' }), {
    datacenter: 'dc1',
    data_dir: '/opt/consul',
    node_name: 'server-1',
    server: true,
    bootstrap_expect: 3,
    log_level: 'INFO',
    bind_addr: '0.0.0.0',
    client_addr: '127.0.0.1',
    retry_join: ['10.0.0.2', '10.0.0.3'],
    encrypt: 'pUqJrVyVRj5jsiYEkM/tFQYfWyJIv4s3XkvDwy7Cu5s=',
    ports: { http: 8500, https: -1, grpc: 8502, grpc_tls: 8503 },
    acl: {
      enabled: true,
      default_policy: 'deny',
      enable_token_persistence: true,
      tokens: { initial_management: 'b1gs33cr3t', agent: 'e95b599e-166e-7d80-08ad-aee76e7ddf19' },
    },
    connect: { enabled: true, ca_config: { leaf_cert_ttl: '72h' } },
    peering: { enabled: true },
    ui_config: {
      enabled: true,
      metrics_proxy: {
        base_url: 'http://prometheus:9090',
        add_headers: [{ name: 'Authorization', value: 'Bearer secret' }],
      },
    },
    node_meta: { rack: 'r1' },
    telemetry: { prometheus_retention_time: '60s', disable_hostname: true },
    limits: { http_max_conns_per_client: 200 },
  });
});

test('hcl - agent config in raw mode matches hcl.Decode (blocks are lists)', () => {
  const raw = parseHclRaw(AGENT_CONFIG);
  assert.deepEqual(raw['ports'], [{ http: 8500, https: -1, grpc: 8502, grpc_tls: 8503 }]);
  assert.deepEqual(raw['peering'], [{ enabled: true }]);
  assert.deepEqual(raw['acl'], [
    {
      enabled: true,
      default_policy: 'deny',
      enable_token_persistence: true,
      tokens: [{ initial_management: 'b1gs33cr3t', agent: 'e95b599e-166e-7d80-08ad-aee76e7ddf19' }],
    },
  ]);
});

const SERVICE_DEFINITION = `
service {
  name = "web"
  id   = "web-1"
  port = 8080
  tags = ["v1", "primary"]
  meta {
    version = "1.2.3"
  }
  check {
    id       = "web-alive"
    tcp      = "localhost:8080"
    interval = "10s"
  }
  checks {
    id       = "web-http"
    http     = "http://localhost:8080/health"
    method   = "GET"
    interval = "10s"
    timeout  = "1s"
    header {
      Authorization = ["Bearer x"]
    }
  }
  connect {
    sidecar_service {
      port = 21000
      checks {
        name = "sidecar-alive"
        alias_service = "web-1"
      }
      proxy {
        upstreams {
          destination_name = "db"
          local_bind_port  = 9191
        }
      }
    }
  }
}
`;

test('hcl - service definition with checks (single blocks under list keys stay arrays)', () => {
  assert.deepEqual(parseHcl(SERVICE_DEFINITION, { filename: 'web.hcl' }), {
    service: {
      name: 'web',
      id: 'web-1',
      port: 8080,
      tags: ['v1', 'primary'],
      meta: { version: '1.2.3' },
      check: { id: 'web-alive', tcp: 'localhost:8080', interval: '10s' },
      checks: [
        {
          id: 'web-http',
          http: 'http://localhost:8080/health',
          method: 'GET',
          interval: '10s',
          timeout: '1s',
          header: { Authorization: ['Bearer x'] },
        },
      ],
      connect: {
        sidecar_service: {
          port: 21000,
          checks: [{ name: 'sidecar-alive', alias_service: 'web-1' }],
          proxy: { upstreams: [{ destination_name: 'db', local_bind_port: 9191 }] },
        },
      },
    },
  });
});

test('hcl - several services in one file: repeated blocks and the services list', () => {
  const text = `
services {
  name = "a"
  checks = [{ ttl = "30s" }, { ttl = "60s" }]
}
services {
  name = "b"
}
service { name = "c" }
service { name = "d" }
checks { id = "node-check" ttl = "5s" }
`;
  assert.deepEqual(parseHcl(text), {
    services: [{ name: 'a', checks: [{ ttl: '30s' }, { ttl: '60s' }] }, { name: 'b' }],
    service: [{ name: 'c' }, { name: 'd' }],
    checks: [{ id: 'node-check', ttl: '5s' }],
  });
});

test('hcl - exported-services config entry with Services and Consumers', () => {
  const text = `
Kind = "exported-services"
Name = "default"
Services = [
  {
    Name = "web"
    Consumers = [
      { Peer = "cluster-02" },
      { Peer = "cluster-03" },
    ]
  },
]
`;
  const expected = {
    Kind: 'exported-services',
    Name: 'default',
    Services: [{ Name: 'web', Consumers: [{ Peer: 'cluster-02' }, { Peer: 'cluster-03' }] }],
  };
  assert.deepEqual(parseHcl(text), expected);
  // The block form of the same entry gives the same value thanks to the default list keys.
  const blocks = `
Kind = "exported-services"
Name = "default"
Services {
  Name = "web"
  Consumers { Peer = "cluster-02" }
  Consumers { Peer = "cluster-03" }
}
`;
  assert.deepEqual(parseHcl(blocks), expected);
  const single = parseHcl(
    'Kind = "exported-services"\nName = "default"\nServices {\n  Name = "api"\n  Consumers { Peer = "p" }\n}',
  );
  assert.deepEqual(single['Services'], [{ Name: 'api', Consumers: [{ Peer: 'p' }] }]);
});

test('hcl - service-intentions config entry with Sources and Permissions', () => {
  const text = `
Kind = "service-intentions"
Name = "db"
Sources {
  Name   = "web"
  Peer   = "cluster-02"
  Action = "allow"
}
Sources {
  Name = "admin"
  Permissions {
    Action = "allow"
    HTTP {
      PathPrefix = "/admin"
      Methods    = ["GET", "POST"]
      Header {
        Name    = "x-debug"
        Present = true
      }
    }
  }
}
Sources {
  Name   = "*"
  Action = "deny"
}
Meta {
  owner = "team-db"
}
`;
  assert.deepEqual(parseJsonOrHcl(text, 'db-intentions.hcl'), {
    Kind: 'service-intentions',
    Name: 'db',
    Sources: [
      { Name: 'web', Peer: 'cluster-02', Action: 'allow' },
      {
        Name: 'admin',
        Permissions: [
          {
            Action: 'allow',
            HTTP: {
              PathPrefix: '/admin',
              Methods: ['GET', 'POST'],
              Header: [{ Name: 'x-debug', Present: true }],
            },
          },
        ],
      },
      { Name: '*', Action: 'deny' },
    ],
    Meta: { owner: 'team-db' },
  });
});

test('hcl - service-intentions with a single Sources block is still a list', () => {
  const parsed = parseHcl(
    'Kind = "service-intentions"\nName = "db"\nsources { name = "web" action = "allow" }',
  );
  assert.deepEqual(parsed['sources'], [{ name: 'web', action: 'allow' }]);
});

test('hcl - service-resolver maps (Subsets, Failover) stay objects', () => {
  const text = `
Kind          = "service-resolver"
Name          = "web"
DefaultSubset = "v1"
Subsets = {
  v1 = { Filter = "Service.Meta.version == v1" }
  v2 { Filter = "Service.Meta.version == v2" }
}
Failover = {
  "*" = { Targets = [{ Peer = "cluster-02" }] }
}
`;
  assert.deepEqual(parseHcl(text), {
    Kind: 'service-resolver',
    Name: 'web',
    DefaultSubset: 'v1',
    Subsets: { v1: { Filter: 'Service.Meta.version == v1' }, v2: { Filter: 'Service.Meta.version == v2' } },
    Failover: { '*': { Targets: [{ Peer: 'cluster-02' }] } },
  });
});

test('hcl - config entries bootstrapped from agent config keep their list keys', () => {
  const text = `
config_entries {
  bootstrap {
    Kind = "proxy-defaults"
    Name = "global"
    Config { protocol = "http" }
  }
  bootstrap {
    Kind = "service-intentions"
    Name = "db"
    Sources { Name = "web" Action = "allow" }
  }
}
`;
  assert.deepEqual(parseHcl(text), {
    config_entries: {
      bootstrap: [
        { Kind: 'proxy-defaults', Name: 'global', Config: { protocol: 'http' } },
        { Kind: 'service-intentions', Name: 'db', Sources: [{ Name: 'web', Action: 'allow' }] },
      ],
    },
  });
});

test('hcl - CONSUL_LIST_KEYS covers the documented Consul paths', () => {
  for (const key of [
    'services',
    'service.checks',
    'Sources',
    'Services.Consumers',
    'config_entries.bootstrap',
  ]) {
    assert.ok(CONSUL_LIST_KEYS.has(key), key);
  }
});

test('hcl - a service definition with a heredoc and interpolation-like text', () => {
  const text = `
service {
  name = "tls-app"
  meta {
    note = "uses \${node.name} templating"
  }
  check {
    args = ["/bin/sh", "-c", <<-SCRIPT
      curl -sf http://localhost:8080/health
      SCRIPT
    ]
    interval = "30s"
  }
}
`;
  assert.deepEqual(parseHcl(text), {
    service: {
      name: 'tls-app',
      meta: { note: 'uses ${node.name} templating' },
      check: { args: ['/bin/sh', '-c', 'curl -sf http://localhost:8080/health\n'], interval: '30s' },
    },
  });
});
