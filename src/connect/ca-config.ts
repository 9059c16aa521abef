/**
 * The Connect CA configuration of the built-in `consul` provider: its keys, defaults and validation, with
 * Consul's messages (`agent/connect/ca/provider_consul_config.go` `ParseConsulCAConfig`,
 * `agent/structs/connect_ca.go` `CommonCAProviderConfig.Validate`).
 *
 * @packageDocumentation
 */
import { formatGoDuration, parseGoDuration } from '../lib/go/duration.js';
import { decodeErrorMessage, weakNumber } from '../lib/go/mapstructure.js';

const NS_PER_MS = 1_000_000;
const HOUR_MS = 3_600_000;

/** The only provider Entente has: Consul's built-in CA. */
export const CONSUL_CA_PROVIDER = 'consul';

/** Consul's defaults (`defaultCommonConfig`): 72h leaves, 8760h intermediates, 87600h roots, EC P-256. */
export const DEFAULT_LEAF_CERT_TTL_MS = 72 * HOUR_MS;
export const DEFAULT_INTERMEDIATE_CERT_TTL_MS = 8760 * HOUR_MS;
export const DEFAULT_ROOT_CERT_TTL_MS = 87_600 * HOUR_MS;
export const DEFAULT_PRIVATE_KEY_TYPE = 'ec';
export const DEFAULT_PRIVATE_KEY_BITS = 256;
/** Consul's `CSRMaxPerSecond` default (`GetCommonConfig`). 0 turns the rate limit off. */
export const DEFAULT_CSR_MAX_PER_SECOND = 50;

/** `MinLeafCertTTL` and `MaxLeafCertTTL` (365 × 24h). */
const MIN_LEAF_CERT_TTL_MS = HOUR_MS;
const MAX_LEAF_CERT_TTL_MS = 8760 * HOUR_MS;
/** `3 * IntermediateCertRenewInterval` (1h). */
const MIN_INTERMEDIATE_CERT_TTL_MS = 3 * HOUR_MS;

/**
 * The `Config` keys of the built-in provider, canonical (CamelCase) name by lower-cased name and by snake_case
 * name (Consul matches field names case-insensitively and translates the agent file's snake_case keys).
 */
const KEYS = [
  ['LeafCertTTL', 'leaf_cert_ttl'],
  ['IntermediateCertTTL', 'intermediate_cert_ttl'],
  ['RootCertTTL', 'root_cert_ttl'],
  ['RotationPeriod', 'rotation_period'],
  ['PrivateKeyType', 'private_key_type'],
  ['PrivateKeyBits', 'private_key_bits'],
  ['PrivateKey', 'private_key'],
  ['RootCert', 'root_cert'],
  ['CSRMaxPerSecond', 'csr_max_per_second'],
  ['CSRMaxConcurrent', 'csr_max_concurrent'],
] as const;

export type CAConfigKey = (typeof KEYS)[number][0];

const CANONICAL = new Map<string, CAConfigKey>();
for (const [camel, snake] of KEYS) {
  CANONICAL.set(camel.toLowerCase(), camel);
  CANONICAL.set(snake, camel);
}

/** The built-in provider's configuration, parsed, with defaults filled in. Durations in milliseconds. */
export interface ConsulCAConfig {
  readonly leafCertTtlMs: number;
  readonly intermediateCertTtlMs: number;
  readonly rootCertTtlMs: number;
  /**
   * Automatic root rotation: when set, the CA rotates to a new root once the active one is this old (Entente
   * implements what Consul's key only reserved; see README). Undefined: no automatic rotation.
   */
  readonly rotationPeriodMs: number | undefined;
  readonly privateKeyType: 'ec' | 'rsa';
  readonly privateKeyBits: number;
  /** An operator-supplied signing key (PEM). Secret. */
  readonly privateKey: string;
  /** An operator-supplied root certificate (PEM) for `privateKey`. */
  readonly rootCert: string;
  /** Leaf signing requests per second on this server; 0: no rate limit (then `csrMaxConcurrent` applies). */
  readonly csrMaxPerSecond: number;
  /** Leaf signings in parallel when the rate limit is off; 0: no limit. */
  readonly csrMaxConcurrent: number;
}

/** A configuration Consul would refuse; the message is Consul's. */
export class CAConfigError extends Error {
  override readonly name = 'CAConfigError';
}

/**
 * Renames the keys of a `Config` map to their canonical CamelCase names (`leaf_cert_ttl` and `leafcertttl` both
 * become `LeafCertTTL`), keeping values as given. Keys that are not the provider's are kept as they are, so that
 * {@link parseConsulCAConfig} can name them.
 */
export function canonicalCAConfig(raw: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (v === null || v === undefined) continue;
    out[CANONICAL.get(k.toLowerCase()) ?? CANONICAL.get(k) ?? k] = v;
  }
  return out;
}

/**
 * Parses and validates a `Config` map as Consul's `ParseConsulCAConfig` does (defaults, then the checks of
 * `CommonCAProviderConfig.Validate` in its order). Unlike Consul, which ignores keys it does not know, an unknown
 * key is refused with mapstructure's unused-keys message: a key that silently does nothing is a trap.
 * Throws {@link CAConfigError}.
 */
export function parseConsulCAConfig(raw: Readonly<Record<string, unknown>>): ConsulCAConfig {
  const cfg = canonicalCAConfig(raw);
  const unknown = Object.keys(cfg)
    .filter((k) => !CANONICAL.has(k.toLowerCase()))
    .sort();
  if (unknown.length > 0) {
    throw decodeError([`'' has invalid keys: ${unknown.join(', ')}`]);
  }
  const errors: string[] = [];
  const read = <T>(key: CAConfigKey, fn: (v: unknown) => T, fallback: T): T => {
    const v = cfg[key];
    if (v === undefined) return fallback;
    try {
      return fn(v);
    } catch (err) {
      errors.push(`error decoding '${key}': ${(err as Error).message}`);
      return fallback;
    }
  };
  const leafCertTtlMs = read('LeafCertTTL', durationMs, DEFAULT_LEAF_CERT_TTL_MS);
  const intermediateCertTtlMs = read('IntermediateCertTTL', durationMs, DEFAULT_INTERMEDIATE_CERT_TTL_MS);
  const rootCertTtlMs = read('RootCertTTL', durationMs, DEFAULT_ROOT_CERT_TTL_MS);
  const rotation = read<number | undefined>('RotationPeriod', durationMs, undefined);
  const privateKeyType = read('PrivateKeyType', stringValue, DEFAULT_PRIVATE_KEY_TYPE);
  const privateKeyBits = read('PrivateKeyBits', intValue, DEFAULT_PRIVATE_KEY_BITS);
  const privateKey = read('PrivateKey', stringValue, '');
  const rootCert = read('RootCert', stringValue, '');
  // The CSR limits are numbers to mapstructure (no decode hook), so their errors read as mapstructure's own.
  const csrMaxPerSecond =
    weakNumber(cfg['CSRMaxPerSecond'], 'CSRMaxPerSecond', 'float32', errors) ?? DEFAULT_CSR_MAX_PER_SECOND;
  const csrMaxConcurrent = weakNumber(cfg['CSRMaxConcurrent'], 'CSRMaxConcurrent', 'int', errors) ?? 0;
  if (errors.length > 0) throw decodeError(errors);

  if (privateKey === '' && rootCert !== '') {
    throw new CAConfigError('must provide a private key when providing a root cert');
  }
  validateTtls(leafCertTtlMs, intermediateCertTtlMs, rootCertTtlMs);
  const keyType = validateKey(privateKeyType, privateKeyBits);
  if (rotation !== undefined && rotation !== 0) validateRotation(rotation, leafCertTtlMs);
  if (csrMaxPerSecond < 0) throw new CAConfigError('CSRMaxPerSecond must not be negative');
  if (csrMaxConcurrent < 0) throw new CAConfigError('CSRMaxConcurrent must not be negative');
  return {
    leafCertTtlMs,
    intermediateCertTtlMs,
    rootCertTtlMs,
    rotationPeriodMs: rotation === 0 ? undefined : rotation,
    privateKeyType: keyType,
    privateKeyBits,
    privateKey,
    rootCert,
    csrMaxPerSecond,
    csrMaxConcurrent,
  };
}

/**
 * Whether moving from `current` to `next` needs a new root. As Consul's provider ID hashes
 * `PrivateKey, RootCert, PrivateKeyType, PrivateKeyBits` (`ConsulProvider.Configure`), a change of any of them
 * rotates; TTL, rate-limit and rotation-period changes only update the configuration.
 */
export function needsNewRoot(current: ConsulCAConfig, next: ConsulCAConfig): boolean {
  return (
    current.privateKey !== next.privateKey ||
    current.rootCert !== next.rootCert ||
    current.privateKeyType !== next.privateKeyType ||
    current.privateKeyBits !== next.privateKeyBits
  );
}

/** The `Config` map Consul's server starts with (`DefaultConfig().CAConfig`), merged with the agent's keys. */
export function initialCAConfig(agentCaConfig: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    LeafCertTTL: formatHours(DEFAULT_LEAF_CERT_TTL_MS),
    IntermediateCertTTL: formatHours(DEFAULT_INTERMEDIATE_CERT_TTL_MS),
    RootCertTTL: formatHours(DEFAULT_ROOT_CERT_TTL_MS),
    ...canonicalCAConfig(agentCaConfig),
  };
}

/** What a redacted `PrivateKey` reads (the word Consul uses for redacted secrets). */
export const REDACTED_PRIVATE_KEY = 'hidden';

/** A copy of a `Config` map fit to show, keys sorted: `PrivateKey` (a secret) reads {@link REDACTED_PRIVATE_KEY}. */
export function redactCAConfig(config: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(config).sort()) out[k] = k === 'PrivateKey' ? REDACTED_PRIVATE_KEY : config[k];
  return out;
}

/**
 * `next` with a redacted `PrivateKey` replaced by the stored one, so a configuration read from
 * `GET /v1/connect/ca/configuration`, edited and written back keeps the operator's key.
 */
export function unredactCAConfig(
  next: Readonly<Record<string, unknown>>,
  stored: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  if (next['PrivateKey'] !== REDACTED_PRIVATE_KEY || stored['PrivateKey'] === undefined) return { ...next };
  return { ...next, PrivateKey: stored['PrivateKey'] };
}

function validateTtls(leaf: number, intermediate: number, root: number): void {
  if (root < intermediate) {
    throw new CAConfigError(
      `root cert TTL is set and is not greater than intermediate cert ttl. root cert ttl: ${goDur(root)}, ` +
        `intermediate cert ttl: ${goDur(intermediate)}`,
    );
  }
  if (leaf < MIN_LEAF_CERT_TTL_MS) {
    throw new CAConfigError(`leaf cert TTL must be greater or equal than ${goDur(MIN_LEAF_CERT_TTL_MS)}`);
  }
  if (leaf > MAX_LEAF_CERT_TTL_MS) {
    throw new CAConfigError(`leaf cert TTL must be less than ${goDur(MAX_LEAF_CERT_TTL_MS)}`);
  }
  if (intermediate < MIN_INTERMEDIATE_CERT_TTL_MS) {
    throw new CAConfigError('Intermediate Cert TTL must be greater or equal than 3h');
  }
  if (intermediate < 3 * leaf) {
    throw new CAConfigError(
      `Intermediate Cert TTL must be greater or equal than 3 * LeafCertTTL (>=${goDur(3 * leaf)}).`,
    );
  }
}

function validateKey(type: string, bits: number): 'ec' | 'rsa' {
  switch (type) {
    case 'ec':
      if (![224, 256, 384, 521].includes(bits)) {
        throw new CAConfigError('EC key length must be one of (224, 256, 384, 521) bits');
      }
      if (bits === 224) {
        // Consul accepts P-224; Node's WebCrypto, which signs Entente's certificates, has no P-224.
        throw new CAConfigError('EC key length 224 is not supported by Entente: use 256, 384 or 521 bits');
      }
      return 'ec';
    case 'rsa':
      if (bits !== 2048 && bits !== 4096) throw new CAConfigError('RSA key length must be 2048 or 4096 bits');
      return 'rsa';
    default:
      throw new CAConfigError("private key type must be either 'ec' or 'rsa'");
  }
}

/**
 * Entente's bound on `RotationPeriod` (Consul never acted on the key): a root must outlive the leaves it signs
 * and the cross-signed overlap, so the period is at least 24h and at least twice `LeafCertTTL`.
 */
function validateRotation(period: number, leaf: number): void {
  const min = Math.max(24 * HOUR_MS, 2 * leaf);
  if (period < min) {
    throw new CAConfigError(
      `RotationPeriod must be greater or equal than 24h and 2 * LeafCertTTL (>=${goDur(min)})`,
    );
  }
}

function decodeError(problems: readonly string[]): CAConfigError {
  return new CAConfigError(decodeErrorMessage(problems));
}

/** A Go duration (string) or nanoseconds (number), as mapstructure's weak decoding reads `time.Duration`. */
function durationMs(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v / NS_PER_MS;
  if (typeof v === 'string') return parseGoDuration(v) / NS_PER_MS;
  throw new Error(`expected a duration, got ${typeof v}`);
}

function stringValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`expected a string, got ${typeof v}`);
}

function intValue(v: unknown): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^[+-]?\d+$/.test(v.trim())) return Number.parseInt(v, 10);
  throw new Error(`cannot parse as int: ${JSON.stringify(v)}`);
}

function goDur(ms: number): string {
  return formatGoDuration(ms * NS_PER_MS);
}

function formatHours(ms: number): string {
  return `${ms / HOUR_MS}h`;
}
