/**
 * The Connect CA's writer, as Consul's `CAManager` on the leader: bootstraps the first root and configuration,
 * applies configuration changes (rotating to a new root, cross-signed by the old one, when the key changes),
 * rotates on `RotationPeriod`, and prunes roots once their leaves have expired.
 *
 * @packageDocumentation
 */
import {
  CAConfigError,
  CONSUL_CA_PROVIDER,
  activeCASigning,
  canonicalCAConfig,
  crossSignRoot,
  expiredRootIds,
  generateRootCA,
  initialCAConfig,
  needsNewRoot,
  parseConsulCAConfig,
  rootRecordFromPem,
  unredactCAConfig,
  type ConsulCAConfig,
} from '../connect/index.js';
import { AppError } from '../errors/index.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../logging/index.js';
import type {
  ApplyResult,
  CAConfigInput,
  CAConfigRecord,
  CARootRecord,
  Command,
  QueryResult,
  WatchSet,
} from '../state/index.js';

/** What the CA manager reads of the store. */
export interface ConnectCAStore {
  caRoots(ws: WatchSet | undefined): QueryResult<CARootRecord[]>;
  caConfig(ws: WatchSet | undefined): QueryResult<CAConfigRecord | undefined>;
  /** Secret. */
  readonly caSigningKeyPem: string;
  readonly clusterId: string;
}

export interface ConnectCAManagerOptions {
  store: ConnectCAStore;
  write(cmd: Command): Promise<{ index: number; result: ApplyResult }>;
  logger: Logger;
  datacenter: string;
  clock?: Pick<Clock, 'now'>;
}

/** A configuration as `PUT /v1/connect/ca/configuration` takes it. */
export interface CAConfigurationRequest {
  Provider: string;
  Config: Record<string, unknown>;
  ForceWithoutCrossSigning: boolean;
}

/** How often the CA looks for roots to prune and for a due rotation (Consul's `caRootPruneInterval`, 1 h). */
export const CA_MAINTENANCE_INTERVAL_MS = 3_600_000;

/** Consul's prefix for a configuration the provider refuses (`UpdateConfiguration`). */
const CONFIGURE_PREFIX = 'error configuring provider: ';

/**
 * Serialises every CA write (one at a time, as Consul's CA state machine does), so two configuration changes never
 * race to rotate; the `ca-rotate` command also checks the active root it replaces.
 */
export class ConnectCAManager {
  readonly #o: ConnectCAManagerOptions;
  readonly #now: () => number;
  #queue: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(opts: ConnectCAManagerOptions) {
    this.#o = opts;
    this.#now = opts.clock === undefined ? () => Date.now() : () => opts.clock?.now() ?? Date.now();
  }

  /**
   * Makes sure the CA has a configuration and a root. A fresh store gets the agent's `connect.ca_config` over
   * Consul's defaults and a root built from it; a store that has a configuration keeps it (the agent file only
   * seeds it, as in Consul), with a WARN when the file asks for something else.
   */
  bootstrap(agentCaConfig: Readonly<Record<string, unknown>>): Promise<void> {
    return this.#serial(() => this.#bootstrap(agentCaConfig));
  }

  /**
   * Applies a configuration (`PUT /v1/connect/ca/configuration`). Same provider and same `Config`: nothing
   * happens. A change of `PrivateKey`, `RootCert`, `PrivateKeyType` or `PrivateKeyBits` rotates to a new root
   * that the old one cross-signs (unless `ForceWithoutCrossSigning`); other changes only store the configuration.
   * Throws an `AppError` (`ENT_ERR_BAD_REQUEST`) with Consul's message for a configuration it refuses.
   */
  setConfiguration(req: CAConfigurationRequest): Promise<void> {
    return this.#serial(() => this.#setConfiguration(req));
  }

  /**
   * Rotates to a fresh root under the current configuration (`RotationPeriod`). Resolves with the new root ID.
   * Always cross-signed: a stored `ForceWithoutCrossSigning` belongs to the `PUT` that carried it, never to a later
   * scheduled rotation.
   */
  rotate(reason: string): Promise<string> {
    return this.#serial(async () => {
      const current = this.#current();
      return this.#rotate(current.record, current.parsed, false, reason);
    });
  }

  /** Runs {@link tick} every `intervalMs` (unref'd timer). */
  start(intervalMs = CA_MAINTENANCE_INTERVAL_MS): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => {
      this.#running ??= this.tick().finally(() => {
        this.#running = undefined;
      });
    }, intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a step in flight. Idempotent. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /**
   * One maintenance step: rotates when the active root is older than `RotationPeriod`, then prunes expired roots.
   * Failures are logged and retried at the next step.
   */
  async tick(): Promise<void> {
    try {
      if (this.rotationDue(this.#now())) await this.rotate(this.#scheduledReason());
      await this.prune();
    } catch (err) {
      this.#o.logger.error({ err }, 'Connect CA maintenance failed; retrying at the next interval');
    }
  }

  /** Drops inactive roots rotated out more than twice `LeafCertTTL` ago (Consul's `pruneCARoots`). */
  prune(): Promise<number> {
    return this.#serial(async () => {
      const { parsed } = this.#current();
      const ids = expiredRootIds(this.#o.store.caRoots(undefined).value, parsed.leafCertTtlMs, this.#now());
      if (ids.length === 0) return 0;
      await this.#write({ Type: 'ca-prune', RootIDs: ids });
      this.#o.logger.info({ root_ids: ids }, 'pruned old unused CA roots');
      return ids.length;
    });
  }

  /**
   * When the next automatic step is due (ms since the epoch): a prune of a rotated-out root, or a rotation when
   * `RotationPeriod` is set. Undefined when nothing is scheduled.
   */
  nextDue(): number | undefined {
    const config = this.#o.store.caConfig(undefined).value;
    const roots = this.#o.store.caRoots(undefined).value;
    if (config === undefined) return undefined;
    const parsed = parseStored(config);
    const times: number[] = [];
    for (const r of roots) {
      if (!r.Active && r.RotatedOutAt !== undefined) {
        times.push(Date.parse(r.RotatedOutAt) + 2 * parsed.leafCertTtlMs + 1);
      }
    }
    const active = roots.find((r) => r.Active);
    if (active !== undefined && parsed.rotationPeriodMs !== undefined && parsed.rootCert === '') {
      times.push(Date.parse(active.NotBefore) + parsed.rotationPeriodMs);
    }
    return times.length === 0 ? undefined : Math.min(...times);
  }

  /** Whether the active root is older than `RotationPeriod` at `now`. */
  rotationDue(now: number): boolean {
    const config = this.#o.store.caConfig(undefined).value;
    const active = this.#o.store.caRoots(undefined).value.find((r) => r.Active);
    if (config === undefined || active === undefined) return false;
    const parsed = parseStored(config);
    // An operator's RootCert is the root until the operator changes it: nothing to rotate to.
    if (parsed.rootCert !== '') return false;
    const period = parsed.rotationPeriodMs;
    return period !== undefined && now >= Date.parse(active.NotBefore) + period;
  }

  /** The reason logged for a scheduled rotation: the period, and that it is Entente's (Consul ignores the key). */
  #scheduledReason(): string {
    const period = this.#current().parsed.rotationPeriodMs ?? 0;
    return `RotationPeriod (${String(period / 3_600_000)}h) elapsed since the active root's NotBefore (Entente rotates on RotationPeriod; Consul ignores it)`;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #bootstrap(agentCaConfig: Readonly<Record<string, unknown>>): Promise<void> {
    const { store, logger } = this.#o;
    const wanted = initialCAConfig(agentCaConfig);
    const parsed = parseConsulCAConfig(wanted);
    const input: CAConfigInput = {
      Provider: CONSUL_CA_PROVIDER,
      Config: wanted,
      ForceWithoutCrossSigning: false,
    };
    if (store.caRoots(undefined).value.length === 0) {
      const { root, signingKeyPem } = await this.#newRoot(parsed);
      await this.#write({ Type: 'ca-init', Roots: [root], SigningKeyPem: signingKeyPem, Config: input });
      logger.info({ root_id: root.ID }, 'Connect CA initialized');
      noteRotationPeriod(logger, parsed);
      return;
    }
    const stored = store.caConfig(undefined).value;
    if (stored === undefined) {
      // A data dir from before the configuration was stored: its root was made with the defaults.
      await this.#write({ Type: 'ca-set-config', Config: { ...input, Config: initialCAConfig({}) } });
      if (Object.keys(agentCaConfig).length > 0) warnStoredWins(logger);
      return;
    }
    if (!sameConfig(stored.Config, wanted) && Object.keys(agentCaConfig).length > 0) warnStoredWins(logger);
  }

  async #setConfiguration(req: CAConfigurationRequest): Promise<void> {
    if (req.Provider !== CONSUL_CA_PROVIDER) {
      throw new AppError(
        'ENT_ERR_BAD_REQUEST',
        `could not initialize provider: unknown CA provider ${JSON.stringify(req.Provider)} ` +
          `(Entente has only the built-in "${CONSUL_CA_PROVIDER}" provider)`,
      );
    }
    const current = this.#current();
    const config = unredactCAConfig(canonicalCAConfig(req.Config), current.record.Config);
    let next: ConsulCAConfig;
    try {
      next = parseConsulCAConfig(config);
    } catch (err) {
      if (err instanceof CAConfigError)
        throw new AppError('ENT_ERR_BAD_REQUEST', CONFIGURE_PREFIX + err.message);
      throw err;
    }
    if (sameConfig(current.record.Config, config) && req.Provider === current.record.Provider) return;
    const input: CAConfigInput = {
      Provider: req.Provider,
      Config: config,
      ForceWithoutCrossSigning: req.ForceWithoutCrossSigning,
    };
    if (!needsNewRoot(current.parsed, next)) {
      await this.#write({ Type: 'ca-set-config', Config: input });
      this.#o.logger.info('CA provider config updated');
    } else {
      await this.#rotate(input, next, req.ForceWithoutCrossSigning, 'configuration changed');
    }
    if (next.rotationPeriodMs !== current.parsed.rotationPeriodMs) noteRotationPeriod(this.#o.logger, next);
  }

  async #rotate(
    input: CAConfigInput,
    config: ConsulCAConfig,
    withoutCrossSigning: boolean,
    reason: string,
  ): Promise<string> {
    const { store, logger } = this.#o;
    const old = activeCASigning(store.caRoots(undefined).value, store.caSigningKeyPem, undefined);
    const { root, signingKeyPem } = await this.#newRoot(config);
    if (old !== undefined && old.root.ID === root.ID) {
      // The operator's key and root are the ones already active: only the configuration changes.
      await this.#write({ Type: 'ca-set-config', Config: input });
      return root.ID;
    }
    let intermediates: string[] = [];
    if (old !== undefined && !withoutCrossSigning) {
      intermediates = [
        await crossSignRoot({
          newRootPem: root.RootCert,
          oldRoot: old.root,
          oldSigningKeyPem: old.signingKeyPem,
          now: new Date(this.#now()),
        }),
      ];
    } else if (withoutCrossSigning) {
      logger.warn('ForceWithoutCrossSigning set, CA reconfiguration skipping cross-signing');
    }
    const applied = await this.#write({
      Type: 'ca-rotate',
      Config: input,
      Root: { ...root, ...(intermediates.length > 0 ? { IntermediateCerts: intermediates } : {}) },
      SigningKeyPem: signingKeyPem,
      ExpectedActiveRootID: old?.root.ID ?? '',
      RotatedOutAt: new Date(this.#now()).toISOString(),
    });
    const dropped = (applied as { dropped?: string[] } | undefined)?.dropped ?? [];
    if (dropped.length > 0) {
      logger.warn(
        { root_ids: dropped },
        'too many CA roots: the oldest rotated-out roots were dropped before expiry; leaves they signed no longer validate',
      );
    }
    logger.info(
      { root_id: root.ID, previous_root_id: old?.root.ID, reason, cross_signed: intermediates.length > 0 },
      'CA rotated to new root under provider',
    );
    return root.ID;
  }

  /** A root from the configuration: the operator's `RootCert` and `PrivateKey`, or a fresh one. */
  async #newRoot(config: ConsulCAConfig): Promise<{ root: CARootRecord; signingKeyPem: string }> {
    try {
      if (config.rootCert !== '') {
        return {
          root: rootRecordFromPem(config.rootCert, config.privateKey),
          signingKeyPem: config.privateKey,
        };
      }
      return await generateRootCA({
        clusterId: this.#o.store.clusterId,
        datacenter: this.#o.datacenter,
        now: new Date(this.#now()),
        ttlMs: config.rootCertTtlMs,
        keyType: config.privateKeyType,
        keyBits: config.privateKeyBits,
        ...(config.privateKey === '' ? {} : { privateKeyPem: config.privateKey }),
      });
    } catch (err) {
      if (err instanceof TypeError) {
        throw new AppError('ENT_ERR_BAD_REQUEST', `error generating CA root certificate: ${err.message}`);
      }
      throw err;
    }
  }

  #current(): { record: CAConfigRecord; parsed: ConsulCAConfig } {
    const record = this.#o.store.caConfig(undefined).value;
    if (record === undefined) throw new AppError('ENT_ERR_UNAVAILABLE', 'local CA not initialized yet');
    return { record, parsed: parseStored(record) };
  }

  async #write(cmd: Command): Promise<unknown> {
    const { result } = await this.#o.write(cmd);
    if (!result.ok) throw new AppError(result.code, result.error);
    return result.value;
  }
}

function parseStored(record: CAConfigRecord): ConsulCAConfig {
  try {
    return parseConsulCAConfig(record.Config);
  } catch {
    return parseConsulCAConfig({});
  }
}

function sameConfig(a: Readonly<Record<string, unknown>>, b: Readonly<Record<string, unknown>>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

function warnStoredWins(logger: Logger): void {
  logger.warn(
    'connect.ca_config differs from the stored CA configuration; the stored one is used ' +
      '(change it with PUT /v1/connect/ca/configuration or `entente connect ca set-config`)',
  );
}

/**
 * Says what a `RotationPeriod` does here, since Consul accepts the key and never acts on it (its own default
 * configuration carries `"2160h"`, so a copied Consul configuration starts a 90-day rotation in Entente).
 */
function noteRotationPeriod(logger: Logger, config: ConsulCAConfig): void {
  const period = config.rotationPeriodMs;
  if (period === undefined) {
    logger.info('CA RotationPeriod unset: no scheduled root rotation');
  } else if (config.rootCert !== '') {
    logger.info(
      { rotation_period_h: period / 3_600_000 },
      'CA RotationPeriod ignored while an operator RootCert is configured: the operator rotates by setting a new one',
    );
  } else {
    logger.info(
      { rotation_period_h: period / 3_600_000 },
      'CA RotationPeriod set: the root is replaced by a fresh cross-signed one once it is this old (Consul ignores this key)',
    );
  }
}
