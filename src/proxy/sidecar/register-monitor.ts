/**
 * `-register`: keeps a `connect-proxy` registration for a flag-configured proxy on the local agent, as Consul's
 * `RegisterMonitor` does: service `<svc>-proxy` (ID `<svc>-proxy[-<suffix>]`) at the `-listen` address, a TTL check
 * `<id>-ttl` ("proxy heartbeat", 30 s) passed every 10 s, the registration re-checked every 30 s (re-registered if
 * missing or moved), and deregistered on close (3 tries).
 */
import type { ApiClient } from '../../api/index.js';
import type { Logger } from '../../logging/index.js';

export const REGISTER_RECONCILE_MS = 30_000;
export const REGISTER_TTL_MS = 30_000;

export interface RegisterMonitorOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly service: string;
  readonly idSuffix: string;
  readonly address: string;
  readonly port: number;
}

export class RegisterMonitor {
  readonly #o: RegisterMonitorOptions;
  readonly #timers: NodeJS.Timeout[] = [];
  #stopped = false;

  constructor(opts: RegisterMonitorOptions) {
    this.#o = opts;
  }

  get serviceId(): string {
    const id = `${this.#o.service}-proxy`;
    return this.#o.idSuffix === '' ? id : `${id}-${this.#o.idSuffix}`;
  }

  get checkId(): string {
    return `${this.serviceId}-ttl`;
  }

  /** Registers now, then keeps the registration and its TTL check alive until {@link close}. */
  async start(): Promise<void> {
    await this.#register();
    this.#timers.push(
      setInterval(() => void this.#register(), REGISTER_RECONCILE_MS),
      setInterval(() => void this.#heartbeat(), REGISTER_TTL_MS / 3),
    );
    for (const t of this.#timers) t.unref();
  }

  async close(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    for (let i = 0; i < 3; i++) {
      try {
        await this.#o.client.agent.serviceDeregister(this.serviceId);
        return;
      } catch (err) {
        this.#o.logger.warn(
          { error: err instanceof Error ? err.message : String(err) },
          'service deregister failed',
        );
      }
    }
  }

  async #register(): Promise<void> {
    const { client, logger, service, address, port } = this.#o;
    try {
      const all = await client.agent.services();
      const cur = all[this.serviceId];
      if (cur !== undefined && cur.Address === address && cur.Port === port) return;
      await client.agent.serviceRegister({
        Kind: 'connect-proxy',
        ID: this.serviceId,
        Name: `${service}-proxy`,
        Address: address,
        Port: port,
        Proxy: { DestinationServiceName: service },
        Check: {
          CheckID: this.checkId,
          Name: 'proxy heartbeat',
          TTL: `${REGISTER_TTL_MS / 1000}s`,
          Notes: 'Built-in proxy will heartbeat this check.',
          Status: 'passing',
        },
      });
      logger.info({ service: this.serviceId }, 'registered service');
    } catch (err) {
      logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'failed to register service');
    }
  }

  async #heartbeat(): Promise<void> {
    try {
      await this.#o.client.agent.passTTL(this.checkId);
    } catch (err) {
      this.#o.logger.warn({ error: err instanceof Error ? err.message : String(err) }, 'heartbeat failed');
    }
  }
}
