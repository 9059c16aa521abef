import { test } from 'node:test';
import assert from 'node:assert/strict';

import type { ServiceInput } from '../../state/index.js';
import type { ConnectProxyConfig } from '../../types/index.js';
import {
  centralConfigName,
  mergeServiceConfig,
  resolveServiceConfig,
  type CentralEntry,
} from './central-config.js';
import { newAgent, NODE, service, TestCatalog } from './testing/harness.js';

function proxy(p: ConnectProxyConfig = {}): ServiceInput {
  return {
    ...service('web1-sidecar-proxy', 'web-sidecar-proxy'),
    Kind: 'connect-proxy',
    Port: 21000,
    Proxy: { DestinationServiceName: 'web', DestinationServiceID: 'web1', ...p },
  };
}

const merge = (pd: CentralEntry | undefined, sd: CentralEntry | undefined, svc: ServiceInput) =>
  mergeServiceConfig(resolveServiceConfig(pd, sd), svc).Proxy;

const PD: CentralEntry = {
  Kind: 'proxy-defaults',
  Name: 'global',
  Config: { protocol: 'http', connect_timeout_ms: 5000 },
  Mode: 'direct',
  MeshGateway: { Mode: 'local' },
  TransparentProxy: { OutboundListenerPort: 15001, DialedDirectly: false },
};
const SD: CentralEntry = {
  Kind: 'service-defaults',
  Name: 'web',
  Protocol: 'grpc',
  Mode: 'transparent',
  MeshGateway: { Mode: 'remote' },
  TransparentProxy: { OutboundListenerPort: 0, DialedDirectly: true },
  MaxInboundConnections: 10,
  LocalConnectTimeoutMs: 2000,
  LocalRequestTimeoutMs: 0,
  BalanceInboundConnections: 'exact_balance',
};

// Each row: the proxy-defaults / service-defaults present, the registration's own values, what is stored.
const TABLE: {
  name: string;
  pd?: CentralEntry;
  sd?: CentralEntry;
  reg: ConnectProxyConfig;
  want: Partial<ConnectProxyConfig>;
}[] = [
  {
    name: 'nothing central: the registration as given',
    reg: { Config: { foo: 1 } },
    want: { Config: { foo: 1 } },
  },
  {
    name: 'proxy-defaults only fill the proxy',
    pd: PD,
    reg: {},
    want: {
      Config: { protocol: 'http', connect_timeout_ms: 5000 },
      Mode: 'direct',
      MeshGateway: { Mode: 'local' },
      TransparentProxy: { OutboundListenerPort: 15001 },
    },
  },
  {
    name: 'service-defaults win over proxy-defaults, keys beside proxy-defaults config kept',
    pd: PD,
    sd: SD,
    reg: {},
    want: {
      Config: {
        protocol: 'grpc',
        connect_timeout_ms: 5000,
        max_inbound_connections: 10,
        local_connect_timeout_ms: 2000,
        balance_inbound_connections: 'exact_balance',
      },
      Mode: 'transparent',
      MeshGateway: { Mode: 'remote' },
      TransparentProxy: { OutboundListenerPort: 15001, DialedDirectly: true },
    },
  },
  {
    name: 'the registration wins over both',
    pd: PD,
    sd: SD,
    reg: {
      Config: { protocol: 'tcp' },
      Mode: 'direct',
      MeshGateway: { Mode: 'none' },
      TransparentProxy: { OutboundListenerPort: 16001 },
    },
    want: {
      Config: {
        protocol: 'tcp',
        connect_timeout_ms: 5000,
        max_inbound_connections: 10,
        local_connect_timeout_ms: 2000,
        balance_inbound_connections: 'exact_balance',
      },
      Mode: 'direct',
      MeshGateway: { Mode: 'none' },
      TransparentProxy: { OutboundListenerPort: 16001, DialedDirectly: true },
    },
  },
  {
    name: 'a zero value in the registration counts as unset (mergo)',
    pd: PD,
    reg: { Config: { protocol: '' }, Mode: '', MeshGateway: { Mode: '' } },
    want: {
      Config: { protocol: 'http', connect_timeout_ms: 5000 },
      Mode: 'direct',
      MeshGateway: { Mode: 'local' },
      TransparentProxy: { OutboundListenerPort: 15001 },
    },
  },
  {
    name: 'service-defaults alone: Protocol becomes Config.protocol',
    sd: { Kind: 'service-defaults', Name: 'web', Protocol: 'http2' },
    reg: {},
    want: { Config: { protocol: 'http2' } },
  },
];

for (const row of TABLE) {
  test(`central-config - ${row.name}`, () => {
    const got = merge(row.pd, row.sd, proxy(row.reg));
    const expected = { DestinationServiceName: 'web', DestinationServiceID: 'web1', ...row.want };
    assert.deepEqual(got, expected);
  });
}

test('central-config - the registration passed in is not changed', () => {
  const reg = proxy({ Config: { a: 1 } });
  const before = structuredClone(reg);
  merge(PD, SD, reg);
  assert.deepEqual(reg, before);
});

test('central-config - a sidecar takes its destination service-defaults, a gateway its own', () => {
  assert.equal(centralConfigName(proxy()), 'web');
  assert.equal(centralConfigName({ ...service('gw'), Kind: 'mesh-gateway' }), 'gw');
});

// ---------------------------------------------------------------- through the local agent

function setEntry(cat: TestCatalog, entry: Record<string, unknown>): Promise<unknown> {
  return cat.write({ Type: 'config-set', Entry: entry, Cas: null });
}

function storedProxy(cat: TestCatalog, id: string): ConnectProxyConfig | undefined {
  return cat.store.nodeServices(undefined, '', NODE).value?.services.find((s) => s.ID === id)?.Proxy;
}

async function until(cond: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setImmediate(r));
  }
}

test('central-config - a proxy registered on the agent is stored merged; typical services are not touched', async (t) => {
  const cat = new TestCatalog();
  await setEntry(cat, { ...PD });
  const agent = newAgent(t, cat);
  await agent.registerService(service('web1', 'web'), [], false);
  await agent.registerService(proxy(), [], false);
  assert.equal(storedProxy(cat, 'web1'), undefined);
  const p = storedProxy(cat, 'web1-sidecar-proxy');
  assert.equal(p?.Config?.['protocol'], 'http');
  assert.equal(p.MeshGateway?.Mode, 'local');
});

test('central-config - entry writes and deletes re-merge local proxies from the original registration', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  await agent.registerService(proxy({ Config: { keep: true } }), [], false);
  assert.deepEqual(storedProxy(cat, 'web1-sidecar-proxy')?.Config, { keep: true });

  await setEntry(cat, { ...PD });
  await until(() => storedProxy(cat, 'web1-sidecar-proxy')?.MeshGateway?.Mode === 'local');
  assert.equal(storedProxy(cat, 'web1-sidecar-proxy')?.Config?.['protocol'], 'http');

  await setEntry(cat, { Kind: 'service-defaults', Name: 'web', Protocol: 'grpc' });
  await until(() => storedProxy(cat, 'web1-sidecar-proxy')?.Config?.['protocol'] === 'grpc');

  await cat.write({ Type: 'config-delete', Kind: 'service-defaults', Name: 'web', Cas: null });
  await until(() => storedProxy(cat, 'web1-sidecar-proxy')?.Config?.['protocol'] === 'http');

  await cat.write({ Type: 'config-delete', Kind: 'proxy-defaults', Name: 'global', Cas: null });
  await until(() => storedProxy(cat, 'web1-sidecar-proxy')?.MeshGateway?.Mode !== 'local');
  const p = storedProxy(cat, 'web1-sidecar-proxy');
  assert.deepEqual(p?.Config, { keep: true });
  assert.equal(p.MeshGateway?.Mode ?? '', '');
});

test('central-config - a deregistered proxy is not written back by a later entry change', async (t) => {
  const cat = new TestCatalog();
  const agent = newAgent(t, cat);
  await agent.registerService(proxy(), [], false);
  await agent.deregisterService('web1-sidecar-proxy');
  const before = cat.commands.length;
  await setEntry(cat, { ...PD });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(cat.serviceIDs(), []);
  assert.equal(cat.commands.length, before + 1, 'only the config write itself');
});

test('central-config - a new agent over the same state (a restart) merges again from the kept registration', async (t) => {
  const cat = new TestCatalog();
  const before = newAgent(t, cat);
  await before.registerService(proxy({ Config: { keep: true } }), [], false);
  await setEntry(cat, { Kind: 'service-defaults', Name: 'web', Protocol: 'grpc' });
  await until(() => storedProxy(cat, 'web1-sidecar-proxy')?.Config?.['protocol'] === 'grpc');
  await before.close();

  const after = newAgent(t, cat);
  await after.start();
  await cat.write({ Type: 'config-delete', Kind: 'service-defaults', Name: 'web', Cas: null });
  await until(() => storedProxy(cat, 'web1-sidecar-proxy')?.Config?.['protocol'] === undefined);
  assert.deepEqual(storedProxy(cat, 'web1-sidecar-proxy')?.Config, { keep: true });

  await after.deregisterService('web1-sidecar-proxy');
  assert.deepEqual(cat.store.tables.serviceOriginals.ofLocalNode(NODE), [], 'the kept registration goes too');
});

/** The agent's writes, held back (appended, not applied) while `hold` is on, then applied in order. */
class HeldWrites {
  readonly #cat: TestCatalog;
  #held: (() => void)[] | undefined;
  constructor(cat: TestCatalog) {
    this.#cat = cat;
  }
  readonly write: TestCatalog['write'] = (cmd) => {
    const held = this.#held;
    if (!held) return this.#cat.write(cmd);
    return new Promise((resolve) => held.push(() => resolve(this.#cat.write(cmd))));
  };
  hold(): void {
    this.#held = [];
  }
  get pending(): number {
    return this.#held?.length ?? 0;
  }
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const apply of held) apply();
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

test('central-config - a re-merge never writes back a registration older than one in flight', async (t) => {
  const cat = new TestCatalog();
  const writes = new HeldWrites(cat);
  const agent = newAgent(t, cat, { write: writes.write });
  await agent.registerService(proxy({ Config: { v: 1 } }), [], false);

  writes.hold();
  const newer = agent.registerService(proxy({ Config: { v: 2 } }), [], false);
  await until(() => writes.pending === 1);
  // A config write applied while the registration is in the log but not yet applied.
  await setEntry(cat, { Kind: 'service-defaults', Name: 'web', Protocol: 'grpc' });
  await settle();
  writes.release();
  await newer;
  await until(() => storedProxy(cat, 'web1-sidecar-proxy')?.Config?.['protocol'] === 'grpc');
  await settle();
  assert.deepEqual(storedProxy(cat, 'web1-sidecar-proxy')?.Config, { v: 2, protocol: 'grpc' });
});

test('central-config - a re-merge never brings back a proxy whose deregistration is in flight', async (t) => {
  const cat = new TestCatalog();
  const writes = new HeldWrites(cat);
  const agent = newAgent(t, cat, { write: writes.write });
  await agent.registerService(proxy(), [], false);

  writes.hold();
  const gone = agent.deregisterService('web1-sidecar-proxy');
  await until(() => writes.pending === 1);
  await setEntry(cat, { Kind: 'service-defaults', Name: 'web', Protocol: 'grpc' });
  await settle();
  writes.release();
  await gone;
  await settle();
  assert.deepEqual(cat.serviceIDs(), []);
});
