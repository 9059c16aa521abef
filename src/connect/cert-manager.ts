/**
 * The certificate manager: issues certificates through an injected signer, caches them by identity, renews each
 * one in its renewal window, re-issues those signed by a root that is no longer active, and tells subscribers
 * when a certificate changes. No network and no store: the caller injects the signer, the clock and the active
 * root. Today it holds the server's peering certificate; the mesh's per-service leaves use the same seam (an
 * identity type, `keyOf`, `sign`).
 *
 * @packageDocumentation
 */
import { X509Certificate } from 'node:crypto';

import { systemClock, type Clock } from '../lib/clock.js';
import type { Logger } from '../logging/index.js';
import { DEFAULT_RENEWAL_POLICY, renewalTime, retryDelay, type RenewalPolicy } from './renewal.js';

/** What a signer answers: the leaf, its private key, and the ID of the root that signed it. */
export interface SignedCertificate {
  readonly certPem: string;
  /** Secret: never logged. */
  readonly keyPem: string;
  /** `ID` of the signing root (its fingerprint, as in `/v1/connect/ca/roots`). */
  readonly rootId: string;
  /** The index the signer committed the certificate at (a leaf's `ModifyIndex`), when it has one. */
  readonly index?: number;
}

/** A certificate held by the manager: the signed material and what was read from the certificate itself. */
export interface ManagedCertificate extends SignedCertificate {
  /** Serial number, upper-case hex without separators (`X509Certificate.serialNumber`). */
  readonly serial: string;
  /** `NotBefore`, ms since the epoch. */
  readonly validFrom: number;
  /** `NotAfter`, ms since the epoch. */
  readonly validTo: number;
  /** When the manager plans to renew it, ms since the epoch. */
  readonly renewAt: number;
}

/** What the manager knows about one identity, for logs, `agent/self`-style status and tests. */
export interface CertificateStatus {
  readonly certificate: ManagedCertificate | undefined;
  /** Consecutive failed attempts since the last success. */
  readonly failures: number;
  /** Message of the last failure, when {@link failures} > 0. */
  readonly lastError: string | undefined;
  /** When the next attempt is scheduled (renewal, retry or re-issue), ms since the epoch. */
  readonly nextAttemptAt: number | undefined;
}

/** Called with the new certificate whenever the certificate of a subscribed identity changes. */
export type CertificateListener = (cert: ManagedCertificate) => void;

/** Default bound on identities held at once. */
export const DEFAULT_MAX_CERTIFICATES = 10_000;
/** Default bound on listeners per identity. */
export const DEFAULT_MAX_LISTENERS_PER_CERTIFICATE = 1_024;
/** Node timers overflow beyond 2^31 − 1 ms (about 24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface CertManagerOptions<I> {
  logger: Logger;
  /** Issues a certificate for `identity`. A rejection is a failed attempt (logged, retried with backoff). */
  sign(identity: I): Promise<SignedCertificate>;
  /** The cache key of an identity (e.g. `server` or a SPIFFE ID). */
  keyOf(identity: I): string;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Source of jitter draws in `[0, 1)`; defaults to `Math.random`. */
  random?: () => number;
  /** Overrides of {@link DEFAULT_RENEWAL_POLICY}. */
  policy?: Partial<RenewalPolicy>;
  /**
   * Most identities held at once; defaults to {@link DEFAULT_MAX_CERTIFICATES}. Overflow policy: `ensure` for a
   * new identity rejects with a `RangeError`; identities already held keep renewing. `release` frees a slot.
   */
  maxCertificates?: number;
  /**
   * Most listeners per identity; defaults to {@link DEFAULT_MAX_LISTENERS_PER_CERTIFICATE}. Overflow policy:
   * `subscribe` throws a `RangeError`.
   */
  maxListenersPerCertificate?: number;
}

interface Entry<I> {
  readonly key: string;
  readonly identity: I;
  cert: ManagedCertificate | undefined;
  inflight: Promise<ManagedCertificate> | undefined;
  timer: unknown;
  /** When {@link timer} is due to act (it may fire earlier when the wait exceeds a Node timer). */
  dueAt: number | undefined;
  failures: number;
  lastError: string | undefined;
  readonly listeners: Set<CertificateListener>;
}

/**
 * Issues, caches and renews certificates keyed by identity.
 *
 * - `ensure(identity)` answers the cached certificate, or issues one (concurrent callers share one signing).
 * - Each certificate is renewed at a random point of its renewal window ({@link renewalTime}: 60–70 % of its
 *   lifetime by default). A failed attempt is logged (WARN while the current certificate is still valid, ERROR
 *   once it has expired or when there is none) and retried with capped exponential backoff; the current
 *   certificate stays in use until a new one is issued.
 * - `setActiveRoot(id)` re-issues, spread over `rootChangeSpreadMs`, every certificate signed by another root.
 * - Subscribers of an identity are called synchronously with each new certificate; a throwing listener is
 *   logged and does not stop the others.
 */
export class CertManager<I> {
  readonly #o: CertManagerOptions<I>;
  readonly #log: Logger;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #policy: RenewalPolicy;
  readonly #entries = new Map<string, Entry<I>>();
  #activeRootId: string | undefined;
  #closed = false;

  constructor(opts: CertManagerOptions<I>) {
    this.#o = opts;
    this.#log = opts.logger;
    this.#clock = opts.clock ?? systemClock;
    this.#random = opts.random ?? Math.random;
    this.#policy = { ...DEFAULT_RENEWAL_POLICY, ...opts.policy };
    const p = this.#policy;
    if (!(p.renewAtFraction > 0 && p.jitterFraction >= 0 && p.renewAtFraction + p.jitterFraction < 1)) {
      throw new RangeError('renewal window must lie inside the certificate lifetime');
    }
    if (!(p.retryInitialMs > 0 && p.retryMaxMs >= p.retryInitialMs)) {
      throw new RangeError('retry delays must be positive, the maximum at least the initial delay');
    }
  }

  /**
   * The certificate of `identity`: the cached one, else a newly issued one (which then renews itself). Rejects
   * when signing fails (a retry is scheduled), when the manager is closed, or when it already holds
   * `maxCertificates` other identities.
   */
  ensure(identity: I): Promise<ManagedCertificate> {
    if (this.#closed) return Promise.reject(new Error('certificate manager is closed'));
    const key = this.#o.keyOf(identity);
    let entry = this.#entries.get(key);
    if (entry === undefined) {
      const max = this.#o.maxCertificates ?? DEFAULT_MAX_CERTIFICATES;
      if (this.#entries.size >= max) {
        return Promise.reject(new RangeError(`certificate manager is full: it holds ${max} certificates`));
      }
      entry = {
        key,
        identity,
        cert: undefined,
        inflight: undefined,
        timer: undefined,
        dueAt: undefined,
        failures: 0,
        lastError: undefined,
        listeners: new Set(),
      };
      this.#entries.set(key, entry);
    }
    if (entry.cert !== undefined) return Promise.resolve(entry.cert);
    return this.#issue(entry, 'initial');
  }

  /** The cached certificate of `key`, if any. */
  current(key: string): ManagedCertificate | undefined {
    return this.#entries.get(key)?.cert;
  }

  /** Renewal state of `key`, or `undefined` when the manager does not hold it. */
  status(key: string): CertificateStatus | undefined {
    const e = this.#entries.get(key);
    if (e === undefined) return undefined;
    return { certificate: e.cert, failures: e.failures, lastError: e.lastError, nextAttemptAt: e.dueAt };
  }

  /** Number of identities held. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Calls `listener` with every later certificate of `key` (renewal, re-issue). `key` must be held (`ensure`
   * first). Returns the function that unsubscribes.
   */
  subscribe(key: string, listener: CertificateListener): () => void {
    const entry = this.#entries.get(key);
    if (entry === undefined) throw new Error(`no certificate is held for ${key}`);
    const max = this.#o.maxListenersPerCertificate ?? DEFAULT_MAX_LISTENERS_PER_CERTIFICATE;
    if (entry.listeners.size >= max) {
      throw new RangeError(`certificate ${key} already has ${max} listeners`);
    }
    entry.listeners.add(listener);
    return () => {
      entry.listeners.delete(listener);
    };
  }

  /**
   * Tells the manager which root is active now. Every certificate signed by another root is re-issued after a
   * random delay in `[0, rootChangeSpreadMs)`; until then the old one stays in use.
   */
  setActiveRoot(rootId: string): void {
    if (this.#closed || rootId === this.#activeRootId) return;
    const previous = this.#activeRootId;
    this.#activeRootId = rootId;
    if (previous === undefined) return;
    let stale = 0;
    for (const e of this.#entries.values()) {
      if (e.cert === undefined || e.cert.rootId === rootId || e.inflight !== undefined) continue;
      stale++;
      this.#schedule(e, this.#clock.now() + Math.floor(this.#random() * this.#policy.rootChangeSpreadMs));
    }
    this.#log.info({ root_id: rootId, previous_root_id: previous, reissue: stale }, 'active CA root changed');
  }

  /**
   * Issues a new certificate for a held `key` now, whatever the renewal plan (a caller found the current one
   * signed by an inactive root, or expired). Shares a signing already in flight.
   */
  renew(key: string): Promise<ManagedCertificate> {
    const e = this.#entries.get(key);
    if (e === undefined || this.#closed)
      return Promise.reject(new Error(`no certificate is held for ${key}`));
    return this.#issue(e, e.failures > 0 ? 'retry' : 'renewal');
  }

  /** Stops renewing `key` and forgets it (its listeners too). */
  release(key: string): void {
    const e = this.#entries.get(key);
    if (e === undefined) return;
    this.#cancelTimer(e);
    e.listeners.clear();
    this.#entries.delete(key);
  }

  /** Stops every timer and forgets every certificate. Results of signings in flight are dropped. Idempotent. */
  close(): void {
    this.#closed = true;
    for (const key of [...this.#entries.keys()]) this.release(key);
  }

  #issue(
    entry: Entry<I>,
    reason: 'initial' | 'renewal' | 'root-change' | 'retry',
  ): Promise<ManagedCertificate> {
    if (entry.inflight !== undefined) return entry.inflight;
    this.#cancelTimer(entry);
    const p = this.#signAndStore(entry, reason);
    entry.inflight = p;
    void p.then(
      () => {
        entry.inflight = undefined;
      },
      () => {
        entry.inflight = undefined;
      },
    );
    return p;
  }

  async #signAndStore(entry: Entry<I>, reason: string): Promise<ManagedCertificate> {
    let cert: ManagedCertificate;
    try {
      const signed = await this.#o.sign(entry.identity);
      cert = this.#read(signed);
    } catch (err) {
      if (this.#held(entry)) this.#failed(entry, err, reason);
      throw err;
    }
    if (!this.#held(entry)) throw new Error('certificate manager is closed');
    const previous = entry.cert;
    entry.cert = cert;
    entry.failures = 0;
    entry.lastError = undefined;
    if (this.#activeRootId !== undefined && cert.rootId !== this.#activeRootId) {
      // Signed by a root that is no longer active (it rotated while signing): keep it, try again soon.
      this.#schedule(entry, this.#clock.now() + Math.floor(this.#random() * this.#policy.rootChangeSpreadMs));
    } else {
      this.#schedule(entry, cert.renewAt);
    }
    this.#log.info(
      {
        key: entry.key,
        reason,
        serial: cert.serial,
        previous_serial: previous?.serial,
        root_id: cert.rootId,
        valid_to: new Date(cert.validTo).toISOString(),
        renew_at: new Date(cert.renewAt).toISOString(),
      },
      'certificate issued',
    );
    for (const l of entry.listeners) {
      try {
        l(cert);
      } catch (err) {
        this.#log.error({ err, key: entry.key }, 'certificate listener failed');
      }
    }
    return cert;
  }

  #failed(entry: Entry<I>, err: unknown, reason: string): void {
    entry.failures++;
    entry.lastError = err instanceof Error ? err.message : String(err);
    const now = this.#clock.now();
    const retryAt = now + retryDelay(entry.failures, this.#policy, this.#random);
    this.#schedule(entry, retryAt);
    const cert = entry.cert;
    const fields = {
      key: entry.key,
      reason,
      failures: entry.failures,
      error: entry.lastError,
      retry_in_ms: retryAt - now,
      serial: cert?.serial,
      valid_to: cert === undefined ? undefined : new Date(cert.validTo).toISOString(),
    };
    if (cert !== undefined && cert.validTo > now) {
      this.#log.warn(fields, 'certificate renewal failed; the current certificate stays in use');
    } else if (cert !== undefined) {
      this.#log.error(fields, 'certificate renewal failed and the current certificate has EXPIRED');
    } else {
      this.#log.error(fields, 'certificate issue failed');
    }
  }

  /** Arms the one timer of `entry` for `at`, replacing any other. */
  #schedule(entry: Entry<I>, at: number): void {
    this.#cancelTimer(entry);
    entry.dueAt = at;
    const wait = Math.min(Math.max(at - this.#clock.now(), 0), MAX_TIMER_MS);
    entry.timer = this.#clock.setTimeout(() => {
      this.#onTimer(entry);
    }, wait);
  }

  #onTimer(entry: Entry<I>): void {
    entry.timer = undefined;
    if (!this.#held(entry) || entry.dueAt === undefined) return;
    if (this.#clock.now() < entry.dueAt) {
      this.#schedule(entry, entry.dueAt);
      return;
    }
    const reason =
      entry.failures > 0
        ? 'retry'
        : entry.cert !== undefined &&
            this.#activeRootId !== undefined &&
            entry.cert.rootId !== this.#activeRootId
          ? 'root-change'
          : 'renewal';
    // Failures are logged and rescheduled by #signAndStore; nobody awaits a timer-driven attempt.
    this.#issue(entry, reason).catch(() => undefined);
  }

  #cancelTimer(entry: Entry<I>): void {
    if (entry.timer !== undefined) this.#clock.clearTimeout(entry.timer);
    entry.timer = undefined;
    entry.dueAt = undefined;
  }

  #held(entry: Entry<I>): boolean {
    return !this.#closed && this.#entries.get(entry.key) === entry;
  }

  /** Reads serial and validity from the certificate itself, and plans its renewal. */
  #read(signed: SignedCertificate): ManagedCertificate {
    let x: X509Certificate;
    try {
      x = new X509Certificate(signed.certPem);
    } catch {
      throw new TypeError('signer returned an invalid certificate');
    }
    const validFrom = Date.parse(x.validFrom);
    const validTo = Date.parse(x.validTo);
    const renewAt = renewalTime(this.#clock.now(), validFrom, validTo, this.#policy, this.#random);
    return {
      certPem: signed.certPem,
      keyPem: signed.keyPem,
      rootId: signed.rootId,
      ...(signed.index === undefined ? {} : { index: signed.index }),
      serial: x.serialNumber,
      validFrom,
      validTo,
      renewAt,
    };
  }
}
