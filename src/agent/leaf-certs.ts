/**
 * The agent's leaf certificates for services (`GET /v1/agent/connect/ca/leaf/:service`), as Consul's
 * `agent/leafcert` manager keeps them: issued on first request (for any service name, registered or not), cached
 * per service, renewed before expiry and re-issued after a root rotation by the certificate manager, and served
 * with Consul's blocking-query contract on the leaf's `ModifyIndex`.
 *
 * Issuing one leaf is Consul's round trip inside one process: a fresh EC P-256 key and a CSR for the service's
 * SPIFFE ID (the agent half), then the server half: the CSR limits, Consul's CSR checks, signing with the active
 * root, and a `ca-leaf-index` command whose log index becomes the leaf's `CreateIndex`/`ModifyIndex`.
 *
 * @packageDocumentation
 */
import {
  CertManager,
  CsrLimiter,
  CsrRateLimitedError,
  InvalidCsrError,
  createLeafCsr,
  parseCsr,
  serviceSpiffeId,
  signCsr,
  type CsrLimits,
  type ManagedCertificate,
  type SignedCertificate,
  type SigningRoot,
} from '../connect/index.js';
import { AppError } from '../errors/index.js';
import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../logging/index.js';

/** Consul's `IssuedCert` JSON as `/v1/agent/connect/ca/leaf/:service` renders it (CE: no partition fields). */
export interface LeafCertJson {
  SerialNumber: string;
  CertPEM: string;
  /** Secret: only ever sent to the HTTP client that asked. */
  PrivateKeyPEM: string;
  Service: string;
  ServiceURI: string;
  ValidAfter: string;
  ValidBefore: string;
  CreateIndex: number;
  ModifyIndex: number;
}

/** Consul's leaf `DefaultQueryTimeout`: a blocking leaf query without `?wait` waits up to 10 minutes. */
export const LEAF_DEFAULT_WAIT_MS = 10 * 60_000;
/** Consul's `DefaultLastGetTTL`: a leaf nobody has asked for in 72 h stops being renewed and is dropped. */
export const LEAF_IDLE_TTL_MS = 72 * 3_600_000;
/** Consul's `caChangeJitterWindow`: leaves are re-issued at a random point of 30 s after a root rotation. */
export const LEAF_ROOT_CHANGE_SPREAD_MS = 30_000;
/** How often idle leaves are looked for (on a timer of the injected clock, armed while any leaf is held). */
export const LEAF_SWEEP_INTERVAL_MS = 3_600_000;
/** Default bound on services with a cached leaf. */
export const DEFAULT_MAX_LEAF_CERTS = 10_000;

export interface LeafCertificatesOptions {
  logger: Logger;
  datacenter: string;
  trustDomain: string;
  /** The active root and its key at signing time; `undefined` when the CA has none yet. */
  activeRoot(): SigningRoot | undefined;
  /** `LeafCertTTL` in ms, read at every signing. */
  leafTtlMs(): number;
  /** `CSRMaxPerSecond` / `CSRMaxConcurrent`, read at every signing. */
  csrLimits(): CsrLimits;
  /** Commits `ca-leaf-index` and answers its log index. */
  commitLeafIndex(): Promise<number>;
  clock?: Clock;
  random?: () => number;
  /** Overrides {@link LEAF_ROOT_CHANGE_SPREAD_MS} (tests). */
  rootChangeSpreadMs?: number;
  /**
   * Most services with a cached leaf (default {@link DEFAULT_MAX_LEAF_CERTS}). Overflow policy: a request for a
   * new service first drops leaves idle for {@link LEAF_IDLE_TTL_MS}; if none, it is refused (429), and cached
   * leaves keep renewing.
   */
  maxCertificates?: number;
}

/** Issues, caches, renews and serves service leaf certificates. */
export class LeafCertificates {
  readonly #o: LeafCertificatesOptions;
  readonly #clock: Clock;
  readonly #manager: CertManager<string>;
  readonly #limiter: CsrLimiter;
  /** Last request per service (ms since the epoch), for the idle TTL. */
  readonly #lastGet = new Map<string, number>();
  readonly #max: number;
  /** The idle sweep's timer while any leaf is held, else `undefined`. */
  #sweepTimer: unknown;
  #closed = false;

  constructor(opts: LeafCertificatesOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#max = opts.maxCertificates ?? DEFAULT_MAX_LEAF_CERTS;
    this.#limiter = new CsrLimiter({ clock: this.#clock });
    this.#manager = new CertManager<string>({
      logger: opts.logger,
      keyOf: (service) => service,
      sign: (service) => this.#issue(service),
      clock: this.#clock,
      ...(opts.random === undefined ? {} : { random: opts.random }),
      policy: { rootChangeSpreadMs: opts.rootChangeSpreadMs ?? LEAF_ROOT_CHANGE_SPREAD_MS },
      maxCertificates: this.#max,
    });
  }

  /**
   * The leaf of `service`, with Consul's semantics: without `minIndex` the cached leaf is re-validated (a new one
   * is issued at once when it was signed by a root that is no longer active, or has expired); with `minIndex`,
   * waits until the leaf's index passes it (renewal, rotation) or `waitMs` elapses, then answers the current one.
   */
  async leaf(
    service: string,
    q: { minIndex: number; waitMs: number | undefined; signal: AbortSignal },
  ): Promise<LeafCertJson> {
    this.#touch(service);
    let cert: ManagedCertificate;
    try {
      cert = await this.#manager.ensure(service);
    } catch (err) {
      // Consul returns a failed first fetch to the caller and keeps nothing; a later request tries again.
      if (this.#manager.current(service) === undefined) this.#forget(service);
      throw leafError(err);
    }
    if (q.minIndex === 0) {
      if (this.#stale(cert)) cert = await this.#reissue(service, cert);
    } else if ((cert.index ?? 0) <= q.minIndex) {
      let next: Promise<ManagedCertificate | undefined>;
      try {
        next = this.#waitForChange(service, leafWaitMs(q.waitMs), q.signal);
      } catch (err) {
        throw leafError(err);
      }
      cert = (await next) ?? cert;
    }
    return this.#render(service, cert);
  }

  /** Tells the manager which root is active; leaves signed by another are re-issued over 30 s. */
  setActiveRoot(rootId: string): void {
    this.#manager.setActiveRoot(rootId);
  }

  /** Services with a cached leaf. */
  get size(): number {
    return this.#manager.size;
  }

  /** Stops every renewal. Idempotent. */
  close(): void {
    this.#closed = true;
    if (this.#sweepTimer !== undefined) this.#clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.#manager.close();
    this.#lastGet.clear();
  }

  /**
   * Re-issues a stale leaf now. When that fails, a leaf that is still valid (signed by a root no longer active)
   * is served while the manager retries; an expired one never is: the failure (a 429, no CA) goes to the caller.
   */
  async #reissue(service: string, cert: ManagedCertificate): Promise<ManagedCertificate> {
    try {
      return await this.#manager.renew(service);
    } catch (err) {
      if (cert.validTo > this.#clock.now()) return cert;
      throw leafError(err);
    }
  }

  #stale(cert: ManagedCertificate): boolean {
    const active = this.#o.activeRoot();
    return cert.validTo <= this.#clock.now() || (active !== undefined && cert.rootId !== active.root.ID);
  }

  async #issue(service: string): Promise<SignedCertificate> {
    const active = this.#o.activeRoot();
    if (active === undefined) throw new Error('cluster has no CA bootstrapped yet');
    const { keyPem, csrDer } = createLeafCsr(
      serviceSpiffeId({ trustDomain: this.#o.trustDomain, datacenter: this.#o.datacenter, service }),
    );
    const signed = await this.#limiter.run(this.#o.csrLimits(), () =>
      // The CSR was made just above: its self-signature proves nothing here (Consul's servers do not check it).
      signCsr(parseCsr(csrDer, { checkSignature: false }), {
        ca: active,
        datacenter: this.#o.datacenter,
        trustDomain: this.#o.trustDomain,
        ttlMs: this.#o.leafTtlMs(),
        now: this.#clock.now(),
      }),
    );
    const index = await this.#o.commitLeafIndex();
    return { certPem: signed.CertPEM, keyPem, rootId: signed.rootId, index };
  }

  /** The next certificate of `service`, or `undefined` at the deadline or when the client goes away. */
  #waitForChange(
    service: string,
    waitMs: number,
    signal: AbortSignal,
  ): Promise<ManagedCertificate | undefined> {
    let settle: (c: ManagedCertificate | undefined) => void = () => undefined;
    const done = new Promise<ManagedCertificate | undefined>((resolve) => {
      settle = resolve;
    });
    const unsubscribe = this.#manager.subscribe(service, (c) => {
      finish(c);
    });
    const timer = this.#clock.setTimeout(() => {
      finish(undefined);
    }, waitMs);
    const onAbort = (): void => {
      finish(undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const finish = (c: ManagedCertificate | undefined): void => {
      unsubscribe();
      this.#clock.clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      settle(c);
    };
    if (signal.aborted) finish(undefined);
    return done;
  }

  /**
   * Records a request. When the cache is full and a new service asks, leaves idle for the TTL are dropped at
   * once; otherwise the hourly timer ({@link LEAF_SWEEP_INTERVAL_MS}) drops them, requests or not.
   */
  #touch(service: string): void {
    if (!this.#lastGet.has(service) && this.#manager.size >= this.#max) this.#sweep();
    this.#lastGet.set(service, this.#clock.now());
    this.#armSweep();
  }

  /** Drops every leaf nobody asked for within {@link LEAF_IDLE_TTL_MS}: it stops renewing. */
  #sweep(): void {
    const now = this.#clock.now();
    for (const [name, at] of this.#lastGet) if (now - at >= LEAF_IDLE_TTL_MS) this.#forget(name);
  }

  /** Arms the sweep timer (the system clock's timers are unref'd: it never keeps the process alive). */
  #armSweep(): void {
    if (this.#sweepTimer !== undefined || this.#closed) return;
    this.#sweepTimer = this.#clock.setTimeout(() => {
      this.#sweepTimer = undefined;
      this.#sweep();
      if (this.#lastGet.size > 0) this.#armSweep();
    }, LEAF_SWEEP_INTERVAL_MS);
  }

  #forget(service: string): void {
    this.#manager.release(service);
    this.#lastGet.delete(service);
  }

  #render(service: string, cert: ManagedCertificate): LeafCertJson {
    const index = cert.index ?? 1;
    return {
      SerialNumber: colonSerial(cert.serial),
      CertPEM: cert.certPem,
      PrivateKeyPEM: cert.keyPem,
      Service: service,
      ServiceURI: serviceSpiffeId({
        trustDomain: this.#o.trustDomain,
        datacenter: this.#o.datacenter,
        service,
      }),
      ValidAfter: goTime(cert.validFrom),
      ValidBefore: goTime(cert.validTo),
      CreateIndex: index,
      ModifyIndex: index,
    };
  }
}

/**
 * The wait of a blocking leaf query: Consul's leaf manager replaces an absent or zero `?wait` with its own
 * {@link LEAF_DEFAULT_WAIT_MS} (10 min), not the 5 min other blocking endpoints use.
 */
export function leafWaitMs(waitMs: number | undefined): number {
  return waitMs === undefined || waitMs <= 0 ? LEAF_DEFAULT_WAIT_MS : waitMs;
}

/** The client-facing error for a failed leaf request: Consul's 429 text for the CSR limits, our 429 when full. */
function leafError(err: unknown): Error {
  if (err instanceof CsrRateLimitedError) {
    return new AppError('ENT_ERR_RATE_LIMITED', err.message, { cause: err });
  }
  if (err instanceof InvalidCsrError) {
    // The service name cannot make a SPIFFE ID that names it (a '/' in it): the request is at fault.
    return new AppError(
      'ENT_ERR_BAD_REQUEST',
      `invalid service name for a leaf certificate: ${err.message}`,
      {
        cause: err,
      },
    );
  }
  if (err instanceof RangeError) {
    return new AppError('ENT_ERR_RATE_LIMITED', `leaf certificates: ${err.message}; retry later`, {
      cause: err,
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

/** `X509Certificate.serialNumber` (upper-case hex) as Consul's colon-separated lower-case hex. */
function colonSerial(hex: string): string {
  let h = hex.toLowerCase().replace(/^(00)+(?=[0-9a-f]{2})/, '');
  if (h.length % 2 === 1) h = `0${h}`;
  return h.match(/../g)?.join(':') ?? '';
}

/** RFC 3339 in UTC without fractional seconds, as Go marshals a certificate time. */
function goTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
