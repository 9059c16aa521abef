import type { TestContext } from 'node:test';

import type { AgentCheckDefinition } from '../../../http/agent-local.js';
import { silentLogger } from '../../../logging/index.js';
import { StateStore, type CheckInput, type Command, type ServiceInput } from '../../../state/index.js';
import type { HealthCheck, HealthCheckDefinition } from '../../../types/index.js';
import { LocalAgent, type LocalAgentOptions } from '../local-agent.js';

export const NODE = 'node-1';

/** A real store with a `write` that applies directly and counts commands, as the agent's log would. */
export class TestCatalog {
  readonly store = new StateStore();
  readonly commands: Command[] = [];
  #index = 0;

  constructor() {
    this.store.apply(++this.#index, {
      Type: 'register',
      Node: { ID: '', Node: NODE, Address: '127.0.0.1', Datacenter: 'dc1', TaggedAddresses: {}, Meta: {} },
      SkipNodeUpdate: false,
      Service: null,
      Checks: [],
    });
  }

  readonly write = (cmd: Command): Promise<{ index: number; result: ReturnType<StateStore['apply']> }> => {
    this.commands.push(cmd);
    const index = ++this.#index;
    return Promise.resolve({ index, result: this.store.apply(index, cmd) });
  };

  check(id: string): HealthCheck | undefined {
    return this.store.check(NODE, id);
  }

  serviceIDs(): string[] {
    return (this.store.nodeServices(undefined, '', NODE).value?.services ?? []).map((s) => s.ID);
  }

  /** check-update commands written for a check. */
  updates(id: string): number {
    return this.commands.filter((c) => c.Type === 'check-update' && c.CheckID === id).length;
  }
}

/** A LocalAgent over `cat`, closed when the test ends. Fast defaults: no stagger, no interval floor. */
export function newAgent(
  t: TestContext,
  cat: TestCatalog,
  opts: Partial<LocalAgentOptions> = {},
): LocalAgent {
  const agent = new LocalAgent({
    store: cat.store,
    write: cat.write,
    nodeName: NODE,
    logger: silentLogger(),
    minIntervalMs: 0,
    maxInitialStaggerMs: 0,
    ...opts,
  });
  t.after(() => agent.close());
  return agent;
}

export function service(id: string, name = id): ServiceInput {
  return {
    Kind: '',
    ID: id,
    Service: name,
    Tags: [],
    Address: '',
    Meta: {},
    Port: 8080,
    Weights: { Passing: 1, Warning: 1 },
    EnableTagOverride: false,
  };
}

/** A check definition as the HTTP layer decodes it. */
export function checkDef(
  id: string,
  serviceID: string,
  def: HealthCheckDefinition,
  ms: Partial<Omit<AgentCheckDefinition, 'check'>> = {},
  extra: Partial<CheckInput> = {},
): AgentCheckDefinition {
  const type = def.TTL ? 'ttl' : def.HTTP ? 'http' : def.TCP ? 'tcp' : '';
  return {
    check: {
      Node: NODE,
      CheckID: id,
      Name: `check ${id}`,
      Status: 'critical',
      Notes: '',
      Output: '',
      ServiceID: serviceID,
      ServiceName: '',
      ServiceTags: [],
      Type: type,
      Interval: def.Interval ?? '',
      Timeout: def.Timeout ?? '',
      ExposedPort: 0,
      Definition: def,
      ...extra,
    },
    ttlMs: 0,
    intervalMs: 0,
    timeoutMs: 0,
    deregisterCriticalAfterMs: 0,
    ...ms,
  };
}

/** Polls `fn` until it returns true, failing after `timeoutMs` (never a fixed sleep). */
export async function waitFor(fn: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((resolve) => {
      setTimeout(resolve, 10);
    });
  }
}
