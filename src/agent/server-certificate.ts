/**
 * The server's peering certificate, kept fresh: a {@link CertManager} that signs with the store's active root,
 * renews before expiry, and re-issues when the active root changes (watched through the store's CA-roots topic).
 *
 * @packageDocumentation
 */
import {
  CertManager,
  activeCASigning,
  SERVER_PEERING_CERT_KEY,
  serverPeeringSigner,
  type ActiveSigningRoot,
  type ManagedCertificate,
} from '../connect/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/index.js';
import {
  WatchSet,
  type CAConfigRecord,
  type CARootRecord,
  type QueryResult,
  type WatchHub,
} from '../state/index.js';

/** What the server certificate needs of the store. */
export interface CaStore {
  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]>;
  /** Secret. */
  readonly caSigningKeyPem: string;
  /** The CA configuration, for `LeafCertTTL` (absent: Consul's default, 72h). */
  caConfig?(ws: WatchSet | undefined): QueryResult<CAConfigRecord | undefined>;
  readonly hub: Pick<WatchHub, 'wait'>;
  readonly abandoned: AbortSignal;
}

export interface ServerCertificateOptions {
  store: CaStore;
  logger: Logger;
  datacenter: string;
  trustDomain: string;
  clock?: Clock;
}

/**
 * Owns the certificate manager of the server's peering certificate and the watch on the active root.
 * `start()` issues the first certificate; `close()` stops renewals and the watch.
 */
export class ServerCertificate {
  readonly #o: ServerCertificateOptions;
  readonly #manager: CertManager<string>;
  readonly #stop = new AbortController();
  #watch: Promise<void> | undefined;

  constructor(opts: ServerCertificateOptions) {
    this.#o = opts;
    const now = opts.clock === undefined ? () => Date.now() : opts.clock.now.bind(opts.clock);
    this.#manager = new CertManager<string>({
      logger: opts.logger,
      keyOf: (k) => k,
      sign: serverPeeringSigner({
        activeRoot: () => activeSigningRoot(opts.store),
        datacenter: opts.datacenter,
        trustDomain: opts.trustDomain,
        now,
      }),
      ...(opts.clock === undefined ? {} : { clock: opts.clock }),
    });
  }

  /** Issues the first certificate and starts watching the CA roots. Rejects when signing fails. */
  async start(): Promise<ManagedCertificate> {
    const active = activeSigningRoot(this.#o.store);
    if (active !== undefined) this.#manager.setActiveRoot(active.root.ID);
    const cert = await this.#manager.ensure(SERVER_PEERING_CERT_KEY);
    this.#watch ??= this.#watchRoots();
    return cert;
  }

  /** The current certificate (after `start()`). */
  get current(): ManagedCertificate {
    const c = this.#manager.current(SERVER_PEERING_CERT_KEY);
    if (c === undefined) throw new Error('server certificate not issued yet: call start() first');
    return c;
  }

  /**
   * The current certificate followed by the intermediates of the root that signed it (after a rotation, the new
   * root cross-signed by the old one), so a peer that still trusts only the previous root accepts the handshake.
   */
  get chainPem(): string {
    const cert = this.current;
    const root = this.#o.store.caRoots(undefined).value.find((r) => r.ID === cert.rootId);
    return cert.certPem + (root?.IntermediateCerts ?? []).join('');
  }

  /** PEM of the active root, for the listener's chain. */
  get activeRootPem(): string {
    return activeSigningRoot(this.#o.store)?.root.RootCert ?? '';
  }

  /** Calls `listener` with each renewed or re-issued certificate. */
  onChange(listener: (cert: ManagedCertificate) => void): () => void {
    return this.#manager.subscribe(SERVER_PEERING_CERT_KEY, listener);
  }

  /** Stops renewing and watching. Idempotent. */
  async close(): Promise<void> {
    this.#stop.abort();
    this.#manager.close();
    await this.#watch;
  }

  async #watchRoots(): Promise<void> {
    const { store } = this.#o;
    while (!this.#stop.signal.aborted && !store.abandoned.aborted) {
      const ws = new WatchSet();
      const active = store.caRoots(ws).value.find((r) => r.Active);
      if (active !== undefined) this.#manager.setActiveRoot(active.ID);
      await store.hub.wait(ws, { signals: [this.#stop.signal, store.abandoned] });
    }
  }
}

function activeSigningRoot(store: CaStore): ActiveSigningRoot | undefined {
  const signing = activeCASigning(
    store.caRoots(undefined).value,
    store.caSigningKeyPem,
    store.caConfig?.(undefined).value,
  );
  return signing === undefined
    ? undefined
    : {
        root: signing.root,
        signingKeyPem: signing.signingKeyPem,
        leafCertTtlMs: signing.config.leafCertTtlMs,
      };
}
