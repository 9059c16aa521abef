/**
 * Entente's built-in sidecar proxy (`entente connect proxy -sidecar-for <id>` / `-proxy-id` / `-service`): an API
 * client of the local agent that follows, with blocking queries, its registration (`/v1/agent/service/:id?hash=`),
 * its leaf certificate, the CA roots, the trust bundles of the peers its service is exported to, each upstream's
 * healthy instances (and a peer upstream's bundle), and for `http` services the intentions; and runs the public
 * listener and one listener per upstream from them. Changes are applied without dropping established
 * connections: certificates and trust by swapping TLS contexts, catalog changes by re-picking endpoints for new
 * connections, intention changes by deciding new connections (and, for `http`, new requests) on the new set.
 *
 * Lifecycle: `start()` resolves once certificates are loaded and every listener is bound; `close()` stops the
 * watches and listeners and drops open connections (idempotent).
 */
import type { ApiClient, Intention } from '../../api/index.js';
import type { Logger } from '../../logging/index.js';
import type { VerifiedCaller } from './caller-identity.js';
import { proxyConfigFromRegistration, type ProxyConfig, type PublicListenerConfig } from './config.js';
import { ProxyCounters, type CounterValues } from './counters.js';
import { serviceSpiffeUri } from './identity.js';
import { L7Gateway } from './l7-gateway.js';
import { apiLocalGatewaySource, LocalGateways } from './local-gateways.js';
import type { IntentionRule } from './l7-permissions.js';
import { PublicListener } from './public-listener.js';
import { TlsMaterial } from './tls-material.js';
import { UpstreamListener } from './upstream-listener.js';
import { UpstreamRoute, WATCH_WAIT_MS } from './upstream-route.js';
import { watchLoop } from './watch-loop.js';

/** Where the proxy's configuration comes from. */
export type ProxySource =
  | { readonly kind: 'registration'; readonly proxyId: string }
  | { readonly kind: 'static'; readonly config: ProxyConfig };

export interface SidecarProxyOptions {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly source: ProxySource;
  /** How often the counters may be logged while they move (default 1 s). */
  readonly countersLogIntervalMs?: number;
}

interface UpstreamSlot {
  readonly listener: UpstreamListener;
  readonly abort: AbortController;
}

/** Entente has no ACL system, so the default intention behavior is Consul's with ACLs off: allow. */
const DEFAULT_ALLOW = true;

export class SidecarProxy {
  readonly counters: ProxyCounters;
  readonly material = new TlsMaterial();
  readonly #o: SidecarProxyOptions;
  readonly #logger: Logger;
  readonly #abort = new AbortController();
  readonly #upstreams = new Map<string, UpstreamSlot>();
  readonly #reported = new Set<string>();
  #config: ProxyConfig | undefined;
  #datacenter = '';
  #public: PublicListener | undefined;
  #l7: L7Gateway | undefined;
  #intentions: readonly IntentionRule[] | undefined;
  /** This cluster's mesh gateways, created for the first peer upstream in `local` mode. */
  #localGateways: LocalGateways | undefined;
  #applying: Promise<void> = Promise.resolve();
  #countersTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: SidecarProxyOptions) {
    this.#o = opts;
    this.#logger = opts.logger;
    this.counters = new ProxyCounters(() => {
      this.#scheduleCountersLog();
    });
  }

  /** The current configuration (after `start()`). */
  get config(): ProxyConfig | undefined {
    return this.#config;
  }

  /** Bound ports: the public listener's and each upstream's by `<address>:<configured port>`. */
  ports(): { public: number | undefined; upstreams: Record<string, number> } {
    const upstreams: Record<string, number> = {};
    for (const [k, s] of this.#upstreams) upstreams[k] = s.listener.port;
    return { public: this.#public?.port, upstreams };
  }

  snapshot(): CounterValues {
    return this.counters.snapshot();
  }

  async start(): Promise<void> {
    const { client } = this.#o;
    const self = await client.agent.self({ signal: this.#abort.signal });
    const cfg = self['Config'] as { Datacenter?: string } | undefined;
    this.#datacenter = cfg?.Datacenter ?? 'dc1';
    const first = await this.#initialConfig();
    this.#config = first;
    this.#startCertificateWatches(first.service, first.publicListener !== undefined);
    if (first.protocol === 'http') this.#startIntentionsWatch(first.service);
    await this.#ready();
    await this.#apply(first);
    if (this.#o.source.kind === 'registration') this.#watchRegistration(this.#o.source.proxyId);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort(new Error('proxy closed'));
    await this.#applying.catch(() => undefined);
    const closing: Promise<void>[] = [];
    for (const s of this.#upstreams.values()) {
      s.abort.abort();
      closing.push(s.listener.close(true));
    }
    this.#upstreams.clear();
    if (this.#public !== undefined) closing.push(this.#public.close(true));
    this.#l7?.close();
    await Promise.all(closing);
    if (this.#countersTimer !== undefined) clearTimeout(this.#countersTimer);
    this.#logCounters();
  }

  async #initialConfig(): Promise<ProxyConfig> {
    const src = this.#o.source;
    if (src.kind === 'static') return src.config;
    const { value } = await this.#o.client.agent.service(src.proxyId, '', { signal: this.#abort.signal });
    return proxyConfigFromRegistration(value, this.#datacenter);
  }

  #ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.material.ready) {
        resolve();
        return;
      }
      const signal = this.#abort.signal;
      const onAbort = (): void => {
        off();
        reject(signal.reason instanceof Error ? signal.reason : new Error('proxy closed'));
      };
      const off = this.material.onChange(() => {
        if (!this.material.ready) return;
        off();
        signal.removeEventListener('abort', onAbort);
        resolve();
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  #startCertificateWatches(service: string, inbound: boolean): void {
    const { client } = this.#o;
    const signal = this.#abort.signal;
    const logger = this.#logger;
    void watchLoop({
      name: 'leaf certificate',
      signal,
      logger,
      initial: 0,
      fetch: async (index, s) => {
        const r = await client.agent.connectCALeaf(service, { index, waitMs: WATCH_WAIT_MS, signal: s });
        return { value: r.value, cursor: r.meta.lastIndex };
      },
      onValue: (leaf) => {
        this.material.setLeaf(leaf);
        logger.info({ serial: leaf.SerialNumber, valid_before: leaf.ValidBefore }, 'leaf certificate loaded');
      },
    });
    void watchLoop({
      name: 'CA roots',
      signal,
      logger,
      initial: 0,
      fetch: async (index, s) => {
        const r = await client.agent.connectCARoots({ index, waitMs: WATCH_WAIT_MS, signal: s });
        return { value: r.value, cursor: r.meta.lastIndex };
      },
      onValue: (roots) => {
        this.material.setRoots(roots);
        logger.info({ roots: roots.Roots?.length ?? 0, active: roots.ActiveRootID }, 'CA roots loaded');
      },
    });
    if (inbound) this.#watchInboundBundles(service);
  }

  #watchInboundBundles(service: string): void {
    const { client } = this.#o;
    const stop = new AbortController();
    const signal = AbortSignal.any([this.#abort.signal, stop.signal]);
    void watchLoop({
      name: 'peer trust bundles',
      signal,
      logger: this.#logger,
      initial: 0,
      fetch: async (index, s) => {
        try {
          const r = await client.peerings.trustBundlesForService(service, {
            index,
            waitMs: WATCH_WAIT_MS,
            signal: s,
          });
          return { value: r.value, cursor: r.meta.lastIndex };
        } catch (err) {
          // Peering disabled on the agent: the inbound side trusts the local roots only.
          const status = (err as { statusCode?: number }).statusCode;
          if (status === undefined || status >= 500) throw err;
          this.#logger.info({ status }, 'peer trust bundles unavailable; trusting local roots only');
          stop.abort();
          return { value: [], cursor: -1 };
        }
      },
      onValue: (bundles) => {
        this.material.setInboundBundles(bundles);
        this.#logger.debug({ peers: bundles.map((b) => b.PeerName) }, 'peer trust bundles loaded');
      },
    });
  }

  #startIntentionsWatch(service: string): void {
    const { client } = this.#o;
    void watchLoop({
      name: 'intentions',
      signal: this.#abort.signal,
      logger: this.#logger,
      initial: 0,
      fetch: async (index, s) => {
        const r = await client.connect.intentionMatch('destination', [service], {
          index,
          waitMs: WATCH_WAIT_MS,
          signal: s,
        });
        return { value: r.value[service] ?? [], cursor: r.meta.lastIndex };
      },
      onValue: (list: Intention[]) => {
        this.#intentions = list as unknown as IntentionRule[];
        this.#logger.debug({ intentions: list.length }, 'intentions loaded');
      },
    });
  }

  #watchRegistration(proxyId: string): void {
    const { client } = this.#o;
    void watchLoop({
      name: 'registration',
      signal: this.#abort.signal,
      logger: this.#logger,
      initial: '',
      fetch: async (hash, s) => {
        const r = await client.agent.service(proxyId, hash, { waitMs: WATCH_WAIT_MS, signal: s });
        return { value: r.value, cursor: r.hash };
      },
      onValue: (svc) => {
        const next = proxyConfigFromRegistration(svc, this.#datacenter);
        if (next.service !== this.#config?.service) {
          this.#logger.error(
            { from: this.#config?.service, to: next.service },
            'the proxied service changed; restart the proxy to follow it',
          );
          return;
        }
        this.#config = next;
        void this.#apply(next);
      },
    });
  }

  /** Serialised reconcile of listeners with a configuration. */
  #apply(cfg: ProxyConfig): Promise<void> {
    this.#applying = this.#applying
      .then(() => this.#applyNow(cfg))
      .catch((err: unknown) => {
        this.#logger.error(
          { error: err instanceof Error ? err.message : String(err) },
          'applying configuration failed',
        );
      });
    return this.#applying;
  }

  async #applyNow(cfg: ProxyConfig): Promise<void> {
    if (this.#closed) return;
    for (const r of cfg.refused)
      this.#reportOnce(`refused:${r}`, () => {
        this.#logger.error({ upstream: r }, 'upstream not served');
      });
    for (const k of cfg.ignoredKeys)
      this.#reportOnce(`ignored:${k}`, () => {
        this.#logger.warn({ key: k }, 'config key not used by the built-in proxy');
      });
    await this.#applyPublic(cfg);
    await this.#applyUpstreams(cfg);
  }

  async #applyPublic(cfg: ProxyConfig): Promise<void> {
    const want = cfg.publicListener;
    const cur = this.#public;
    if (cur !== undefined && (want === undefined || !sameBind(cur.config, want))) {
      await cur.close();
      this.#public = undefined;
    }
    if (want === undefined) return;
    if (this.#public !== undefined) {
      this.#public.config = want;
      this.#public.protocol = cfg.protocol;
      return;
    }
    if (cfg.protocol === 'http' && this.#intentions === undefined)
      this.#startIntentionsWatchOnce(cfg.service);
    this.#l7 ??= new L7Gateway({
      logger: this.#logger.child({ listener: 'public', protocol: 'http' }),
      counters: this.counters,
      listener: () => this.#public?.config ?? want,
      intentions: () => this.#intentions,
      defaultAllow: DEFAULT_ALLOW,
      selfUri: () => serviceSpiffeUri(this.material.trustDomain, this.#datacenter, cfg.service),
    });
    const listener = new PublicListener(want, cfg.protocol, {
      material: this.material,
      counters: this.counters,
      logger: this.#logger.child({ listener: 'public' }),
      authorize: (caller) => this.#authorize(cfg.service, caller),
      l7: this.#l7,
    });
    await listener.listen();
    this.#public = listener;
  }

  #intentionsWatched = false;
  #startIntentionsWatchOnce(service: string): void {
    if (this.#intentionsWatched) return;
    this.#intentionsWatched = true;
    this.#startIntentionsWatch(service);
  }

  async #authorize(service: string, caller: VerifiedCaller): Promise<{ allowed: boolean; reason: string }> {
    const r = await this.#o.client.connect.authorize({
      Target: service,
      ClientCertURI: caller.uri,
      ClientCertSerial: caller.serial,
    });
    return { allowed: r.Authorized, reason: r.Reason };
  }

  async #applyUpstreams(cfg: ProxyConfig): Promise<void> {
    const wanted = new Map(cfg.upstreams.map((u) => [u.key, u]));
    for (const [key, slot] of this.#upstreams) {
      const u = wanted.get(key);
      if (
        u !== undefined &&
        u.destinationName === slot.listener.config.destinationName &&
        u.destinationPeer === slot.listener.config.destinationPeer &&
        u.meshGatewayMode === slot.listener.config.meshGatewayMode
      )
        continue;
      slot.abort.abort();
      await slot.listener.close();
      this.#upstreams.delete(key);
    }
    for (const [key, u] of wanted) {
      if (this.#upstreams.has(key)) continue;
      const abort = new AbortController();
      const route = new UpstreamRoute({
        client: this.#o.client,
        logger: this.#logger,
        material: this.material,
        service: u.destinationName,
        peer: u.destinationPeer,
        meshGatewayMode: u.meshGatewayMode,
        localGateways:
          u.destinationPeer !== '' && u.meshGatewayMode === 'local' ? this.#localGatewaysOnce() : undefined,
        datacenter: this.#datacenter,
        signal: AbortSignal.any([this.#abort.signal, abort.signal]),
      });
      route.start();
      const listener = new UpstreamListener(u, route, this.material, this.counters, this.#logger);
      await listener.listen();
      this.#upstreams.set(key, { listener, abort });
    }
  }

  #localGatewaysOnce(): LocalGateways {
    this.#localGateways ??= new LocalGateways({
      source: apiLocalGatewaySource(this.#o.client),
      logger: this.#logger,
      signal: this.#abort.signal,
    });
    return this.#localGateways;
  }

  #reportOnce(key: string, fn: () => void): void {
    if (this.#reported.has(key)) return;
    if (this.#reported.size < 256) this.#reported.add(key);
    fn();
  }

  #scheduleCountersLog(): void {
    if (this.#countersTimer !== undefined || this.#closed) return;
    this.#countersTimer = setTimeout(() => {
      this.#countersTimer = undefined;
      this.#logCounters();
    }, this.#o.countersLogIntervalMs ?? 1_000);
    this.#countersTimer.unref();
  }

  #logCounters(): void {
    this.#logger.info({ counters: this.counters.snapshot() }, 'proxy counters');
  }
}

function sameBind(a: PublicListenerConfig, b: PublicListenerConfig): boolean {
  return a.bindAddress === b.bindAddress && a.bindPort === b.bindPort;
}
